import { randomBytes } from 'node:crypto';
import { CompactSign } from 'jose';
import type { Clock } from '../clock.js';
import type { ProfilePatch } from '../upstream/profile-writer.js';
import { importHmacKey } from './hmac-key.js';

/** T2's `iss`: distinct from any tenant host, so a T2 can never pass for a T1 (RFC 8725 §3.12). */
export const CONTINUE_TOKEN_ISSUER = 'progressive-profile';

export interface ContinueTokenSignerOptions {
  secret: string;
  /** Seconds T2 lives (Auth0 wants `exp` about a minute ahead when it checks). */
  ttl: number;
  clock: Clock;
}

export interface ContinueTokenInput {
  /** T1's verified `sub`. */
  sub: string;
  /** The `state` Auth0 appended to the form URL; `validateToken` compares it with /continue's. */
  state: string;
  /** T1's `jti`, when it has one: T2 carries it, so one login can be followed across logs. */
  jti?: string;
  skipped?: boolean;
  /** Only when the Action writes the data (no Management API credentials). */
  profile?: { user_metadata: Record<string, unknown>; app_metadata: Record<string, unknown> };
}

export interface ContinueTokenSigner {
  sign(input: ContinueTokenInput): Promise<string>;
}

// Auth0's validateToken is reported to insist on typ JWT; jose adds no typ by itself.
const PROTECTED_HEADER = { alg: 'HS256', typ: 'JWT' } as const;
const encoder = new TextEncoder();

/**
 * Signs T2, the token the browser POSTs to Auth0's /continue: HS256 with header `typ: JWT`. The
 * claims set is serialized here, once, and jose signs it as a compact JWS (a JWT is exactly
 * that): `SignJWT` would deep-copy the claims (`structuredClone`) before serializing them, which
 * measured at several per cent of a submit's CPU.
 */
export function createContinueTokenSigner(options: ContinueTokenSignerOptions): ContinueTokenSigner {
  if (!Number.isInteger(options.ttl) || options.ttl <= 0) throw new TypeError('ttl: must be a positive integer of seconds');
  const key = importHmacKey(options.secret, 'sign');
  const { clock, ttl } = options;

  return {
    async sign({ sub, state, jti, skipped, profile }) {
      const iat = Math.floor(clock.now() / 1000);
      if (!Number.isFinite(iat)) throw new TypeError('clock: now() must be a finite number of milliseconds');
      const claims = {
        state,
        ...(skipped ? { skipped: true } : {}),
        ...(profile ? { profile } : {}),
        iss: CONTINUE_TOKEN_ISSUER,
        sub,
        iat,
        exp: iat + ttl,
        // T1's jti: the Action logs the same one on redirect and continue; else a fresh one.
        jti: jti ?? randomBytes(16).toString('base64url'),
      };
      return new CompactSign(encoder.encode(JSON.stringify(claims))).setProtectedHeader(PROTECTED_HEADER).sign(await key);
    },
  };
}

/** The `profile` claim of T2 for a patch: both metadata objects, holding only the patch's keys. */
export function toProfileClaim(patch: ProfilePatch): NonNullable<ContinueTokenInput['profile']> {
  return { user_metadata: patch.user_metadata ?? {}, app_metadata: patch.app_metadata ?? {} };
}
