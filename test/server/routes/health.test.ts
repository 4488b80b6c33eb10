import { afterEach, describe, expect, it } from 'vitest';
import { createRedisStore } from '../../../server/store/redis.js';
import { StoreUnavailableError } from '../../../server/store/single-use.js';
import { createMemoryStore } from '../../../server/store/memory.js';
import { startRedisServer, type RedisServer } from '../../support/redis-server.js';
import { frozenClock } from '../support/fixtures.js';
import { closeApps, setup } from '../support/app.js';

let redis: RedisServer | undefined;
afterEach(async () => {
  await closeApps();
  await redis?.stop();
  redis = undefined;
});

describe('GET /healthz', () => {
  it('answers ok', async () => {
    const response = await setup().app.inject('/healthz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('answers 503 degraded, naming the store, when the single-use store does not answer', async () => {
    const store = createMemoryStore({ clock: frozenClock() });
    store.ping = async () => Promise.reject(new StoreUnavailableError('down'));
    const response = await setup({}, { store }).app.inject('/healthz');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'degraded', store: 'unavailable' });
    await store.close();
  });

  it('follows a real Redis going away and coming back', async () => {
    redis = await startRedisServer();
    const store = createRedisStore(redis.url);
    const { app } = setup({}, { store });
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    await redis.stop();
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'degraded', store: 'unavailable' });
    redis = await startRedisServer({ port: redis.port });
    let status = 0;
    for (let attempt = 0; attempt < 5 && status !== 200; attempt += 1) status = (await app.inject('/healthz')).statusCode;
    expect(status).toBe(200);
    await store.close();
  });
});
