import type { ErrorCode, FieldErrorCode } from '../../common/wire.js';

const STATUS_BY_CODE = {
  invalid_request: 400,
  session_expired: 401,
  invalid_session: 401,
  skip_not_allowed: 403,
  session_used: 409,
  invalid_fields: 422,
  rate_limited: 429,
  upstream_error: 502,
  upstream_unavailable: 503,
  upstream_timeout: 504,
} as const satisfies Record<ErrorCode, number>;

export interface RequestErrorOptions {
  /** Overrides the code's usual status (413 and 415 answer `invalid_request` too). */
  status?: number;
  fields?: Record<string, FieldErrorCode>;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  /** What went wrong underneath: logged with the request id, never sent to the client. */
  cause?: unknown;
}

/**
 * The one error a request handler throws: a wire code, its HTTP status and a message safe to show
 * to the end user. The error handler turns it into `{"error", "message", "fields"?}`.
 */
export class RequestError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields?: Record<string, FieldErrorCode>;
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message: string, options: RequestErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RequestError';
    this.code = code;
    this.status = options.status ?? STATUS_BY_CODE[code];
    this.fields = options.fields;
    this.retryAfter = options.retryAfter;
  }
}
