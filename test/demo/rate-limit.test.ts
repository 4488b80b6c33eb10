// The emulated free tier's Management API limit (burst 2, 2/s tenant-wide) with Auth0's headers,
// on a clock the test moves.
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_ID, CLIENT_SECRET, makeUser, startManagementEmulator, type RunningEmulator } from '../support/management-emulator.js';
import { accessToken, callApi } from './support.js';

let emulator: RunningEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const credentials = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };

describe("the emulated free tier's rate limit", () => {
  it('allows a burst of 2, then answers 429 with the rate-limit headers until the bucket refills', async () => {
    let now = Date.UTC(2026, 10, 23, 12, 0, 0);
    emulator = await startManagementEmulator({ users: [makeUser('auth0|alice')], freeTierRateLimit: true, clock: { now: () => now } });
    const { origin, stats } = emulator;
    const token = await accessToken(origin, credentials);
    const read = () => callApi(origin, token, 'GET', '/users/auth0%7Calice');
    const first = await read();
    const second = await read();
    const third = await read();
    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    expect(second.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(third.headers.get('x-ratelimit-limit')).toBe('2');
    expect(third.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(third.headers.get('x-ratelimit-reset'))).toBe(now / 1000 + 1);
    expect(third.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: 'Global limit has been reached', errorCode: 'too_many_requests' });
    now += 499;
    expect((await read()).status).toBe(429);
    now += 1;
    expect((await read()).status).toBe(200);
    expect((await stats()).rateLimited).toBe(2);
  });

  it('is switched on and off at runtime', async () => {
    emulator = await startManagementEmulator({ users: [makeUser('auth0|alice')], clock: { now: () => 0 } });
    const { origin, setRateLimit } = emulator;
    const token = await accessToken(origin, credentials);
    const burst = async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await callApi(origin, token, 'GET', '/users/auth0%7Calice')).status);
      return statuses;
    };
    expect(await burst()).toEqual([200, 200, 200, 200]);
    await setRateLimit(true);
    expect(await burst()).toEqual([200, 200, 429, 429]);
    await setRateLimit(false);
    expect(await burst()).toEqual([200, 200, 200, 200]);
  });

  it('spends nothing on a request without a valid token', async () => {
    emulator = await startManagementEmulator({ users: [makeUser('auth0|alice')], freeTierRateLimit: true, clock: { now: () => 0 } });
    const { origin } = emulator;
    for (let i = 0; i < 3; i += 1) expect((await callApi(origin, 'forged', 'GET', '/users/auth0%7Calice')).status).toBe(401);
    const token = await accessToken(origin, credentials);
    expect((await callApi(origin, token, 'GET', '/users/auth0%7Calice')).status).toBe(200);
  });
});
