// Upstream faults over real HTTP: the server (real auth0 SDK, real single-use store) against the
// emulated Management API and a real redis-server. Whatever fails, the answer is the contract's
// code, a failed submit leaves T1 usable, and nothing is written twice. The server, the tenant's
// rate limit and the clients share one virtual clock: a Retry-After or a backoff costs no real time.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../server/config.js';
import { makeUser, startManagementEmulator, type RunningEmulator } from '../support/management-emulator.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { createVirtualTime } from '../support/virtual-time.js';
import { closeProfileServers, startProfileServer, type Answer, type ProfileServer } from '../support/profile-server.js';
import { createFaultyFetch } from '../support/linking.js';
import { findFreePort } from '../../demo/free-port.js';
import { expectRefusal, mintSessionToken } from './support.js';

const USER_COUNT = 60;
const time = createVirtualTime();
let emulator: RunningEmulator;
let nextUser = 0;

beforeAll(async () => {
  emulator = await startManagementEmulator({
    users: Array.from({ length: USER_COUNT }, (_, i) => makeUser(`auth0|user-${i}`)),
    clock: time.clock,
  });
});
afterAll(() => emulator.close());
afterEach(async () => {
  await emulator.clearFaults();
  await emulator.setRateLimit(false);
});

/** A user nobody else in this file writes. */
function freshUser(): string {
  if (nextUser >= USER_COUNT) throw new Error('out of emulated users');
  return `auth0|user-${nextUser++}`;
}

afterEach(() => closeProfileServers());

/** The production wiring (createServerDeps: real writer, memory or Redis store) on the shared clock, against `tenant`. */
function startServer(config: Partial<Config> = {}, tenant: RunningEmulator = emulator): Promise<ProfileServer> {
  return startProfileServer({ emulator: tenant, time, config });
}

/** POSTs /submit; `elapsed` is on the virtual clock (the server's waits plus the real time taken). */
function submit(server: ProfileServer, body: object): Promise<Answer> {
  return server.post('/submit', body);
}

async function submitBodyFor(userId: string, tenantHost = emulator.tenant.host) {
  const sessionToken = await mintSessionToken({ sub: userId, iss: tenantHost }, { iat: Math.floor(time.clock.now() / 1000) });
  return { state: `state-${userId}`, session_token: sessionToken, values: { company_name: `Company of ${userId}`, job_title: 'CTO' } };
}

function metadataOf(userId: string) {
  return emulator.users.get(userId)?.user_metadata;
}

describe("the free tier's 2 requests/s", () => {
  it('lets 20 concurrent submits all succeed once each, every client retrying after Retry-After', async () => {
    await emulator.setRateLimit(true);
    const server = await startServer({ managementApiTimeout: 5 });
    const users = Array.from({ length: 20 }, freshUser);
    const before = await emulator.stats();
    const statuses = new Set<number>();
    const results = await Promise.all(
      users.map(async (userId) => {
        const body = await submitBodyFor(userId);
        for (let attempt = 1; attempt <= 30; attempt += 1) {
          const answer = await submit(server, body);
          statuses.add(answer.statusCode);
          if (answer.statusCode === 200) return answer;
          expectRefusal(answer, 503, 'upstream_unavailable');
          const retryAfter = Number(answer.headers.get('retry-after'));
          expect(retryAfter).toBeGreaterThanOrEqual(1);
          await time.sleep(retryAfter * 1000);
        }
        throw new Error(`${userId} never got through`);
      }),
    );
    expect(results.every((answer) => answer.statusCode === 200)).toBe(true);
    expect([...statuses].sort()).toEqual([200, 503]);
    const after = await emulator.stats();
    expect(after.patches - before.patches).toBe(20);
    expect(after.rateLimited - before.rateLimited).toBeGreaterThan(0);
    for (const userId of users) expect(metadataOf(userId)).toEqual({ company_name: `Company of ${userId}`, job_title: 'CTO' });
  }, 50_000);
});

