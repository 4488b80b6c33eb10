// The Auth0 Management API as every upstream part uses it (the profile writer, the identity
// linker, the start-time grant check): one `auth0` SDK client whose M2M token is cached until the
// tenant stops accepting it, and one way to call it inside a request's time budget. The SDK's own
// retries are off (they wait up to 60 s each): this module retries by itself, never sleeps past
// the deadline, and translates every failure into one of the contract's upstream codes by the SDK
// error's class and status, never by its message.
import { setTimeout as wait } from 'node:timers/promises';
import { Management, ManagementClient, ManagementError, ManagementTimeoutError, TokenProvider } from 'auth0';
import { systemClock, type Clock } from '../clock.js';
import type { TenantHost } from '../config.js';
import { RequestError } from '../http/errors.js';
import type { UpstreamBudget } from './budget.js';
import { createRateLimitPacer } from './rate-limit-pacer.js';

export interface ManagementApiOptions {
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
  /** Scopes this configuration needs; a token granted without one of them is logged, naming the missing ones. */
  requiredScopes?: readonly string[];
  /** Told of every HTTP attempt (the token request included) once it answered or failed: the metrics count them. */
  onAttempt?: (attempt: ManagementAttempt) => void;
}

/** One HTTP attempt of the SDK, as the metrics count it. */
export interface ManagementAttempt {
  /** `token`: POST /oauth/token; `api`: a call under /api/v2/. */
  readonly endpoint: 'token' | 'api';
  /** The answer's HTTP status; `timeout` when a deadline aborted it, `network` when no answer came (refused, reset, DNS). */
  readonly status: number | 'timeout' | 'network';
}

/** The per-request options the SDK's calls take, as this module sets them. */
export interface SdkRequestOptions {
  maxRetries: 0;
  timeoutInSeconds: number;
  abortSignal: AbortSignal;
}

/** A definitive 4xx answer of the Management API, for a caller that gives some of them a meaning. */
export interface ManagementRefusal {
  readonly status: number;
  /** Auth0's error body (`{statusCode, error, message, errorCode?}`), as parsed by the SDK. */
  readonly body: unknown;
}

export interface CallOptions {
  /**
   * Maps a definitive 4xx answer to the caller's own error (say, a taken username); undefined
   * leaves it an `upstream_error`. Token refusals (401, a 403 on scope) are handled before.
   */
  translateRefusal?: (refusal: ManagementRefusal) => Error | undefined;
  /**
   * Whether a 5xx, a timeout or a dropped connection is retried; default true. False for a call
   * that is not idempotent (creating a user): after such a failure it may have landed anyway.
   */
  retryServerErrors?: boolean;
}

export interface ManagementApi {
  readonly client: ManagementClient;
  /**
   * Runs one Management API call with retries inside `budget`. Throws `RequestError`
   * `upstream_error` (502), `upstream_unavailable` (503) or `upstream_timeout` (504), or what
   * `translateRefusal` made of a 4xx.
   */
  call<T>(operation: string, call: (requestOptions: SdkRequestOptions) => Promise<T>, budget: UpstreamBudget, options?: CallOptions): Promise<T>;
  /**
   * Auth0's user search (v3, eventually consistent: it lags behind writes) for the Lucene query
   * `q`: the first page of at most `perPage` users, with only `fields`.
   */
  searchUsers(q: string, fields: string, perPage: number, budget: UpstreamBudget): Promise<Management.UserResponseSchema[]>;
  /** Fetches a token now if none is cached, and answers the scopes the tenant granted with the last one. */
  readGrantedScopes(budget: UpstreamBudget): Promise<ReadonlySet<string>>;
  /** The required scopes the last granted token lacks; undefined before any token was granted. */
  missingScopes(): readonly string[] | undefined;
}

/** What one failed attempt means for the next. */
type Failure =
  | { kind: 'rate_limited'; status: number; waitMs?: number; limit?: number }
  | { kind: 'server'; status: number }
  | { kind: 'network'; status?: undefined }
  | { kind: 'token_rejected'; status: number }
  | { kind: 'rejected'; status?: number; body?: unknown }
  | { kind: 'timeout'; status?: undefined };

const INITIAL_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 2_000;
/** Attempts for 5xx and network failures; 429s are bounded by their wait and the deadline. */
const MAX_ATTEMPTS = 4;
/**
 * Milliseconds an attempt needs at least after a wait: one started closer to the deadline would
 * most likely time out, so the call answers at once instead (a 503 with Retry-After after a
 * 429, which tells the client when to come back, rather than a 504 later).
 */
