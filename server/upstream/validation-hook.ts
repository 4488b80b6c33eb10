// The site owner's veto on submitted values (CONTRACT "Validation hook"): after the server's own
// field rules pass and before anything is written, the values go to VALIDATION_HOOK_URL (a signed
// POST) or, when the server is mounted as a plugin, to an in-process `validate` function. Both
// answer the same way: accepted, refused field by field (422 `rejected` with a message), or a
// failure (503 `upstream_unavailable`, nothing written, T1 left usable). Never logs a value, the
// secret or a body.
import { createHmac } from 'node:crypto';
import { MAX_FIELD_MESSAGE_LENGTH, type FieldErrorCode, type FieldValue } from '../../common/wire.js';
import type { Clock } from '../clock.js';
import { RequestError } from '../http/errors.js';

/** Unix seconds when the call was signed; a receiver refuses calls outside its window (five minutes). */
export const TIMESTAMP_HEADER = 'x-progressive-profile-timestamp';
/** `v1=` + hex HMAC-SHA256(secret, timestamp + "." + raw body). */
export const SIGNATURE_HEADER = 'x-progressive-profile-signature';

/** What the hook and `validate` are told besides the values. */
export interface ValidationContext {
  /** The user (T1's verified `sub`). */
  readonly sub: string;
  /** The ids of the fields asked in this form (those a refusal may name). */
  readonly fields: readonly string[];
}

/** `{}` (or nothing) accepts; `{errors: {id: message}}` refuses those fields. */
export interface ValidationAnswer {
  readonly errors?: Readonly<Record<string, string>>;
}

/**
 * The plugin's `validate` option: called with the normalized values (never the password) once the
 * server's own rules pass. A throw, a wrong shape or running past VALIDATION_HOOK_TIMEOUT (the
 * `signal` then aborts) answers 503 `upstream_unavailable`.
 */
export type ValidateValues = (
  values: Record<string, FieldValue>,
  context: ValidationContext & { readonly signal: AbortSignal },
) => Promise<ValidationAnswer | undefined | void>;

export interface WarningLog {
  warn(details: object, message: string): void;
}

/** The veto as /submit runs it: resolves when the values are accepted. */
export interface ValuesValidator {
  /**
   * Throws `RequestError` `invalid_fields` (FIELD_CODE `rejected`, `messages`) or `upstream_unavailable`.
   * `within`, when given, is the submit's shared upstream budget: the call then also ends with it,
   * and its own timeout shrinks to what is left (always answering 503, before the budget's 504).
   */
  check(values: Readonly<Record<string, FieldValue>>, context: ValidationContext, log: WarningLog, within?: HookBudget): Promise<void>;
}

/** What is left of the submit's upstream budget when the hook is called. */
export interface HookBudget {
  /** Aborts when the budget is spent. */
  readonly signal: AbortSignal;
  /** Milliseconds left. */
  readonly remainingMs: number;
}

// The hook's own timer fires this long before the shared budget would, so a slow hook is its 503.
const BUDGET_MARGIN_MS = 50;

/** The hook's signal: its own timeout, shortened to the budget's remainder, and the budget's signal. */
function hookSignal(timeoutMs: number, within: HookBudget | undefined): AbortSignal {
  if (!within) return AbortSignal.timeout(timeoutMs);
  const ownMs = Math.max(1, Math.min(timeoutMs, within.remainingMs - BUDGET_MARGIN_MS));
  return AbortSignal.any([AbortSignal.timeout(ownMs), within.signal]);
}