describe('Management API failures', () => {
  it.each([500, 503])('answers %i as 502 upstream_error after bounded retries, leaving T1 usable for the same submit', async (status) => {
    const server = await startServer();
    const userId = freshUser();
    const body = await submitBodyFor(userId);
    await emulator.queueFaults('api', Array.from({ length: 4 }, () => ({ status })));
    const failed = await submit(server, body);
    expectRefusal(failed, 502, 'upstream_error');
    expect(metadataOf(userId)).toEqual({});
    const retried = await submit(server, body);
    expect(retried.statusCode).toBe(200);
    expect(metadataOf(userId)).toEqual(body.values);
  });

  it('answers 504 upstream_timeout within MANAGEMENT_API_TIMEOUT when the API hangs, leaving T1 usable', async () => {
    const server = await startServer({ managementApiTimeout: 1 });
    const userId = freshUser();
    const body = await submitBodyFor(userId);
    // Fetch the M2M token first, so the hang meets the write itself.
    expect((await submit(server, await submitBodyFor(freshUser()))).statusCode).toBe(200);
    await emulator.queueFaults('api', Array.from({ length: 5 }, () => ({ hang: true as const })));
    const failed = await submit(server, body);
    expectRefusal(failed, 504, 'upstream_timeout');
    // The hang ends only by the server's own deadline timer (real time, 1 s here): the bound is
    // 2.5 times it, yet below what ends the hang if that timer did not (the SDK's timeout, 2 s,
    // plus the answer). A shorter MANAGEMENT_API_TIMEOUT would leave the warm-up submit above too
    // little real time on a busy machine.
    expect(failed.elapsed).toBeLessThan(1000 + 1500);
    expect(failed.elapsed).toBeGreaterThanOrEqual(900);
    await emulator.clearFaults();
    expect((await submit(server, body)).statusCode).toBe(200);
    expect(metadataOf(userId)).toEqual(body.values);
  });

  it('answers 503 upstream_unavailable when the tenant refuses connections', async () => {
    const gone = await startManagementEmulator({ users: [makeUser('auth0|gone')] });
    await gone.close();
    const server = await startServer({ managementApiTimeout: 5 }, gone);
    const failed = await submit(server, await submitBodyFor('auth0|gone', gone.tenant.host));
    expectRefusal(failed, 503, 'upstream_unavailable');
    expect(failed.elapsed).toBeLessThan(5000);
  });

  it('answers 502 upstream_error when the token endpoint keeps failing, then succeeds with the same T1', async () => {
    const server = await startServer();
    const userId = freshUser();
    const body = await submitBodyFor(userId);
    await emulator.queueFaults('token', Array.from({ length: 4 }, () => ({ status: 500 })));
    const failed = await submit(server, body);
    expectRefusal(failed, 502, 'upstream_error');
    expect(metadataOf(userId)).toEqual({});
    expect((await submit(server, body)).statusCode).toBe(200);
    expect(metadataOf(userId)).toEqual(body.values);
  });
});

