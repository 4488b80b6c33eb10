// The doctor's token-store line against a real redis-server: it answers, persists used tokens
// across its own restarts, and never evicts them early.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../server/config.js';
import { checkStore } from '../../../server/ops/doctor/store.js';
import { startRedisServer, type RedisServer } from '../../support/redis-server.js';

let redis: RedisServer;
let admin: Redis;

beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url);
});

afterAll(async () => {
  admin.disconnect();
  await redis.stop();
});

function config(redisUrl?: string) {
  return loadConfig(
    { AUTH0_DOMAIN: 'acme.eu.auth0.com', SESSION_TOKEN_SECRET: 'x'.repeat(32), ...(redisUrl ? { REDIS_URL: redisUrl } : {}) },
    { cwd: '/nonexistent' },
  );
}

describe('checkStore', () => {
  it('passes the in-memory store of a single instance', async () => {
    expect((await checkStore(config(), 1000)).status).toBe('pass');
  });

  it('warns about a Redis that persists nothing, then passes it with snapshots on and noeviction', async () => {
    const bare = await checkStore(config(redis.url), 1000);
    expect(bare).toMatchObject({
      status: 'warn',
      message: `Redis at redis://127.0.0.1:${redis.port} answers, but it persists nothing, so a Redis restart forgets the tokens used in the last ten minutes`,
      fix: 'turn on AOF (appendonly yes, appendfsync everysec) (see docs/DEPLOY.md)',
    });
    // A snapshot rule only (turning AOF on would write files into the working directory, and
    // Redis refuses to move its `dir` at run time); the server is killed before any snapshot.
    await admin.config('SET', 'save', '3600 1');
    expect(await checkStore(config(redis.url), 1000)).toMatchObject({
      status: 'pass',
      message: `Redis at redis://127.0.0.1:${redis.port} answers (RDB snapshots, maxmemory-policy noeviction)`,
    });
  });

  it('warns about a Redis that may evict used tokens', async () => {
    await admin.config('SET', 'maxmemory-policy', 'volatile-lru');
    try {
      const result = await checkStore(config(redis.url), 1000);
      expect(result.status).toBe('warn');
      expect(result.message).toContain('its maxmemory-policy is volatile-lru, which may evict used tokens early and let them be used again');
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });
});
