// The one error a request meets on refusal, its wire code's HTTP status, and the handlers that
// answer it (and every other failure) as `{"error", "message", "fields"?}`.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode, ErrorResponse, FieldErrorCode } from '../../common/wire.js';
import { describeError } from '../ops/log.js';
import { JSON_TYPE } from './media-types.js';

const STATUS_BY_CODE = {
  invalid_request: 400,
  session_expired: 401,
  invalid_session: 401,
  skip_not_allowed: 403,
  email_unverified: 403,
  session_used: 409,
  identity_exists: 409,
  invalid_fields: 422,
  rate_limited: 429,
  upstream_error: 502,
  upstream_unavailable: 503,
  upstream_timeout: 504,
} as const satisfies Record<ErrorCode, number>;

export interface RequestErrorOptions {
  /** Overrides the code's usual status (413 and 415 answer `invalid_request` too). */
  statusCode?: number;
  fields?: Record<string, FieldErrorCode>;
  /** Plain text (at most 200 characters) per field that a hook or Auth0 gave as its reason. */
  messages?: Record<string, string>;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  /** What went wrong underneath: logged with the request id, never sent to the client. */
  cause?: unknown;
}

/**
 * The one error a request handler throws: a wire code, its HTTP status and a message safe to show
 * to the end user. The error handler turns it into `{"error", "message", "fields"?}`. Shaped as
 * Fastify's errors are (`statusCode`, `code`, `headers`), so Fastify's default handler answers
 * it with the right status and Retry-After too, wherever it is thrown.
 */
export class RequestError extends Error {
  /** The wire code (`error` in the answer). */
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly fields?: Record<string, FieldErrorCode>;
  readonly messages?: Record<string, string>;
  readonly retryAfter?: number;
  /** Headers the answer carries (`retry-after`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, options: RequestErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RequestError';
    this.code = code;
    this.statusCode = options.statusCode ?? STATUS_BY_CODE[code];
    this.fields = options.fields;
    this.messages = options.messages;
    this.retryAfter = options.retryAfter;
    this.headers = options.retryAfter === undefined ? {} : { 'retry-after': String(options.retryAfter) };
  }
}

/** The error handler: our refusals as their wire code, Fastify's request-shape errors translated, anything else a 500. */
export function handleError(this: unknown, error: FastifyError | RequestError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const refusal = toRequestError(error);
  if (!refusal) {
    request.log.error({ err: describeError(error) }, 'unexpected error');
    void reply
      .code(500)
      .type(JSON_TYPE)
      .header('cache-control', 'no-store')
      .send({ error: 'internal_error', message: 'Something went wrong on our side. Please try again.' });
    return;
  }
  if (refusal.statusCode >= 500) {
    request.log.warn({ code: refusal.code, cause: describeError(refusal.cause) }, 'upstream failure');
  } else {
    request.log.info({ code: refusal.code }, 'request refused');
  }
  const body: ErrorResponse = {
    error: refusal.code,
    message: refusal.message,
    ...(refusal.fields ? { fields: refusal.fields } : {}),
    ...(refusal.messages ? { messages: refusal.messages } : {}),
  };
  void reply.code(refusal.statusCode).headers(refusal.headers).type(JSON_TYPE).header('cache-control', 'no-store').send(body);
}

/** The JSON 404 (the request guard, run before it, sets the security headers). */
export function handleNotFound(_request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).type(JSON_TYPE).send({ error: 'not_found', message: 'There is nothing at this address.' });
}

/** Our own errors, and Fastify's request-shape errors translated by their code; undefined for the rest. */
function toRequestError(error: unknown): RequestError | undefined {
  if (error instanceof RequestError) return error;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RequestError('invalid_request', 'The request body is too large.', { statusCode: 413 });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new RequestError('invalid_request', 'The request body must be JSON (Content-Type: application/json).', { statusCode: 415 });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new RequestError('invalid_request', 'The request body is not valid JSON.');
  }
  if (error instanceof SyntaxError && statusCode === 400) {
    return new RequestError('invalid_request', 'The request body is not valid JSON.');
  }
  return undefined;
}
