// Single use of a session token (T1) on /submit and /skip: the store port its implementations
// fill (memory.ts, redis.ts, or one of your own through `deps.store`), and the reservation around
// the work (reserve, then commit on success or release on failure).
import { createHash } from 'node:crypto';
import { RequestError } from '../http/errors.js';
import { describeError } from '../ops/log.js';

export type ReserveResult = 'reserved' | 'used';

/**
 * Remembers session tokens (T1) that were used, so each works once. `reserve` is atomic: of two
 * concurrent calls with one key, one gets `reserved`. Throws `StoreUnavailableError` when the store
 * is down or full: the caller answers `upstream_unavailable` rather than risk accepting a replay.
 */
export interface SingleUseStore {
  /** Reserves `key` for an in-flight submit, for at most `holdSeconds`. */
  reserve(key: string, holdSeconds: number): Promise<ReserveResult>;
  /** Marks `key` used until `expiresAt` (epoch seconds: T1's `exp`). */
  commit(key: string, expiresAt: number): Promise<void>;
  /** Forgets a reservation whose write failed, so the same T1 may be retried. */
  release(key: string): Promise<void>;
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
  /** The token as it came in (its hash is the key when it carries no `jti`). */
  token: string;
  /** T1's verified `jti`. */
  jti?: string;
  /** Epoch seconds until which a used token must stay refused (T1's `exp` plus the clock tolerance). */
  usedUntil: number;
}

export interface SingleUse {
  /**
   * Runs `work` while T1 is reserved: a failure releases it (the same submit may be retried), a
   * success keeps it until T1 can no longer be accepted. Throws `RequestError` `session_used`
   * when T1 was used or is in use, `upstream_unavailable` when the store fails.
   */
  runOnce<T>(use: SessionTokenUse, work: () => Promise<T>, log: { warn(details: object, message: string): void }): Promise<T>;
}

// Seconds a reservation outlives the upstream budget, so a slow write never loses its hold.
const HOLD_MARGIN_SECONDS = 5;

export function createSingleUse(store: SingleUseStore, options: SingleUseOptions): SingleUse {
  const holdSeconds = Math.ceil(options.workSeconds) + HOLD_MARGIN_SECONDS;
  return {
    async runOnce(use, work, log) {
      const key = reservationKey(use);
      const reserved = await callStore(() => store.reserve(key, holdSeconds));
      if (reserved === 'used') {
        throw new RequestError('session_used', 'This form was already sent. Please sign in again to continue.');
      }
      try {
        const result = await work();
        await callStore(() => store.commit(key, use.usedUntil));
        return result;
      } catch (error) {
        try {
          await store.release(key);
        } catch (releaseError) {
          log.warn({ err: describeError(releaseError) }, 'could not release a session token reservation');
        }
        throw error;
      }
    },
  };
}

// Reservation keys are hashed so their size is bounded whatever the token carries.
function reservationKey({ jti, token }: SessionTokenUse): string {
  const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
  return jti !== undefined ? `jti:${sha256(jti)}` : `t1:${sha256(token)}`;
}

async function callStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new RequestError('upstream_unavailable', 'The service is busy. Please try again in a moment.', { cause: error });
  }
}
