import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError, type SingleUseStore } from '../../../server/store/single-use.js';
import { createRedisStore } from '../../../server/store/redis.js';
import { startRedisServer, type RedisServer } from '../../support/redis-server.js';

let server: RedisServer;
let inspector: Redis;
const opened: SingleUseStore[] = [];

// The failure tests measure the store's own timeouts, set short here (a worst case of 600 ms for
// one operation, its `maxOperationMs`), against a bound five times that: a store that queued
// commands or waited on ioredis's defaults (10 s to connect, no command timeout) exceeds it by far,
// while a slow or busy machine stays well inside it. The wall clock is the point of these bounds.
// (The connect timeout also bounds the first, healthy connection: 400 ms leaves a loaded machine room.)
const FAST = { connectTimeoutMs: 400, commandTimeoutMs: 200 } as const;
const WITHIN_OWN_TIMEOUTS = 5 * (FAST.connectTimeoutMs + FAST.commandTimeoutMs);

function openStore(url = server.url, options?: Parameters<typeof createRedisStore>[1]): SingleUseStore {
  const store = createRedisStore(url, options);
  opened.push(store);
  return store;
}

beforeAll(async () => {
  server = await startRedisServer();
  inspector = new Redis(server.url);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

afterAll(async () => {
  inspector?.disconnect();
  await server?.stop();
});

describe('createRedisStore', () => {
  it('reserves a key once and answers used to the next reservation', async () => {
    const store = openStore();
    const key = randomUUID();
    expect(await store.reserve(key, 30)).toBe('reserved');
    expect(await store.reserve(key, 30)).toBe('used');
    expect(await inspector.get(`pp:used:${key}`)).toBe('pending');
    const ttl = await inspector.pttl(`pp:used:${key}`);
    expect(ttl).toBeGreaterThan(28_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('shares reservations between two stores on one server', async () => {
    const first = openStore();
    const second = openStore();
    const key = randomUUID();
    expect(await first.reserve(key, 30)).toBe('reserved');
    expect(await second.reserve(key, 30)).toBe('used');
  });

  it('lets exactly one of twenty concurrent reservations win', async () => {
    const stores = [openStore(), openStore()];
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => stores[index % 2].reserve(key, 30)));
    expect(results.filter((result) => result === 'reserved')).toHaveLength(1);
    expect(results.filter((result) => result === 'used')).toHaveLength(19);
  });

  it("keeps a committed key until the token's exp plus a minute of grace", async () => {
    const store = openStore();
    const key = randomUUID();
    await store.reserve(key, 30);
    const expiresAt = Math.floor(Date.now() / 1000) + 600;
    await store.commit(key, expiresAt);
    expect(await inspector.get(`pp:used:${key}`)).toBe('used');
    const expireTime = await inspector.call('PEXPIRETIME', `pp:used:${key}`);
    expect(expireTime).toBe(expiresAt * 1000 + 60_000);
    expect(await store.reserve(key, 30)).toBe('used');
  });

  it('keeps a key committed after its exp for a short while anyway', async () => {
    const store = openStore();
    const key = randomUUID();
    await store.reserve(key, 30);
    await store.commit(key, Math.floor(Date.now() / 1000) - 10);
    const ttl = await inspector.pttl(`pp:used:${key}`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('releases a failed reservation so the same token may be retried', async () => {
    const store = openStore();
    const key = randomUUID();
    await store.reserve(key, 30);
    await store.release(key);
    expect(await inspector.exists(`pp:used:${key}`)).toBe(0);
    expect(await store.reserve(key, 30)).toBe('reserved');
  });

  it('never releases a committed key', async () => {
    const store = openStore();
    const key = randomUUID();
    await store.reserve(key, 30);
    await store.commit(key, Math.floor(Date.now() / 1000) + 600);
    await store.release(key);
    expect(await inspector.get(`pp:used:${key}`)).toBe('used');
    expect(await store.reserve(key, 30)).toBe('used');
  });

  it('keeps stores with different prefixes apart', async () => {
    const first = openStore(server.url, { keyPrefix: 'pp:test-a:' });
    const second = openStore(server.url, { keyPrefix: 'pp:test-b:' });
    const key = randomUUID();
    expect(await first.reserve(key, 30)).toBe('reserved');
    expect(await second.reserve(key, 30)).toBe('reserved');
    expect(await inspector.exists(`pp:test-a:${key}`, `pp:test-b:${key}`)).toBe(2);
  });

  it('refuses a malformed key or hold as a programming error', async () => {
    const store = openStore();
    await expect(store.reserve('', 30)).rejects.toBeInstanceOf(TypeError);
    await expect(store.reserve(randomUUID(), 0)).rejects.toBeInstanceOf(TypeError);
    expect(() => createRedisStore('http://127.0.0.1:6379')).toThrow(TypeError);
  });

  it('fails closed and fast with StoreUnavailableError when Redis stops', async () => {
    const doomed = await startRedisServer();
    try {
      const store = openStore(doomed.url, FAST);
      expect(await store.reserve(randomUUID(), 30)).toBe('reserved');
      await doomed.stop();
      for (const operation of [
        () => store.reserve(randomUUID(), 30),
        () => store.commit(randomUUID(), Math.floor(Date.now() / 1000) + 60),
        () => store.release(randomUUID()),
      ]) {
        const startedAt = performance.now();
        await expect(operation()).rejects.toBeInstanceOf(StoreUnavailableError);
        expect(performance.now() - startedAt).toBeLessThan(WITHIN_OWN_TIMEOUTS);
      }
    } finally {
      await doomed.stop();
    }
  });

  it('fails fast with StoreUnavailableError when Redis hangs without answering', async () => {
    const frozen = await startRedisServer();
    try {
      const store = openStore(frozen.url, FAST);
      expect(await store.reserve(randomUUID(), 30)).toBe('reserved');
      frozen.pause();
      const startedAt = performance.now();
      await expect(store.reserve(randomUUID(), 30)).rejects.toBeInstanceOf(StoreUnavailableError);
      // A paused Redis never answers: only the store's own command timeout ends the wait.
      expect(performance.now() - startedAt).toBeLessThan(WITHIN_OWN_TIMEOUTS);
    } finally {
      frozen.resume();
      await frozen.stop();
    }
  });

  it('fails fast with StoreUnavailableError when Redis was never reachable', async () => {
    const doomed = await startRedisServer();
    await doomed.stop();
    const store = openStore(doomed.url, FAST);
    const startedAt = performance.now();
    await expect(store.reserve(randomUUID(), 30)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(performance.now() - startedAt).toBeLessThan(WITHIN_OWN_TIMEOUTS);
  });

  it('works again once Redis is back', async () => {
    let restarted = await startRedisServer();
    try {
      const store = openStore(restarted.url);
      expect(await store.reserve(randomUUID(), 30)).toBe('reserved');
      await restarted.stop();
      await expect(store.reserve(randomUUID(), 30)).rejects.toBeInstanceOf(StoreUnavailableError);
      restarted = await startRedisServer({ port: restarted.port });
      let result: string | undefined;
      for (let attempt = 0; attempt < 5 && result === undefined; attempt += 1) {
        result = await store.reserve(randomUUID(), 30).catch(() => undefined);
      }
      expect(result).toBe('reserved');
    } finally {
      await restarted.stop();
    }
  });

  it('frees a refused attempt for another try and uses the key up at the most refusals, across stores', async () => {
    const stores = [openStore(), openStore()];
    const key = randomUUID();
    const expiresAt = Math.floor(Date.now() / 1000) + 600;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect(await stores[attempt % 2].reserve(key, 30)).toBe('reserved');
      expect(await stores[attempt % 2].releaseRefused(key, 3, expiresAt)).toBe('released');
    }
    expect(await inspector.get(`pp:used:${key}:refusals`)).toBe('2');
    expect(await inspector.call('PEXPIRETIME', `pp:used:${key}:refusals`)).toBe(expiresAt * 1000 + 60_000);
    expect(await stores[0].reserve(key, 30)).toBe('reserved');
    expect(await stores[0].releaseRefused(key, 3, expiresAt)).toBe('used');
    expect(await inspector.get(`pp:used:${key}`)).toBe('used');
    expect(await stores[1].reserve(key, 30)).toBe('used');
  });

  it('holds a key for one owner across stores, renews it for that owner and ends it only for that owner', async () => {
    const [first, second] = [openStore(), openStore()];
    const key = randomUUID();
    expect(await first.hold(key, 'alice', 10)).toBe(true);
    expect(await second.hold(key, 'bob', 10)).toBe(false);
    expect(await second.holderOf(key)).toBe('alice');
    expect(await second.hold(key, 'alice', 60)).toBe(true);
    expect(await inspector.pttl(`pp:used:hold:${key}`)).toBeGreaterThan(58_000);
    await second.unhold(key, 'bob');
    expect(await first.holderOf(key)).toBe('alice');
    await first.unhold(key, 'alice');
    expect(await first.holderOf(key)).toBeUndefined();
    expect(await second.hold(key, 'bob', 10)).toBe(true);
  });

  it('lets exactly one of twenty concurrent holders of one key win, across two stores', async () => {
    const stores = [openStore(), openStore()];
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => stores[index % 2].hold(key, `owner-${index}`, 10)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('answers a ping while Redis answers, and StoreUnavailableError once it stops', async () => {
    const doomed = await startRedisServer();
    try {
      const store = openStore(doomed.url);
      await expect(store.ping()).resolves.toBeUndefined();
      await doomed.stop();
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await doomed.stop();
    }
  });

  it('says how long one operation may take at worst: the connection wait plus the command', () => {
    expect(openStore(server.url, { connectTimeoutMs: 700, commandTimeoutMs: 300 }).maxOperationMs).toBe(1_000);
    expect(openStore().maxOperationMs).toBe(2_000);
  });

  it('refuses every call after close rather than reconnecting', async () => {
    const store = openStore();
    expect(await store.reserve(randomUUID(), 30)).toBe('reserved');
    await store.close();
    await expect(store.reserve(randomUUID(), 30)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
