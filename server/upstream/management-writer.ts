// Writes profile data through the Auth0 Management API with the real `auth0` SDK, inside the
// request's time budget. The SDK's own retries are off (they wait up to 60 s each): this module
// retries by itself, never sleeps past the deadline, and translates every failure into one of the
// contract's upstream codes by the SDK error's class and status, never by its message.
import { setTimeout as wait } from 'node:timers/promises';
import { ManagementClient, ManagementError, ManagementTimeoutError } from 'auth0';
import { systemClock, type Clock } from '../clock.js';
import type { TenantHost } from '../config.js';
import { RequestError } from '../http/errors.js';
import type { Metadata, ProfilePatch, ProfileWriter, WriteOptions } from './profile-writer.js';
import { createRateLimitPacer } from './rate-limit-pacer.js';

export interface ManagementWriterOptions {
  tenant: TenantHost;
  clientId: string;
  clientSecret: string;
  clock?: Clock;
  logger?: { warn(obj: object, msg: string): void };
  /** The fetch the SDK uses (for the token request too); the global one by default. */
  fetch?: typeof fetch;
  /**
   * Waits `ms` between attempts (a backoff, a 429's wait), rejecting once `signal` aborts;
   * `timers/promises` by default. Tests pass virtual time, so a Retry-After costs no real second.
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

type MetadataTarget = 'user_metadata' | 'app_metadata';

/** What one failed attempt means for the next. */
type Failure =
  | { kind: 'rate_limited'; status: number; waitMs?: number; limit?: number }
  | { kind: 'server'; status: number }
  | { kind: 'network'; status?: undefined }
  | { kind: 'rejected'; status?: number }
  | { kind: 'timeout'; status?: undefined };

const INITIAL_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 2_000;
/** Attempts for 5xx and network failures; 429s are bounded by their wait and the deadline. */
const MAX_ATTEMPTS = 4;
/**
 * Milliseconds an attempt needs at least after a wait: one started closer to the deadline would
 * most likely time out, so the writer answers at once instead (a 503 with Retry-After after a
 * 429, which tells the client when to come back, rather than a 504 later).
 */
const MIN_ATTEMPT_MS = 500;
const SEARCH_PAGE_SIZE = 2;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
// Lucene's special characters, escaped with a backslash even inside a quoted phrase, where only
// `"` and `\` strictly need it: an escaped ordinary character still means itself.
const LUCENE_SPECIALS = /[+\-&|!(){}[\]^"~*?:\\/\s]/gu;

/**
 * A `ProfileWriter` over one `ManagementClient` (its M2M token cached by the SDK). Throws
 * `RequestError` `upstream_error` (502), `upstream_unavailable` (503) or `upstream_timeout` (504),
 * and a `TypeError` for a caller's mistake such as an empty patch, which would wipe metadata.
 */
export function createManagementWriter(options: ManagementWriterOptions): ProfileWriter {
  const { tenant, clientId, clientSecret } = options;
  if (!tenant || typeof tenant.host !== 'string' || typeof tenant.origin !== 'string') {
    throw new TypeError('createManagementWriter: option "tenant" must be a TenantHost');
  }
  if (typeof clientId !== 'string' || clientId === '') throw new TypeError('createManagementWriter: option "clientId" is required');
  if (typeof clientSecret !== 'string' || clientSecret === '') {
    throw new TypeError('createManagementWriter: option "clientSecret" is required');
  }
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? ((ms: number, signal: AbortSignal) => wait(ms, undefined, { signal }));
  const logger = options.logger;
  const client = new ManagementClient({
    domain: tenant.host,
    // Said explicitly: for a loopback emulator the SDK's default (`https://HOST/api/v2/`) is not
    // the identifier its API answers to.
    audience: `${tenant.origin}/api/v2/`,
    clientId,
    clientSecret,
    fetch: buildFetch(tenant, options.fetch ?? globalThis.fetch),
    maxRetries: 0,
  });
  const pacer = createRateLimitPacer(clock);

  async function callWithRetries<T>(
    operation: string,
    call: (requestOptions: { maxRetries: 0; timeoutInSeconds: number; abortSignal: AbortSignal }) => Promise<T>,
    { signal, deadline }: WriteOptions,
  ): Promise<T> {
    let lastRateLimit: { failure: Failure; error: unknown } | undefined;
    for (let attempt = 1; ; attempt += 1) {
      const turnMs = pacer.takeTurn();
      if (turnMs > 0) {
        // Waiting past the deadline helps nobody: say now when to come back.
        if (clock.now() + turnMs + MIN_ATTEMPT_MS > deadline) {
          throw giveUp(lastRateLimit?.failure ?? { kind: 'rate_limited', status: 429 }, turnMs, lastRateLimit?.error);
        }
        await sleep(turnMs, signal).catch(() => {
          throw timeoutError(lastRateLimit?.error);
        });
      }
      const remaining = deadline - clock.now();
      if (remaining <= 0 || signal.aborted) throw timeoutError();
      // The attempt ends with the request's budget or at the deadline, whichever comes first.
      const attemptSignal = AbortSignal.any([signal, AbortSignal.timeout(Math.ceil(remaining))]);
      try {
        // The SDK's token request takes no abort signal (it has its own 10 s limit), so the call
        // races the attempt's signal: the deadline holds even while a token request hangs.
        return await raceAbort(
          call({
            maxRetries: 0,
            // A second past our own timeout, so the deadline is always noticed as our abort.
            timeoutInSeconds: Math.ceil(remaining / 1000) + 1,
            abortSignal: attemptSignal,
          }),
          attemptSignal,
        );
      } catch (error) {
        if (attemptSignal.aborted) throw timeoutError(error);
        const failure = classify(error, clock.now());
        logger?.warn({ operation, status: failure.status ?? null, failure: failure.kind, attempt }, 'Management API call failed');
        if (failure.kind === 'timeout') throw timeoutError(error);
        if (failure.kind === 'rejected') {
          throw new RequestError('upstream_error', 'The profile service refused the request.', { cause: error });
        }
        if (failure.kind === 'rate_limited') {
          // The next turn (top of the loop) waits, or answers at once when it falls past the deadline.
          pacer.noteRateLimited(failure.waitMs ?? backoff(attempt), failure.limit);
          lastRateLimit = { failure, error };
          continue;
        }
        const waitMs = backoff(attempt);
        if (attempt >= MAX_ATTEMPTS || clock.now() + waitMs + MIN_ATTEMPT_MS > deadline) throw giveUp(failure, waitMs, error);
        await sleep(waitMs, signal).catch(() => {
          throw timeoutError(error);
        });
      }
    }
  }

  return {
    async writeProfile(userId: string, patch: ProfilePatch, writeOptions: WriteOptions): Promise<void> {
      assertUserId(userId);
      const body = buildPatchBody(patch);
      await callWithRetries('update_user', (requestOptions) => client.users.update(userId, body, requestOptions), writeOptions);
    },

    async isValueTaken(userId, target, fieldId, value, writeOptions): Promise<boolean> {
      assertUserId(userId);
      if (target !== 'user_metadata' && target !== 'app_metadata') {
        throw new TypeError('isValueTaken: target must be user_metadata or app_metadata');
      }
      if (typeof fieldId !== 'string' || fieldId === '') throw new TypeError('isValueTaken: fieldId is required');
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new TypeError('isValueTaken: value must be a string, number or boolean');
      }
      const q = `${target}.${escapeLucene(fieldId)}:"${escapeLucene(String(value))}"`;
      const page = await callWithRetries(
        'search_users',
        (requestOptions) =>
          client.users.list(
            { q, search_engine: 'v3', fields: 'user_id', include_fields: true, per_page: SEARCH_PAGE_SIZE, page: 0 },
            requestOptions,
          ),
        writeOptions,
      );
      // Two rows suffice: if one is this user, the other is someone else.
      return page.data.some((user) => user.user_id !== userId);
    },

    close(): void {
      // The SDK holds no sockets of its own; undici's idle connections close by themselves.
    },
  };
}

/** Backslash-escapes Lucene's special characters (Auth0's v3 user search syntax). */
export function escapeLucene(text: string): string {
  return text.replace(LUCENE_SPECIALS, (char) => `\\${char}`);
}

/** The PATCH body: only the two metadata objects, each present only when it has keys. */
function buildPatchBody(patch: ProfilePatch): { user_metadata?: Metadata; app_metadata?: Metadata } {
  if (typeof patch !== 'object' || patch === null) throw new TypeError('writeProfile: patch must be an object');
  const body: { user_metadata?: Metadata; app_metadata?: Metadata } = {};
  for (const target of ['user_metadata', 'app_metadata'] as const satisfies readonly MetadataTarget[]) {
    const metadata = patch[target];
    if (metadata === undefined) continue;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new TypeError(`writeProfile: patch.${target} must be an object`);
    }
    // `{}` would not be a no-op: the Management API reads it as "delete all metadata".
    if (Object.keys(metadata).length === 0) throw new TypeError(`writeProfile: patch.${target} is empty, which would wipe it`);
    body[target] = metadata;
  }
  if (body.user_metadata === undefined && body.app_metadata === undefined) {
    throw new TypeError('writeProfile: patch has nothing to write');
  }
  return body;
}

