// The time budget of a request's upstream work (MANAGEMENT_API_TIMEOUT): every call it makes,
// retries and waits included, shares it, and the request answers when it is spent.
import type { Clock } from '../clock.js';
import { RequestError } from '../http/errors.js';
import type { WriteOptions } from './profile-writer.js';

/**
 * Runs `work` with a signal that aborts and a deadline that falls `seconds` from now. Throws
 * `RequestError` `upstream_timeout` once the budget is spent, even if `work` ignores the signal.
 */
export async function runWithinBudget<T>(seconds: number, clock: Clock, work: (options: WriteOptions) => Promise<T>): Promise<T> {
  const budget = seconds * 1000;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new RequestError('upstream_timeout', 'Saving your profile took too long. Please try again.')),
    budget,
  );
  // Backstop: answer in time even if the work ignores the signal.
  const timedOut = new Promise<never>((_resolve, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  try {
    return await Promise.race([work({ signal: controller.signal, deadline: clock.now() + budget }), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