describe('what holds after a 5xx: a write is whole or absent, and repeating it is harmless', () => {
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it('answers 504 for a PATCH that lands but answers late, the values stored; the same submit then succeeds', async () => {
    const network = createFaultyFetch(time.fetch);
    const server = await startProfileServer({ emulator, time, config: { managementApiTimeout: 1 }, deps: { fetch: network.fetch } });
    try {
      const userId = freshUser();
      const body = await submitBodyFor(userId);
      network.add({ method: 'PATCH', path: /^\/api\/v2\/users\//u, fault: { lateAnswer: true } });
      expectRefusal(await server.post('/submit', body), 504, 'upstream_timeout');
      expect(metadataOf(userId)).toEqual(body.values);
      expect((await server.post('/submit', body)).statusCode).toBe(200);
      expect(metadataOf(userId)).toEqual(body.values);
    } finally {
      await server.close();
    }
  });

  it('answers 503 when Redis dies during the write, the values stored; the same submit succeeds once Redis is back', async () => {
    redis = await startRedisServer();
    const doomed = redis;
    const network = createFaultyFetch(time.fetch);
    const server = await startProfileServer({ emulator, time, config: { redisUrl: doomed.url }, deps: { fetch: network.fetch } });
    try {
      const userId = freshUser();
      const body = await submitBodyFor(userId);
      network.add({ method: 'PATCH', path: /^\/api\/v2\/users\//u, fault: { before: () => doomed.stop() } });
      expectRefusal(await server.post('/submit', body), 503, 'upstream_unavailable');
      expect(metadataOf(userId)).toEqual(body.values);
      redis = await startRedisServer({ port: doomed.port });
      let answer = await server.post('/submit', body);
      for (let attempt = 0; attempt < 5 && answer.statusCode === 503; attempt += 1) answer = await server.post('/submit', body);
      expect(answer.statusCode).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('a Management API token the tenant stops accepting', () => {
  it('is replaced on the next submit, which succeeds with exactly one new token request', async () => {
    const server = await startServer();
    expect((await submit(server, await submitBodyFor(freshUser()))).statusCode).toBe(200);
    const before = await emulator.stats();
    await emulator.revokeTokens();
    const userId = freshUser();
    const body = await submitBodyFor(userId);
    expect((await submit(server, body)).statusCode).toBe(200);
    expect(metadataOf(userId)).toEqual(body.values);
    expect((await submit(server, await submitBodyFor(freshUser()))).statusCode).toBe(200);
    expect((await emulator.stats()).tokenRequests - before.tokenRequests).toBe(1);
  });
});

describe('the 15 s promise', () => {
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it("answers within 15 s at MANAGEMENT_API_TIMEOUT=15 when the API hangs, keeping the Redis store's worst case free inside them", async () => {
    redis = await startRedisServer();
    const server = await startServer({ managementApiTimeout: 15, redisUrl: redis.url });
    const warm = await submitBodyFor(freshUser());
    expect((await submit(server, warm)).statusCode).toBe(200);
    await emulator.queueFaults('api', Array.from({ length: 5 }, () => ({ hang: true as const })));
    const failed = await submit(server, await submitBodyFor(freshUser()));
    expectRefusal(failed, 504, 'upstream_timeout');
    // 15 s less 250 ms and the Redis store's worst case for one operation (2 s).
    expect(failed.elapsed).toBeGreaterThanOrEqual(12_500);
    expect(failed.elapsed).toBeLessThan(13_500);
  }, 25_000);
});

describe('the single-use store', () => {
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it('answers 503 upstream_unavailable when Redis is down, and never accepts a replay', async () => {
    redis = await startRedisServer();
    const server = await startServer({ redisUrl: redis.url });
    const used = await submitBodyFor(freshUser());
    expect((await submit(server, used)).statusCode).toBe(200);
    const before = await emulator.stats();
    await redis.stop();
    const freshUserId = freshUser();
    const fresh = await submitBodyFor(freshUserId);
    const refused = await submit(server, fresh);
    expectRefusal(refused, 503, 'upstream_unavailable');
    // The store's own timeouts are what is measured: a stopped Redis refuses every reconnection, so
    // the store gives up at its connect timeout (1 s; 2 s is its worst case for one operation). The
    // bound is three times the first and above the second; a store that queued would never answer.
    expect(refused.elapsed).toBeLessThan(3000);
    expectRefusal(await submit(server, used), 503, 'upstream_unavailable');
    expect((await emulator.stats()).patches).toBe(before.patches);
    expect(metadataOf(freshUserId)).toEqual({});
  });

  it('starts with Redis away (one warning), answers 503 to submits and GET /healthz until it is back, then 200', async () => {
    const port = await findFreePort();
    const server = await startProfileServer({ emulator, time, config: { redisUrl: `redis://127.0.0.1:${port}` } });
    try {
      expect(server.deps.startupWarnings).toEqual([
        'REDIS_URL: Redis cannot be reached; /submit and /skip answer 503 and GET /healthz reports the store unavailable until it is back',
      ]);
      const userId = freshUser();
      const body = await submitBodyFor(userId);
      expectRefusal(await server.post('/submit', body), 503, 'upstream_unavailable');
      expect((await fetch(`${server.origin}/healthz`)).status).toBe(503);
      redis = await startRedisServer({ port });
      let answer = await server.post('/submit', body);
      for (let attempt = 0; attempt < 5 && answer.statusCode === 503; attempt += 1) answer = await server.post('/submit', body);
      expect(answer.statusCode).toBe(200);
      expect(metadataOf(userId)).toEqual(body.values);
      expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('accepts a T1 minted before a server restart (memory store: verification needs no state)', async () => {
    const first = await startServer();
    const body = await submitBodyFor(freshUser());
    await first.close();
    const second = await startServer();
    expect((await submit(second, body)).statusCode).toBe(200);
  });

  it('still refuses, after a server restart, a T1 used before it (Redis store)', async () => {
    redis = await startRedisServer();
    const first = await startServer({ redisUrl: redis.url });
    const body = await submitBodyFor(freshUser());
    expect((await submit(first, body)).statusCode).toBe(200);
    await first.close();
    const second = await startServer({ redisUrl: redis.url });
    expectRefusal(await submit(second, body), 409, 'session_used');
    expect((await submit(second, await submitBodyFor(freshUser()))).statusCode).toBe(200);
  });

  it.each(['memory', 'redis'] as const)('writes exactly once when one T1 is submitted 20 times at once (%s store)', async (kind) => {
    if (kind === 'redis') redis = await startRedisServer();
    const server = await startServer(kind === 'redis' ? { redisUrl: redis!.url } : {});
    const userId = freshUser();
    const body = await submitBodyFor(userId);
    const before = await emulator.stats();
    const answers = await Promise.all(Array.from({ length: 20 }, () => submit(server, body)));
    const statuses = answers.map((answer) => answer.statusCode).sort();
    expect(statuses).toEqual([200, ...Array.from({ length: 19 }, () => 409)]);
    for (const answer of answers.filter((one) => one.statusCode === 409)) expectRefusal(answer, 409, 'session_used');
    expect((await emulator.stats()).patches - before.patches).toBe(1);
    expect(metadataOf(userId)).toEqual(body.values);
  });
});
