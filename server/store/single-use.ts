// Single use of a session token (T1) on /submit and /skip: the store port its implementations
// fill (memory.ts, redis.ts, or one of your own through `deps.store`), and the reservation around
// the work (reserve, then commit on success, or release on failure).
import { createHash } from 'node:crypto';
import { base64url } from 'jose';
import { RequestError } from '../http/errors.js';
import { describeError } from '../ops/log.js';

export type ReserveResult = 'reserved' | 'used';
/** What a refused attempt left of a reservation: free for another try, or used up. */
export type RefusalResult = 'released' | 'used';

/**
 * What the server remembers between requests, in one process (memory.ts) or shared by every
 * instance (redis.ts): session tokens (T1) that were used, the refused attempts of each, and
 * short-lived holds (a `unique` value being claimed, a database user being created). Every
 * operation is atomic. Throws `StoreUnavailableError` when the store is down or full: the caller
 * answers `upstream_unavailable` rather than risk accepting a replay.
 */
export interface SingleUseStore {
  /** Reserves `key` for an in-flight submit, for at most `holdSeconds`; `used` when it is reserved or used. */
  reserve(key: string, holdSeconds: number): Promise<ReserveResult>;
  /** Marks `key` used until `expiresAt` (epoch seconds: T1's `exp`). */
  commit(key: string, expiresAt: number): Promise<void>;
  /** Forgets a reservation whose work failed, so the same T1 may be retried; a used key stays used. */
  release(key: string): Promise<void>;
  /**
   * Counts a refused attempt against a reserved `key` (remembered until `expiresAt`, epoch
   * seconds) and frees it for another try, or marks it used until `expiresAt` once `maxRefusals`
   * attempts were refused.
   */
  releaseRefused(key: string, maxRefusals: number, expiresAt: number): Promise<RefusalResult>;
  /**
   * Holds `key` for `owner` for `holdSeconds` from now: true when it was free or already
   * `owner`'s (the hold is then renewed), false when another owner holds it.
   */
  hold(key: string, owner: string, holdSeconds: number): Promise<boolean>;
  /** Ends `owner`'s hold on `key`; a hold of another owner stays. */
  unhold(key: string, owner: string): Promise<void>;
  /** The owner holding `key`, or undefined. */
  holderOf(key: string): Promise<string | undefined>;
  /** Resolves when the store answers; throws `StoreUnavailableError` otherwise (GET /healthz). */
  ping(): Promise<void>;
  /**
   * The longest one operation may take before it fails (milliseconds): a submit keeps this much
   * of its 15 s free for the commit after its upstream work. Undefined counts as one second.
   */
  readonly maxOperationMs?: number;
  close(): Promise<void>;
}

export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export interface SingleUseOptions {
  /** Seconds the upstream work may take (MANAGEMENT_API_TIMEOUT): a reservation outlives it. */
  workSeconds: number;
}

/** A session token as the single-use store knows it. */
export interface SessionTokenUse {
  /** The token as it came in, already verified (the key derives from it when it carries no `jti`). */
  token: string;
  /** T1's verified `jti`. */
  jti?: string;
  /** Epoch seconds until which a used token must stay refused (T1's `exp` plus the clock tolerance). */
  usedUntil: number;
}

export interface SingleUse {
  /**
   * Runs `work` while T1 is reserved: a success keeps it until T1 can no longer be accepted; a
   * 5xx failure releases it (the same submit may be retried); a 4xx refusal releases it too but
   * counts, and the `MAX_REFUSED_ATTEMPTS`-th uses it up. Throws `RequestError` `session_used`
   * when T1 was used or is in use, `upstream_unavailable` when the store fails.
   */
  runOnce<T>(use: SessionTokenUse, work: () => Promise<T>, log: { warn(details: object, message: string): void }): Promise<T>;
}

/**
 * Refusals (any 4xx answer after T1 is reserved: `invalid_fields`, `email_unverified`,
 * `identity_exists`, `skip_not_allowed`) one T1 may meet; the next use answers `session_used`.
 * A person fixes a form in a few tries; a script trying values (each costing a hook call, a user
 * search or a password check at Auth0) is stopped. Upstream failures (5xx) never count: they are
 * not the client's doing, and the contract promises that the same submit may be retried.
 */
export const MAX_REFUSED_ATTEMPTS = 10;
// Seconds a reservation outlives the upstream budget, so a slow write never loses its hold.
const HOLD_MARGIN_SECONDS = 5;

export function createSingleUse(store: SingleUseStore, options: SingleUseOptions): SingleUse {
  const holdSeconds = Math.ceil(options.workSeconds) + HOLD_MARGIN_SECONDS;
  return {
    async runOnce<T>(use: SessionTokenUse, work: () => Promise<T>, log: { warn(details: object, message: string): void }): Promise<T> {
      const key = reservationKey(use);
      const reserved = await callStore(() => store.reserve(key, holdSeconds));
      if (reserved === 'used') {
        throw new RequestError('session_used', 'This form was already sent. Please sign in again to continue.');
      }
      let result: T;
      try {
        result = await work();
      } catch (error) {
        try {
          if (isRefusal(error)) await store.releaseRefused(key, MAX_REFUSED_ATTEMPTS, use.usedUntil);
          else await store.release(key);
        } catch (releaseError) {
          log.warn({ err: describeError(releaseError) }, 'could not release a session token reservation');
        }
        throw error;
      }
      await callStore(() => store.commit(key, use.usedUntil));
      return result;
    },
  };
}

/**
 * The key T1 is reserved under: its `jti` when it has one, else what every accepted encoding of
 * the same signed token shares. The signature is HMAC over the header and payload text as sent,
 * so those two segments cannot vary; the signature segment can (a `=` pad, whitespace, the spare
 * low bits of its last base64url character all decode to the same bytes, and jose accepts them).
 * It is decoded as jose decodes it and re-encoded canonically. Hashed, so keys have one size.
 */
export function reservationKey({ jti, token }: Pick<SessionTokenUse, 'jti' | 'token'>): string {
  if (jti !== undefined) return `jti:${sha256(jti)}`;
  const [header = '', payload = '', signature = ''] = token.split('.');
  let canonicalSignature: string;
  try {
    canonicalSignature = base64url.encode(base64url.decode(signature));
  } catch {
    // Unreachable for a verified token; the text itself still makes a key.
    canonicalSignature = signature;
  }
  return `t1:${sha256(`${header}.${payload}.${canonicalSignature}`)}`;
}

/** A store key's part made of `text`: hashed, so keys have one size and hold no user data in the clear. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function isRefusal(error: unknown): boolean {
  return error instanceof RequestError && error.statusCode >= 400 && error.statusCode < 500;
}

async function callStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new RequestError('upstream_unavailable', 'The service is busy. Please try again in a moment.', { cause: error });
  }
}
