import type { Clock } from '../clock.js';

/**
 * Paces this process's Management API calls once the API has answered 429. Its limit is
 * tenant-wide (2 requests/s on the free plan), so when every waiting call retries at the same
 * reset second, all but a couple are refused again and each submit costs several requests of
 * the tenant's budget. After a 429, calls start one at a time, `1000 / limit` ms apart, from the
 * time the API named; with no 429 in sight they start at once.
 */
export interface RateLimitPacer {
  /** Milliseconds the next call must wait before it starts, taking its turn; 0 when unpaced. */
  takeTurn(): number;
  /** A 429 said "not before `waitMs` from now"; `limit` is its `x-ratelimit-limit` when given. */
  noteRateLimited(waitMs: number, limit: number | undefined): void;
}

// Auth0's free plan: a bucket of 2, refilled at 2 per second.
const DEFAULT_LIMIT_PER_SECOND = 2;

export function createRateLimitPacer(clock: Clock): RateLimitPacer {
  // No call starts before this time (epoch ms); in the past means "unpaced".
  let nextStart = 0;
  let spacingMs = 1000 / DEFAULT_LIMIT_PER_SECOND;
  return {
    takeTurn() {
      const now = clock.now();
      if (nextStart <= now) return 0;
      const start = nextStart;
      nextStart += spacingMs;
      return start - now;
    },
    noteRateLimited(waitMs, limit) {
      spacingMs = 1000 / (limit !== undefined && limit > 0 ? limit : DEFAULT_LIMIT_PER_SECOND);
      nextStart = Math.max(nextStart, clock.now() + waitMs);
    },
  };
}
