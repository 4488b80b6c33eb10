// The single-use store a session token (T1) meets on /submit and /skip: the port its
// implementations (memory.ts, redis.ts, or one of your own through `deps.store`) fill.

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