const MIN_ATTEMPT_MS = 500;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
// Lucene's special characters, escaped with a backslash even inside a quoted phrase, where only
// `"` and `\` strictly need it: an escaped ordinary character still means itself.
const LUCENE_SPECIALS = /[+\-&|!(){}[\]^"~*?:\\/\s]/gu;

/**
 * The Management API over one `ManagementClient`. Its M2M token is cached; when the API answers
 * 401 (a revoked or rotated token) or 403 `insufficient_scope` (a grant changed since), the token
 * is dropped, one new one is fetched (shared by every call that met the refusal) and the call is
 * retried once, inside its budget. Throws a `TypeError` for a caller's mistake.
 */
export function createManagementApi(options: ManagementApiOptions): ManagementApi {
  const { tenant, clientId, clientSecret } = options;
  if (!tenant || typeof tenant.host !== 'string' || typeof tenant.origin !== 'string') {
    throw new TypeError('createManagementApi: option "tenant" must be a TenantHost');
  }
  if (typeof clientId !== 'string' || clientId === '') throw new TypeError('createManagementApi: option "clientId" is required');
  if (typeof clientSecret !== 'string' || clientSecret === '') {
    throw new TypeError('createManagementApi: option "clientSecret" is required');
  }
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? ((ms: number, signal: AbortSignal) => wait(ms, undefined, { signal }));
  const logger = options.logger;
  const requiredScopes = [...(options.requiredScopes ?? [])];
  let grantedScopes: ReadonlySet<string> | undefined;

  const onGrant = (scope: unknown): void => {
    grantedScopes = new Set(typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []);
    const missing = requiredScopes.filter((name) => !grantedScopes!.has(name));
    if (missing.length > 0) logger?.warn({ missingScopes: missing }, 'the Management API token lacks scopes this configuration needs');
  };
  const sdkFetch = buildFetch(tenant, options.fetch ?? globalThis.fetch, onGrant, options.onAttempt);
  // Said explicitly: for a loopback emulator the SDK's default (`https://HOST/api/v2/`) is not
  // the identifier its API answers to.
  const audience = `${tenant.origin}/api/v2/`;
  const newTokenProvider = () => new TokenProvider({ domain: tenant.host, audience, clientId, clientSecret, fetch: sdkFetch });
  let tokens = newTokenProvider();
  const client = new ManagementClient({
    domain: tenant.host,
    token: () => tokens.getAccessToken(),
    fetch: sdkFetch,
    maxRetries: 0,
  });
  const pacer = createRateLimitPacer(clock);

  /** Drops `stale` (the provider a refused call used) unless another call already did. */
  function renewToken(stale: TokenProvider): void {
    if (tokens === stale) tokens = newTokenProvider();
  }

  async function call<T>(
    operation: string,
    run: (requestOptions: SdkRequestOptions) => Promise<T>,
    { signal, deadline }: UpstreamBudget,
    callOptions: CallOptions = {},
  ): Promise<T> {
    const retryServerErrors = callOptions.retryServerErrors ?? true;
    let lastRateLimit: { failure: Failure; error: unknown } | undefined;
    let hasRenewedToken = false;
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
      const usedTokens = tokens;
      try {
        // The SDK's token request takes no abort signal (it has its own 10 s limit), so the call
        // races the attempt's signal: the deadline holds even while a token request hangs.
        return await raceAbort(
          run({
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
        if (failure.kind === 'token_rejected') {
          if (!hasRenewedToken) {
            hasRenewedToken = true;
            renewToken(usedTokens);
            continue;
          }
          throw new RequestError('upstream_error', 'The profile service refused the request.', { cause: error });
        }
        if (failure.kind === 'rejected') {
          const translated =
            failure.status === undefined ? undefined : callOptions.translateRefusal?.({ status: failure.status, body: failure.body });
          throw translated ?? new RequestError('upstream_error', 'The profile service refused the request.', { cause: error });
        }
        if (failure.kind === 'timeout') throw timeoutError(error);
        if (failure.kind === 'rate_limited') {
          // The next turn (top of the loop) waits, or answers at once when it falls past the deadline.
          pacer.noteRateLimited(failure.waitMs ?? backoff(attempt), failure.limit);
          lastRateLimit = { failure, error };
          continue;
        }
        const waitMs = backoff(attempt);
        if (!retryServerErrors || attempt >= MAX_ATTEMPTS || clock.now() + waitMs + MIN_ATTEMPT_MS > deadline) {
          throw giveUp(failure, waitMs, error);
        }
        await sleep(waitMs, signal).catch(() => {
          throw timeoutError(error);
        });
      }
    }
  }

  return {
    client,
    call,
    async searchUsers(q, fields, perPage, budget) {
      const page = await call(
        'search_users',
        (requestOptions) => client.users.list({ q, search_engine: 'v3', fields, include_fields: true, per_page: perPage, page: 0 }, requestOptions),
        budget,
      );
      return page.data;
    },
    async readGrantedScopes(budget) {
      await call('get_token', () => tokens.getAccessToken(), budget);
      return grantedScopes ?? new Set();
    },
    missingScopes() {
      return grantedScopes && requiredScopes.filter((name) => !grantedScopes!.has(name));
    },
  };
}

/** Backslash-escapes Lucene's special characters (Auth0's v3 user search syntax). */
export function escapeLucene(text: string): string {
  return text.replace(LUCENE_SPECIALS, (char) => `\\${char}`);
}

/**
 * The SDK always calls `https://{domain}`. For a loopback emulator (`http://127.0.0.1:PORT`),
 * rewrite that prefix to the plain-http origin; the token request goes through here too, and
 * its answer's `scope` (what the tenant granted) is handed to `onGrant`. Every attempt's status
 * goes to `onAttempt`.
 */
function buildFetch(
  tenant: TenantHost,
  baseFetch: typeof fetch,
  onGrant: (scope: unknown) => void,
  onAttempt: ManagementApiOptions['onAttempt'],
): typeof fetch {
  const origin = new URL(tenant.origin);
  if (origin.protocol !== 'https:' && (origin.protocol !== 'http:' || !LOOPBACK_HOSTS.has(origin.hostname))) {
    throw new TypeError('createManagementApi: plain http is allowed for a loopback tenant only');
  }
  const sdkPrefix = `https://${tenant.host}/`;
  const localPrefix = `${origin.origin}/`;
  const tokenUrl = `${sdkPrefix}oauth/token`;
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(sdkPrefix)) throw new TypeError('Management API call to an unexpected host');
    const endpoint = url === tokenUrl ? 'token' : 'api';
    let response: Response;
    try {
      response = await baseFetch(localPrefix + url.slice(sdkPrefix.length), init);
    } catch (error) {
      // The request's signal aborts only on a deadline (the attempt's, or the SDK's own timeout).
      onAttempt?.({ endpoint, status: init?.signal?.aborted ? 'timeout' : 'network' });
      throw error;
    }
    onAttempt?.({ endpoint, status: response.status });
    if (url === tokenUrl && response.ok) {
      const granted = (await response
        .clone()
        .json()
        .catch(() => undefined)) as { scope?: unknown } | undefined;
      onGrant(granted?.scope);
    }
    return response;
  };
}

/** Reads a failed attempt by the SDK error's class and status. */
function classify(error: unknown, now: number): Failure {
  if (error instanceof ManagementTimeoutError) return { kind: 'timeout' };
  // The API's own refusals of the token (not the token endpoint's, a plain ManagementError): a
  // revoked or rotated token answers 401, a grant narrowed or widened since answers 403 on scope.
  if (error instanceof Management.UnauthorizedError) return { kind: 'token_rejected', status: 401 };
  if (error instanceof Management.ForbiddenError && readErrorCode(error.body) === 'insufficient_scope') {
    return { kind: 'token_rejected', status: 403 };
  }
  if (error instanceof ManagementError) {
    const status = error.statusCode;
    if (status === undefined) return { kind: 'network' };
    if (status === 429) {
      const limit = Number(error.rawResponse?.headers.get('x-ratelimit-limit'));
      return { kind: 'rate_limited', status, waitMs: readRateLimitWait(error, now), limit: Number.isFinite(limit) ? limit : undefined };
    }
    if (status === 408 || status >= 500) return { kind: 'server', status };
    return { kind: 'rejected', status, body: error.body };
  }
  // The token request lets fetch's own failure through unwrapped ("fetch failed": refused, DNS).
  if (error instanceof TypeError) return { kind: 'network' };
  return { kind: 'rejected' };
}

function readErrorCode(body: unknown): unknown {
  return typeof body === 'object' && body !== null ? (body as { errorCode?: unknown }).errorCode : undefined;
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
