import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { managementApi } from '../../demo/emulator/management-api.js';
import { UserStore } from '../../demo/emulator/user-store.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  makeUser,
  startManagementEmulator,
  type RunningEmulator,
} from '../support/management-emulator.js';

let emulator: RunningEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: Parameters<typeof startManagementEmulator>[0] = {}): Promise<RunningEmulator> {
  emulator = await startManagementEmulator({
    users: [
      makeUser('auth0|alice', { user_metadata: { company_name: 'Acme', job_title: 'CTO' }, app_metadata: { plan: 'pro' } }),
      makeUser('auth0|bob', { user_metadata: { company_name: 'Say "hi" \\ (now): *' } }),
    ],
    ...options,
  });
  return emulator;
}

async function requestToken(origin: string, body: Record<string, string>, form = false) {
  const response = await fetch(`${origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function credentials(origin: string) {
  return { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, audience: `${origin}/api/v2/` };
}

async function accessToken(origin: string): Promise<string> {
  const { body } = await requestToken(origin, credentials(origin));
  return body.access_token as string;
}

async function api(origin: string, token: string | undefined, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${origin}/api/v2${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('the emulated token endpoint', () => {
  it('issues a client-credentials token for the Management API audience, from JSON or a form', async () => {
    const { origin } = await start();
    for (const form of [false, true]) {
      const { status, body } = await requestToken(origin, credentials(origin), form);
      expect(status).toBe(200);
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 86_400, scope: 'read:users update:users' });
      expect(body.access_token).toEqual(expect.any(String));
    }
  });

  it('refuses a wrong client secret as access_denied', async () => {
    const { origin } = await start();
    const { status, body } = await requestToken(origin, { ...credentials(origin), client_secret: 'wrong' });
    expect(status).toBe(401);
    expect(body.error).toBe('access_denied');
  });

  it('refuses a request without client credentials as invalid_client', async () => {
    const { origin } = await start();
    const { status, body } = await requestToken(origin, { grant_type: 'client_credentials', audience: `${origin}/api/v2/` });
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('refuses another audience', async () => {
    const { origin } = await start();
    const { status, body } = await requestToken(origin, { ...credentials(origin), audience: 'https://elsewhere/api/v2/' });
    expect(status).toBe(403);
    expect(body.error).toBe('access_denied');
  });

  it('hands other grant types to the login side and refuses unknown ones', async () => {
    const seen: Record<string, unknown>[] = [];
    const { origin } = await start({
      otherGrants: {
        password: async (body) => {
          seen.push(body);
          return { status: 200, body: { access_token: 'from-login-side', token_type: 'Bearer' } };
        },
      },
    });
    const delegated = await requestToken(origin, { grant_type: 'password', username: 'alice' }, true);
    expect(delegated).toEqual({ status: 200, body: { access_token: 'from-login-side', token_type: 'Bearer' } });
    expect(seen).toEqual([{ grant_type: 'password', username: 'alice' }]);
    const unknown = await requestToken(origin, { grant_type: 'urn:example:unknown' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('unsupported_grant_type');
  });
});

describe('the emulated users API', () => {
  it('requires a bearer token it issued', async () => {
    const { origin } = await start();
    const missing = await api(origin, undefined, 'GET', '/users/auth0%7Calice');
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Missing authentication',
      errorCode: 'missing_authentication',
    });
    const forged = await api(origin, 'not-a-token', 'GET', '/users/auth0%7Calice');
    expect(forged.status).toBe(401);
    expect(forged.body.errorCode).toBe('invalid_token');
  });

  it('refuses a token whose grant lacks the scope', async () => {
    const { origin } = await start({ clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: 'read:users' }] });
    const token = await accessToken(origin);
    const { status, body } = await api(origin, token, 'PATCH', '/users/auth0%7Calice', { user_metadata: { a: 1 } });
    expect(status).toBe(403);
    expect(body.errorCode).toBe('insufficient_scope');
  });

  it('reads a user without the demo password, and answers 404 for an unknown one', async () => {
    const { origin } = await start();
    const token = await accessToken(origin);
    const found = await api(origin, token, 'GET', '/users/auth0%7Calice');
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ user_id: 'auth0|alice', user_metadata: { company_name: 'Acme' } });
    expect(found.body).not.toHaveProperty('password');
    const unknown = await api(origin, token, 'GET', '/users/auth0%7Cnobody');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, error: 'Not Found', errorCode: 'inexistent_user' });
  });

  it("merges a PATCH with Auth0's rules: first level only, null deletes a key, and answers the user", async () => {
    const { origin, users } = await start();
    const token = await accessToken(origin);
    const { status, body } = await api(origin, token, 'PATCH', '/users/auth0%7Calice', {
      user_metadata: { job_title: null, address: { city: 'Lyon' } },
    });
    expect(status).toBe(200);
    expect(body.user_metadata).toEqual({ company_name: 'Acme', address: { city: 'Lyon' } });
    expect(body.app_metadata).toEqual({ plan: 'pro' });
    await api(origin, token, 'PATCH', '/users/auth0%7Calice', { user_metadata: { address: { zip: '69001' } } });
    expect(users.get('auth0|alice')?.user_metadata).toEqual({ company_name: 'Acme', address: { zip: '69001' } });
  });

  it('wipes a whole metadata object when the PATCH sends {}', async () => {
    const { origin, users } = await start();
    const token = await accessToken(origin);
    const { status } = await api(origin, token, 'PATCH', '/users/auth0%7Calice', { user_metadata: {} });
    expect(status).toBe(200);
    expect(users.get('auth0|alice')?.user_metadata).toEqual({});
    expect(users.get('auth0|alice')?.app_metadata).toEqual({ plan: 'pro' });
  });

  it("refuses metadata keys containing '.' or '$', at any depth", async () => {
    const { origin, users } = await start();
    const token = await accessToken(origin);
    for (const body of [{ user_metadata: { 'a.b': 1 } }, { app_metadata: { ok: { $where: 1 } } }]) {
      const answer = await api(origin, token, 'PATCH', '/users/auth0%7Calice', body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request', errorCode: 'invalid_body' });
    }
    expect(users.get('auth0|alice')?.user_metadata).toEqual({ company_name: 'Acme', job_title: 'CTO' });
  });

  it('refuses PATCH bodies this emulator does not accept', async () => {
    const { origin } = await start();
    const token = await accessToken(origin);
    for (const body of [{}, { email: 'x@example.com' }, { user_metadata: null }, { user_metadata: ['a'] }]) {
      const answer = await api(origin, token, 'PATCH', '/users/auth0%7Calice', body);
      expect(answer.status).toBe(400);
      expect(answer.body.errorCode).toBe('invalid_body');
    }
    const unknown = await api(origin, token, 'PATCH', '/users/auth0%7Cnobody', { user_metadata: { a: 1 } });
    expect(unknown.status).toBe(404);
  });

  it('finds users by an exact, escaped metadata value', async () => {
    const { origin } = await start();
    const token = await accessToken(origin);
    const search = (q: string) =>
      api(origin, token, 'GET', `/users?${new URLSearchParams({ q, search_engine: 'v3', fields: 'user_id', include_totals: 'true' })}`);
    const escaped = await search('user_metadata.company_name:"Say \\"hi\\" \\\\ \\(now\\)\\: \\*"');
    expect(escaped.status).toBe(200);
    expect(escaped.body).toEqual({ start: 0, limit: 50, length: 1, total: 1, users: [{ user_id: 'auth0|bob' }] });
    const plain = await search('app_metadata.plan:"pro"');
    expect(plain.body.users).toEqual([{ user_id: 'auth0|alice' }]);
    const wildcard = await search('user_metadata.company_name:"\\*"');
    expect(wildcard.body.users).toEqual([]);
    const caseDiffers = await search('user_metadata.company_name:"acme"');
    expect(caseDiffers.body.users).toEqual([]);
  });

  it('answers a plain array without include_totals, and 400 for a query it cannot run', async () => {
    const { origin } = await start();
    const token = await accessToken(origin);
    const list = await api(origin, token, 'GET', `/users?${new URLSearchParams({ q: 'user_metadata.job_title:CTO', fields: 'user_id' })}`);
    expect(list.body).toEqual([{ user_id: 'auth0|alice' }]);
    const unsupported = await api(origin, token, 'GET', `/users?${new URLSearchParams({ q: 'email:*@example.com' })}`);
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.errorCode).toBe('invalid_query_string');
  });
});

describe("the emulated free tier's rate limit", () => {
  it('allows a burst of 2, then answers 429 with the rate-limit headers until the bucket refills', async () => {
    let now = Date.UTC(2026, 10, 23, 12, 0, 0);
    const { origin, stats } = await start({ freeTierRateLimit: true, clock: { now: () => now } });
    const token = await accessToken(origin);
    const first = await api(origin, token, 'GET', '/users/auth0%7Calice');
    const second = await api(origin, token, 'GET', '/users/auth0%7Calice');
    const third = await api(origin, token, 'GET', '/users/auth0%7Calice');
    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    expect(second.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(third.headers.get('x-ratelimit-limit')).toBe('2');
    expect(third.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(third.headers.get('x-ratelimit-reset'))).toBe(now / 1000 + 1);
    expect(third.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    now += 499;
    expect((await api(origin, token, 'GET', '/users/auth0%7Calice')).status).toBe(429);
    now += 1;
    expect((await api(origin, token, 'GET', '/users/auth0%7Calice')).status).toBe(200);
    expect((await stats()).rateLimited).toBe(2);
  });

  it('is switched on and off at runtime', async () => {
    const { origin, setRateLimit } = await start({ clock: { now: () => 0 } });
    const token = await accessToken(origin);
    const burst = async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await api(origin, token, 'GET', '/users/auth0%7Calice')).status);
      return statuses;
    };
    expect(await burst()).toEqual([200, 200, 200, 200]);
    await setRateLimit(true);
    expect(await burst()).toEqual([200, 200, 429, 429]);
    await setRateLimit(false);
    expect(await burst()).toEqual([200, 200, 200, 200]);
  });
});

describe('the emulator control surface', () => {
  it('plays queued faults in order, with Retry-After and x-ratelimit-reset, then answers normally', async () => {
    const { origin, queueFaults, stats } = await start();
    const token = await accessToken(origin);
    await queueFaults('api', [{ status: 503 }, { status: 429, retryAfter: 7 }, { status: 429, resetInSeconds: 3 }]);
    const unavailable = await api(origin, token, 'GET', '/users/auth0%7Calice');
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    const retryAfter = await api(origin, token, 'GET', '/users/auth0%7Calice');
    expect(retryAfter.status).toBe(429);
    expect(retryAfter.headers.get('retry-after')).toBe('7');
    const reset = await api(origin, token, 'GET', '/users/auth0%7Calice');
    expect(Number(reset.headers.get('x-ratelimit-reset')) - Date.now() / 1000).toBeGreaterThan(2);
    expect((await api(origin, token, 'GET', '/users/auth0%7Calice')).status).toBe(200);
    expect(await stats()).toEqual({ tokenRequests: 1, apiRequests: 4, patches: 0, searches: 0, rateLimited: 0 });
  });

  it('fails the token endpoint on demand', async () => {
    const { origin, queueFaults } = await start();
    await queueFaults('token', [{ status: 500 }]);
    const failed = await requestToken(origin, credentials(origin));
    expect(failed.status).toBe(500);
    expect(failed.body.error).toBe('server_error');
    expect((await requestToken(origin, credentials(origin))).status).toBe(200);
  });

  it('hangs a request until the client gives up, and still closes promptly', async () => {
    const running = await start();
    const token = await accessToken(running.origin);
    await running.queueFaults('api', [{ hang: true }, { hang: true }]);
    const aborted = fetch(`${running.origin}/api/v2/users/auth0%7Calice`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(200),
    });
    await expect(aborted).rejects.toMatchObject({ name: 'TimeoutError' });
    const hanging = fetch(`${running.origin}/api/v2/users/auth0%7Calice`, { headers: { authorization: `Bearer ${token}` } });
    const settled = hanging.then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const startedAt = performance.now();
    await running.close();
    emulator = undefined;
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(await settled).toBe('failed');
  });

  it('drops a connection without answering', async () => {
    const { origin, queueFaults } = await start();
    const token = await accessToken(origin);
    await queueFaults('api', [{ drop: true }]);
    await expect(fetch(`${origin}/api/v2/users/auth0%7Calice`, { headers: { authorization: `Bearer ${token}` } })).rejects.toThrow();
    expect((await api(origin, token, 'GET', '/users/auth0%7Calice')).status).toBe(200);
  });

  it('counts token requests, API requests, patches and searches, and resets the counters', async () => {
    const { origin, stats } = await start();
    const token = await accessToken(origin);
    await api(origin, token, 'PATCH', '/users/auth0%7Calice', { user_metadata: { a: 1 } });
    await api(origin, token, 'GET', '/users?q=user_metadata.a%3A1&search_engine=v3');
    await api(origin, undefined, 'GET', '/users/auth0%7Calice');
    expect(await stats()).toEqual({ tokenRequests: 1, apiRequests: 3, patches: 1, searches: 1, rateLimited: 0 });
    await fetch(`${origin}/__emulator/stats/reset`, { method: 'POST' });
    expect(await stats()).toEqual({ tokenRequests: 0, apiRequests: 0, patches: 0, searches: 0, rateLimited: 0 });
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

describe('managementApi options', () => {
  it('refuses bad options at registration, naming the option', async () => {
    const users = new UserStore();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ users: {}, clients: [], origin: 'http://127.0.0.1:1' }, '"users"'],
      [{ users, clients: [{ clientId: 'a' }], origin: 'http://127.0.0.1:1' }, '"clients"'],
      [{ users, clients: [], origin: 'not a url' }, '"origin"'],
      [{ users, clients: [], origin: 'http://127.0.0.1:1', otherGrants: { client_credentials: async () => ({}) } }, '"otherGrants"'],
    ];
    for (const [options, name] of cases) {
      const app = Fastify();
      await expect(app.register(managementApi, options as never).ready()).rejects.toThrow(name);
      await app.close();
    }
  });
});