function assertUserId(userId: string): void {
  if (typeof userId !== 'string' || userId === '') throw new TypeError('ProfileWriter: userId is required');
}

/**
 * The SDK always calls `https://{domain}`. For a loopback emulator (`http://127.0.0.1:PORT`),
 * rewrite that prefix to the plain-http origin; the token request goes through here too.
 */
function buildFetch(tenant: TenantHost, baseFetch: typeof fetch): typeof fetch {
  const origin = new URL(tenant.origin);
  if (origin.protocol === 'https:') return baseFetch;
  if (origin.protocol !== 'http:' || !LOOPBACK_HOSTS.has(origin.hostname)) {
    throw new TypeError('createManagementWriter: plain http is allowed for a loopback tenant only');
  }
  const sdkPrefix = `https://${tenant.host}/`;
  const localPrefix = `${origin.origin}/`;
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(sdkPrefix)) return Promise.reject(new TypeError('Management API call to an unexpected host'));
    return baseFetch(localPrefix + url.slice(sdkPrefix.length), init);
  };
}

/** Reads a failed attempt by the SDK error's class and status. */
function classify(error: unknown, now: number): Failure {
  if (error instanceof ManagementTimeoutError) return { kind: 'timeout' };
  if (error instanceof ManagementError) {
    const status = error.statusCode;
    if (status === undefined) return { kind: 'network' };
    if (status === 429) {
      const limit = Number(error.rawResponse?.headers.get('x-ratelimit-limit'));
      return { kind: 'rate_limited', status, waitMs: readRateLimitWait(error, now), limit: Number.isFinite(limit) ? limit : undefined };
    }
    if (status === 408 || status >= 500) return { kind: 'server', status };
    return { kind: 'rejected', status };
  }
  // The token request lets fetch's own failure through unwrapped ("fetch failed": refused, DNS).
  if (error instanceof TypeError) return { kind: 'network' };
  return { kind: 'rejected' };
}

