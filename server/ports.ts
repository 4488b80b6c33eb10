// The dependencies the Fastify app is built from. Each comes in through `buildApp(config, deps)`,
// so a test swaps one without mocking modules.
import type { Metadata } from './metadata.js';

/** What one submit writes: only defined, submitted, non-empty keys; never an empty object. */
export interface ProfilePatch {
  user_metadata?: Metadata;
  app_metadata?: Metadata;
}

export interface WriteOptions {
  /** Aborts when the request's upstream budget (MANAGEMENT_API_TIMEOUT) is spent. */
  signal: AbortSignal;
  /** Epoch milliseconds by which every attempt, retries and waits included, must be over. */
  deadline: number;
}

/**
 * Writes profile data to Auth0 (the Management API in production). Throws a `RequestError` with
 * `upstream_error`, `upstream_unavailable` or `upstream_timeout`; when it throws, nothing was written.
 */
export interface ProfileWriter {
  writeProfile(userId: string, patch: ProfilePatch, options: WriteOptions): Promise<void>;
  /** Whether another user than `userId` already holds `value` in `target.fieldId`. Best effort (search lags). */
  isValueTaken(
    userId: string,
    target: 'user_metadata' | 'app_metadata',
    fieldId: string,
    value: string | number | boolean,
    options: WriteOptions,
  ): Promise<boolean>;
  close?(): Promise<void> | void;
}

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

/** Time, injected so tests freeze it instead of sleeping. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
