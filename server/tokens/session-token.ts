import { jwtVerify, type JWTPayload } from 'jose';
import type { Clock } from '../clock.js';
import type { TenantHost } from '../config.js';
import { RequestError } from '../http/errors.js';
import { importHmacKey } from './hmac-key.js';

/** Seconds of clock skew accepted on `exp`, `iat` and `nbf` (the Action's clock and ours differ). */
export const CLOCK_TOLERANCE_SECONDS = 5;
// The Action's own bound on a language tag (BCP 47 allows long ones; nobody needs them here).
const MAX_LANGUAGE_TAG_LENGTH = 35;
const LANGUAGE_TAG = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/u;

/** The verified claims of a session token (T1), as the Action's `api.redirect.encodeToken` sets them. */
export interface SessionClaims {
  readonly sub: string;
  readonly iss: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti?: string;
  /** Ids of the required fields missing for this user (bare ids). */
  readonly fields?: readonly string[];
  readonly email_hint?: string;
  /** `false` once the user has skipped as often as the Action allows: /skip answers 403. */
  readonly allow_skip?: boolean;
  /** The user's language (a BCP 47 tag, canonical), carried for rendering; never decides anything. */
  readonly lang?: string;
}

export interface VerifiedSession {
  readonly claims: SessionClaims;
  /** The configured host T1's `iss` names: the only place /continue may point to. */
  readonly host: TenantHost;
}

export interface SessionTokenVerifierOptions {
  secret: string;
  hosts: readonly TenantHost[];
  /** Seconds; a token whose `exp - iat` is longer is refused. */
  maxSessionTtl: number;
  clock: Clock;
}

export interface SessionTokenVerifier {
  verify(token: string): Promise<VerifiedSession>;
}

/**
 * Verifies T1: HS256 only (RFC 8725 §3.1: the verifier, not the token, picks the algorithm),
 * `sub`/`iss`/`iat`/`exp` required, `iss` one of `hosts`. Throws `RequestError` `session_expired`
 * for an expired token and `invalid_session` for any other failure.
 */
export function createSessionTokenVerifier(options: SessionTokenVerifierOptions): SessionTokenVerifier {
  if (options.hosts.length === 0) throw new TypeError('hosts: at least one tenant host is required');
  if (!(options.maxSessionTtl > 0)) throw new TypeError('maxSessionTtl: must be a positive number of seconds');
  const key = importHmacKey(options.secret, 'verify');
  const hostsByIssuer = new Map(options.hosts.map((host) => [host.host, host]));
  const issuers = [...hostsByIssuer.keys()];
  const { clock, maxSessionTtl } = options;

  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, await key, {
          algorithms: ['HS256'],
          issuer: issuers,
          requiredClaims: ['sub', 'iss', 'iat', 'exp'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(clock.now()),
        }));
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ERR_JWT_EXPIRED') {
          throw new RequestError('session_expired', 'This sign-in has expired. Please sign in again.', { cause: error });
        }
        throw invalidSession(error);
      }
      return { claims: readClaims(payload, clock, maxSessionTtl), host: hostsByIssuer.get(payload.iss as string)! };
    },
  };
}

function readClaims(payload: JWTPayload, clock: Clock, maxSessionTtl: number): SessionClaims {
  const { sub, iss, iat, exp, jti } = payload;
  const { fields, email_hint: emailHint, allow_skip: allowSkip, lang } = payload as {
    fields?: unknown;
    email_hint?: unknown;
    allow_skip?: unknown;
    lang?: unknown;
  };
  if (typeof sub !== 'string' || sub === '' || typeof iss !== 'string') throw invalidSession();
  if (typeof iat !== 'number' || typeof exp !== 'number') throw invalidSession();
  // A long-lived T1 is a long replay window for a leaked link; the Action mints short ones.
  if (exp - iat > maxSessionTtl) throw invalidSession();
  // jose checks `iat` only for type here; one from the future means a clock or a forger we do not trust.
  if (iat > clock.now() / 1000 + CLOCK_TOLERANCE_SECONDS) throw invalidSession();
  if (jti !== undefined && (typeof jti !== 'string' || jti === '')) throw invalidSession();
  if (fields !== undefined && !(Array.isArray(fields) && fields.every((id) => typeof id === 'string'))) throw invalidSession();
  if (emailHint !== undefined && typeof emailHint !== 'string') throw invalidSession();
  if (allowSkip !== undefined && typeof allowSkip !== 'boolean') throw invalidSession();
  if (lang !== undefined && typeof lang !== 'string') throw invalidSession();
  // A tag that does not parse is dropped, not refused: it comes from the login's ui_locales,
  // which the user chooses, and only picks a language.
  const language = typeof lang === 'string' ? toLanguageTag(lang) : undefined;
  return {
    sub,
    iss,
    iat,
    exp,
    ...(jti === undefined ? {} : { jti }),
    ...(fields === undefined ? {} : { fields: fields as string[] }),
    ...(emailHint === undefined ? {} : { email_hint: emailHint as string }),
    ...(allowSkip === undefined ? {} : { allow_skip: allowSkip as boolean }),
    ...(language === undefined ? {} : { lang: language }),
  };
}

function toLanguageTag(text: string): string | undefined {
  if (text.length > MAX_LANGUAGE_TAG_LENGTH || !LANGUAGE_TAG.test(text)) return undefined;
  try {
    return Intl.getCanonicalLocales(text)[0];
  } catch {
    return undefined;
  }
}

function invalidSession(cause?: unknown): RequestError {
  return new RequestError('invalid_session', 'This sign-in link is not valid. Please sign in again.', { cause });
}