export interface ValidationHookOptions {
  /** VALIDATION_HOOK_URL (https, or http to loopback: checked by loadConfig). */
  url: string;
  /** VALIDATION_HOOK_SECRET, at least 32 bytes. */
  secret: string;
  /** VALIDATION_HOOK_TIMEOUT. */
  timeoutSeconds: number;
  /** The signature's timestamp. */
  clock: Clock;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

/** Why a call failed, as the log records it (the code, and the status when there was one). */
export type HookFailure =
  | 'hook_timeout'
  | 'hook_unreachable'
  | 'hook_redirect'
  | 'hook_status'
  | 'hook_garbage'
  | 'hook_shape'
  | 'validate_threw';

/** The cause of a 503 from the hook: a code and status for the log, no body, no value. */
export class ValidationHookError extends Error {
  readonly code: HookFailure;
  readonly status?: number;
  constructor(code: HookFailure, options: { status?: number; cause?: unknown } = {}) {
    super(`validation hook failure: ${code}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ValidationHookError';
    this.code = code;
    this.status = options.status;
  }
}

// A refusal is a few short messages: an answer beyond this is not one.
const MAX_ANSWER_BYTES = 64 * 1024;

/** A `ValuesValidator` that POSTs to the hook: signed, with a timeout, no redirect followed. */
export function createValidationHook(options: ValidationHookOptions): ValuesValidator {
  const { url, secret, clock } = options;
  if (typeof url !== 'string' || url === '') throw new TypeError('createValidationHook: option "url" is required');
  if (typeof secret !== 'string' || secret === '') throw new TypeError('createValidationHook: option "secret" is required');
  const timeoutMs = toTimeoutMs(options.timeoutSeconds, 'createValidationHook');
  const fetchHook = options.fetch ?? globalThis.fetch;

  return {
    async check(values, { sub, fields }, log, within) {
      const body = JSON.stringify({ sub, fields, values });
      const timestamp = String(Math.floor(clock.now() / 1000));
      const signal = hookSignal(timeoutMs, within);
      const errors = await failOnAbort(signal, async () => {
        let response: Response;
        try {
          response = await fetchHook(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json',
              [TIMESTAMP_HEADER]: timestamp,
              [SIGNATURE_HEADER]: signHookRequest(secret, timestamp, body),
            },
            body,
            // A redirect would carry the values somewhere the site owner did not configure.
            redirect: 'manual',
            signal,
          });
        } catch (error) {
          throw new ValidationHookError(signal.aborted ? 'hook_timeout' : 'hook_unreachable', { cause: error });
        }
        if (response.status !== 200) {
          void response.body?.cancel().catch(() => {});
          const isRedirect = response.status >= 300 && response.status < 400;
          throw new ValidationHookError(isRedirect ? 'hook_redirect' : 'hook_status', { status: response.status });
        }
        return readAnswer(parseJson(await readLimitedText(response, signal)));
      });
      refuseFields(errors, fields, log);
    },
  };
}

/** A `ValuesValidator` over the plugin's `validate` option, with the same answers and timeout. */
export function createInProcessValidator(validate: ValidateValues, options: { timeoutSeconds: number }): ValuesValidator {
  if (typeof validate !== 'function') throw new TypeError('validate: must be an async function (values, {sub, fields}) => ({errors?})');
  const timeoutMs = toTimeoutMs(options.timeoutSeconds, 'validate');
  return {
    async check(values, { sub, fields }, log, within) {
      const signal = hookSignal(timeoutMs, within);
      const errors = await failOnAbort(signal, async () => {
        let answer: unknown;
        try {
          // A copy: what `validate` does to its argument never reaches the write.
          answer = await validate(structuredClone({ ...values }), { sub, fields: [...fields], signal });
        } catch (error) {
          throw new ValidationHookError(signal.aborted ? 'hook_timeout' : 'validate_threw', { cause: error });
        }
        return answer === undefined ? {} : readAnswer(answer);
      });
      refuseFields(errors, fields, log);
    },
  };
}

/** `v1=` + hex HMAC-SHA256(secret, `${timestamp}.${body}`), as the hook receives it. */
export function signHookRequest(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * A hook's message as the answer shows it: plain text on one line (control, line-separator and
 * bidirectional-override characters become spaces or go), at most 200 characters.
 */
export function toFieldMessage(text: string): string {
  const plain = text
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/[\p{Cs}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();
  const characters = [...plain];
  if (characters.length <= MAX_FIELD_MESSAGE_LENGTH) return plain;
  return `${characters.slice(0, MAX_FIELD_MESSAGE_LENGTH - 1).join('').trimEnd()}…`;
}

/** The `errors` of an answer; anything but `{}` or `{"errors": {id: string}}` is a failure. */
function readAnswer(answer: unknown): Record<string, string> {
  // A strict reading: `{"error": {...}}` (a typo) must not pass for an acceptance.
  if (!isPlainObject(answer) || Object.keys(answer).some((key) => key !== 'errors')) throw new ValidationHookError('hook_shape');
  const { errors } = answer;
  if (errors === undefined) return {};
  if (!isPlainObject(errors) || Object.values(errors).some((message) => typeof message !== 'string')) {
    throw new ValidationHookError('hook_shape');
  }
  return errors as Record<string, string>;
}

/**
 * Refuses the asked fields the answer names (422). Ids that were not asked are ignored, with a
 * warning that counts them: the user could not correct a field the form does not show.
 */
function refuseFields(errors: Record<string, string>, askedIds: readonly string[], log: WarningLog): void {
  const asked = new Set(askedIds);
  const fields: Record<string, FieldErrorCode> = {};
  const messages: Record<string, string> = {};
  let ignored = 0;
  for (const [id, message] of Object.entries(errors)) {
    if (!asked.has(id)) {
      ignored += 1;
      continue;
    }
    fields[id] = 'rejected';
    const text = toFieldMessage(message);
    if (text !== '') messages[id] = text;
  }
  if (ignored > 0) log.warn({ ignored }, 'the validation hook refused fields that were not asked: ignored');
  if (Object.keys(fields).length === 0) return;
  throw new RequestError('invalid_fields', 'Some answers were not accepted.', {
    fields,
    ...(Object.keys(messages).length > 0 ? { messages } : {}),
  });
}

/**
 * Runs `work`, answering 503 as soon as `signal` aborts even if `work` ignores it; every failure
 * of the call becomes 503 `upstream_unavailable`, its cause kept for the log.
 */
async function failOnAbort<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(new ValidationHookError('hook_timeout', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work(), aborted]);
  } catch (error) {
    const cause = error instanceof ValidationHookError ? error : new ValidationHookError('hook_unreachable', { cause: error });
    throw new RequestError('upstream_unavailable', 'Your answers could not be checked just now. Please try again.', { cause });
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

async function readLimitedText(response: Response, signal: AbortSignal): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_ANSWER_BYTES) {
        void reader.cancel().catch(() => {});
        throw new ValidationHookError('hook_garbage');
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof ValidationHookError) throw error;
    throw new ValidationHookError(signal.aborted ? 'hook_timeout' : 'hook_unreachable', { cause: error });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new ValidationHookError('hook_garbage');
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationHookError('hook_garbage');
  }
}

function toTimeoutMs(seconds: number, where: string): number {
  if (typeof seconds !== 'number' || !(seconds > 0) || !Number.isFinite(seconds)) {
    throw new TypeError(`${where}: the timeout must be a positive number of seconds`);
  }
  return Math.ceil(seconds * 1000);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
