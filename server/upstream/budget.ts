// The time budget of one submit. CONTRACT: whatever the upstream does, /submit answers within
// 15 s. Its upstream work (the validation hook, unique checks, linking, the metadata write: every
// call, retry and wait) shares one deadline: MANAGEMENT_API_TIMEOUT after the request arrived,
// but never later than what leaves room, inside the 15 s, for what follows the work (the
// single-use store's commit or release, signing T2, sending the answer).
import type { Clock } from '../clock.js';
import { RequestError } from '../http/errors.js';

/** CONTRACT: /submit answers within this, whatever the upstream does. */
export const ANSWER_WITHIN_MS = 15_000;
/**
 * Kept free at the end besides the store's own worst case: signing T2, serialising the answer,
 * a late timer on a busy event loop. Measured answers at MANAGEMENT_API_TIMEOUT=15 ran up to
 * 40 ms past the work's deadline; this is several times that.
 */
export const ANSWER_MARGIN_MS = 250;
/** What a store that does not say (`maxOperationMs`) is assumed to take at worst for one operation. */
export const DEFAULT_STORE_OPERATION_MS = 1_000;

/**
 * What upstream work receives: a signal that aborts when the budget is spent and the deadline
 * (epoch milliseconds) by which every attempt, retries and waits included, must be over. A call
 * with its own timeout (the validation hook's) takes the smaller of the two:
 * `Math.min(ownTimeoutMs, deadline - clock.now())`.
 */
export interface UpstreamBudget {
  readonly signal: AbortSignal;
  readonly deadline: number;
}

export interface RequestBudgetOptions {
  /** MANAGEMENT_API_TIMEOUT, seconds. */
  upstreamSeconds: number;
  /** The longest one single-use store operation may take (its `maxOperationMs`), milliseconds. */
  storeOperationMs?: number;
  clock: Clock;
}

/** One request's budget, started when the request arrives. */
export interface RequestBudget {
  /** Epoch milliseconds: the upstream work's deadline. */
  readonly deadline: number;
  /**
   * Runs `work` with a signal that aborts and a deadline that falls at `deadline`. Throws
   * `RequestError` `upstream_timeout` once the budget is spent, even if `work` ignores the signal.
   */
  runUpstream<T>(work: (budget: UpstreamBudget) => Promise<T>): Promise<T>;
}

/** Starts the budget of a request arriving now (call it first thing in the handler). */
export function startRequestBudget(options: RequestBudgetOptions): RequestBudget {
  const { upstreamSeconds, clock } = options;
  if (!(upstreamSeconds > 0)) throw new TypeError('upstreamSeconds: must be a positive number of seconds');
  const storeOperationMs = options.storeOperationMs ?? DEFAULT_STORE_OPERATION_MS;
  const startedAt = clock.now();
  const latest = startedAt + ANSWER_WITHIN_MS - ANSWER_MARGIN_MS - storeOperationMs;
  const deadline = Math.min(startedAt + upstreamSeconds * 1000, latest);
  return {
    deadline,
    runUpstream: (work) => runUntil(deadline, clock, work),
  };
}

/**
 * Runs `work` with a signal that aborts and a deadline that falls `seconds` from now. Throws
 * `RequestError` `upstream_timeout` once the budget is spent, even if `work` ignores the signal.
 */
export function runWithinBudget<T>(seconds: number, clock: Clock, work: (budget: UpstreamBudget) => Promise<T>): Promise<T> {
  return runUntil(clock.now() + seconds * 1000, clock, work);
}

async function runUntil<T>(deadline: number, clock: Clock, work: (budget: UpstreamBudget) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timeout = () => new RequestError('upstream_timeout', 'Saving your profile took too long. Please try again.');
  const remaining = deadline - clock.now();
  if (remaining <= 0) throw timeout();
  const timer = setTimeout(() => controller.abort(timeout()), remaining);
  // Backstop: answer in time even if the work ignores the signal.
  const timedOut = new Promise<never>((_resolve, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  try {
    return await Promise.race([work({ signal: controller.signal, deadline }), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
