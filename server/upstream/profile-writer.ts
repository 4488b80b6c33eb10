// The port through which a submit writes profile data: the Management API writer in production
// (management-writer.ts), a recording one in tests, or none when the Action writes from T2.
import type { UpstreamBudget } from './budget.js';

/** A metadata object as the Management API stores it: first-level keys are the field ids. */
export type Metadata = Record<string, unknown>;

/** What one submit writes: only defined, submitted, non-empty keys; never an empty object. */
export interface ProfilePatch {
  user_metadata?: Metadata;
  app_metadata?: Metadata;
}

/** The request's upstream budget: a signal that aborts when it is spent, and its deadline (epoch ms). */
export type WriteOptions = UpstreamBudget;

/**
 * Writes profile data to Auth0 (the Management API in production). Throws a `RequestError` with
 * `upstream_error`, `upstream_unavailable` or `upstream_timeout`; when it throws, the write either
 * did not land or landed whole (a PATCH that answered late), and writing the same patch again is
 * harmless.
 */
export interface ProfileWriter {
  writeProfile(userId: string, patch: ProfilePatch, options: WriteOptions): Promise<void>;
  /**
   * Whether another user than `userId` already holds `value` in `target.fieldId` or, for the field
   * `username`, as their database-connection username. Best effort (search lags).
   */
  isValueTaken(
    userId: string,
    target: 'user_metadata' | 'app_metadata',
    fieldId: string,
    value: string | number | boolean,
    options: WriteOptions,
  ): Promise<boolean>;
  close?(): Promise<void> | void;
}