/** Milliseconds to wait from `Retry-After` (seconds or HTTP date), else `x-ratelimit-reset` (unix seconds). */
function readRateLimitWait(error: ManagementError, now: number): number | undefined {
  const headers = error.rawResponse?.headers;
  if (!headers) return undefined;
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    // A floor, so a `Retry-After: 0` upstream cannot spin the loop until the deadline.
    if (/^\d+$/u.test(retryAfter)) return Math.max(INITIAL_BACKOFF_MS, Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(INITIAL_BACKOFF_MS, date - now);
  }
  const reset = headers.get('x-ratelimit-reset')?.trim();
  if (reset && /^\d+$/u.test(reset)) {
    return Math.max(INITIAL_BACKOFF_MS, Number(reset) * 1000 - now);
  }
  return undefined;
}

function backoff(attempt: number): number {
  const base = Math.min(INITIAL_BACKOFF_MS * 2 ** (attempt - 1), MAX_BACKOFF_MS);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

function giveUp(failure: Failure, waitMs: number, cause: unknown): RequestError {
  switch (failure.kind) {
    case 'rate_limited':
      return new RequestError('upstream_unavailable', 'The profile service is busy. Please try again shortly.', {
        retryAfter: Math.max(1, Math.ceil(waitMs / 1000)),
        cause,
      });
    case 'network':
      return new RequestError('upstream_unavailable', 'The profile service cannot be reached. Please try again shortly.', {
        cause,
      });
    default:
      return new RequestError('upstream_error', 'The profile service failed. Please try again.', { cause });
  }
}

function timeoutError(cause?: unknown): RequestError {
  return new RequestError('upstream_timeout', 'The profile service did not answer in time. Please try again.', { cause });
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DOMException('The attempt was aborted', 'AbortError'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
