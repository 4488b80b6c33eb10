// The emulator's control surface for failures: queued faults (statuses with rate-limit headers,
// hangs, dropped connections) played before the normal answer, and the request counters.
import { setImmediate } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_ID, CLIENT_SECRET, makeUser, startManagementEmulator, type RunningEmulator } from '../support/management-emulator.js';
import { accessToken, callApi, credentialsBody, postToken } from './support.js';

let emulator: RunningEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const credentials = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };

async function start(clock?: { now(): number }): Promise<RunningEmulator> {
  emulator = await startManagementEmulator({ users: [makeUser('auth0|alice')], ...(clock ? { clock } : {}) });
  return emulator;
}

// An instant the emulator's clock stands still at, so a reset time is exact.
const FROZEN_AT = Date.parse('2026-06-01T12:00:00.400Z');

describe('the emulator control surface', () => {
  it('plays queued faults in order, with Retry-After and x-ratelimit-reset, then answers normally', async () => {
    const { origin, queueFaults, stats } = await start({ now: () => FROZEN_AT });
    const token = await accessToken(origin, credentials);
    await queueFaults('api', [{ status: 503 }, { status: 429, retryAfter: 7 }, { status: 429, resetInSeconds: 3 }]);
    const read = () => callApi(origin, token, 'GET', '/users/auth0%7Calice');
    const unavailable = await read();
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    const retryAfter = await read();
    expect(retryAfter.status).toBe(429);
    expect(retryAfter.headers.get('retry-after')).toBe('7');
    const reset = await read();
    // The unix second in which the limit resets: the current one, rounded up, plus the 3 asked for.
    expect(reset.headers.get('x-ratelimit-reset')).toBe(String(Math.ceil(FROZEN_AT / 1000) + 3));
    expect((await read()).status).toBe(200);
    expect(await stats()).toMatchObject({ tokenRequests: 1, apiRequests: 4, patches: 0, searches: 0, rateLimited: 0 });
  });

  it('fails the token endpoint on demand', async () => {
    const { origin, queueFaults } = await start();
    await queueFaults('token', [{ status: 500 }]);
    const failed = await postToken(origin, credentialsBody(origin, credentials));
    expect(failed.status).toBe(500);
    expect(failed.body.error).toBe('server_error');
    expect((await postToken(origin, credentialsBody(origin, credentials))).status).toBe(200);
  });

  it('hangs a request until the client gives up, and still closes promptly', async () => {
    const running = await start();
    const token = await accessToken(running.origin, credentials);
    await running.queueFaults('api', [{ hang: true }, { hang: true }]);
    const aborted = fetch(`${running.origin}/api/v2/users/auth0%7Calice`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(200),
    });
    await expect(aborted).rejects.toMatchObject({ name: 'TimeoutError' });
    const hanging = fetch(`${running.origin}/api/v2/users/auth0%7Calice`, { headers: { authorization: `Bearer ${token}` } });
    let outcome = 'pending';
    const settled = hanging.then(
      () => (outcome = 'answered'),
      () => (outcome = 'failed'),
    );
    // Wait until the second hang has reached the emulator (the token request is counted apart).
    while ((await running.stats()).apiRequests < 2) await setImmediate();
    expect(outcome).toBe('pending');
    // The hang has no end of its own: a close that waited for it would never resolve (the test
    // would time out), so closing at all is the proof; the hung request fails because of it.
    await running.close();
    emulator = undefined;
    expect(await settled).toBe('failed');
  });

  it('drops a connection without answering', async () => {
    const { origin, queueFaults } = await start();
    const token = await accessToken(origin, credentials);
    await queueFaults('api', [{ drop: true }]);
    await expect(fetch(`${origin}/api/v2/users/auth0%7Calice`, { headers: { authorization: `Bearer ${token}` } })).rejects.toThrow();
    expect((await callApi(origin, token, 'GET', '/users/auth0%7Calice')).status).toBe(200);
  });

  it('counts token requests, API requests, writes and searches, and resets the counters', async () => {
    const { origin, stats } = await start();
    const token = await accessToken(origin, credentials);
    await callApi(origin, token, 'PATCH', '/users/auth0%7Calice', { user_metadata: { a: 1 } });
    await callApi(origin, token, 'GET', '/users?q=user_metadata.a%3A1&search_engine=v3');
    await callApi(origin, undefined, 'GET', '/users/auth0%7Calice');
    const zero = { creates: 0, deletes: 0, links: 0, rateLimited: 0 };
    expect(await stats()).toEqual({ tokenRequests: 1, apiRequests: 3, patches: 1, searches: 1, ...zero });
    await fetch(`${origin}/__emulator/stats/reset`, { method: 'POST' });
    expect(await stats()).toEqual({ tokenRequests: 0, apiRequests: 0, patches: 0, searches: 0, ...zero });
  });

  it('refuses a malformed fault', async () => {
    const { origin } = await start();
    const response = await fetch(`${origin}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: 'api', responses: [{ status: 42 }] }),
    });
    expect(response.status).toBe(400);
  });
});
