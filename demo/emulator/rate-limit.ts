// Auth0's free-tier Management API limit: burst 2, 2 requests/s tenant-wide (reference §5), with
// the `x-ratelimit-*` headers Auth0 sends. Switched at runtime through POST /__emulator/rate-limit
// {enabled}.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { apiErrorBody } from './api-errors.js';
import { isRecord } from './values.js';

const FREE_TIER = { burst: 2, perSecond: 2 } as const;

export interface FreeTierLimit {
  /** Spends one request when the limit is on; false (and a 429 sent) when the bucket is empty. */
  admit(reply: FastifyReply): boolean;
}

export function registerFreeTierLimit(
  app: FastifyInstance,
  options: { enabled: boolean; clock: { now(): number }; onLimited: () => void },
): FreeTierLimit {
  const bucket = new TokenBucket(FREE_TIER.burst, FREE_TIER.perSecond, options.clock);
  let isEnabled = options.enabled;

  app.post<{ Body: unknown }>('/__emulator/rate-limit', async (request, reply) => {
    const body = request.body;
    if (!isRecord(body) || typeof body.enabled !== 'boolean') {
      return reply.code(400).send({ error: 'invalid_request', message: 'Expected {enabled: boolean}.' });
    }
    isEnabled = body.enabled;
    bucket.refill();
    return { enabled: isEnabled };
  });

  return {
    admit(reply) {
      if (!isEnabled) return true;
      const outcome = bucket.take();
      reply.headers({
        'x-ratelimit-limit': String(FREE_TIER.burst),
        'x-ratelimit-remaining': String(outcome.remaining),
        'x-ratelimit-reset': String(outcome.resetAt),
      });
      if (outcome.isAllowed) return true;
      options.onLimited();
      void reply.code(429).send(apiErrorBody(429, 'Global limit has been reached', 'too_many_requests'));
      return false;
    },
  };
}

/** Auth0's token bucket: `burst` requests at once, refilled continuously at `perSecond`. */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #clock: { now(): number };

  constructor(burst: number, perSecond: number, clock: { now(): number }) {
    this.#burst = burst;
    this.#perSecond = perSecond;
    this.#clock = clock;
    this.#tokens = burst;
    this.#updatedAt = clock.now();
  }

  refill(): void {
    this.#tokens = this.#burst;
    this.#updatedAt = this.#clock.now();
  }

  take(): { isAllowed: boolean; remaining: number; resetAt: number } {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#perSecond);
    this.#updatedAt = now;
    const isAllowed = this.#tokens >= 1;
    if (isAllowed) this.#tokens -= 1;
    // When the next whole request is added to the bucket, in unix seconds (as x-ratelimit-reset).
    const missing = this.#tokens >= this.#burst ? 0 : Math.floor(this.#tokens) + 1 - this.#tokens;
    const resetAt = Math.ceil((now + (missing / this.#perSecond) * 1000) / 1000);
    return { isAllowed, remaining: Math.floor(this.#tokens), resetAt };
  }
}
