// The port through which a submit writes profile data: the Management API writer in production
// (management-writer.ts), a recording one in tests, or none when the Action writes from T2.

/** A metadata object as the Management API stores it: first-level keys are the field ids. */
export type Metadata = Record<string, unknown>;

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
