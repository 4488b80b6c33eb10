import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { decodeJwt, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type AppDeps } from '../../server/app.js';
import type { Config } from '../../server/config.js';
import { createMemoryStore } from '../../server/store/memory.js';
import { StoreUnavailableError, type SingleUseStore } from '../../server/store/single-use.js';
import { RequestError } from '../../server/http/errors.js';
import {
  CONTINUE_SECRET, CUSTOM_DOMAIN, NOW_SECONDS, RecordingWriter, TENANT, frozenClock, mintSessionToken, testConfig, testForm,
  type FrozenClock,
} from './support/fixtures.js';

const WIDGET = 'export const widget = "progressive-profile";\n';
const VALUES = { company_name: '  Acme  ', job_title: 'CTO' };
const apps: FastifyInstance[] = [];

interface Setup {
  app: FastifyInstance;
  clock: FrozenClock;
  writer: RecordingWriter;
}

function setup(overrides: Partial<Config> = {}, deps: Partial<AppDeps> & { withoutWriter?: boolean } = {}): Setup {
  const clock = frozenClock();
  const writer = new RecordingWriter();
  const { withoutWriter, ...rest } = deps;
  const app = buildApp(testConfig(overrides), {
    clock,
    profileWriter: withoutWriter ? undefined : writer,
    widgetScript: WIDGET,
    ...rest,
  });
  apps.push(app);
  return { app, clock, writer };
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function post(app: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url, payload: payload as object, headers });
}

async function submitBody(values: Record<string, unknown> = VALUES, claims: Record<string, unknown> = {}, state = 'state-1') {
  return { state, session_token: await mintSessionToken(claims), values };
}

function expectError(response: LightMyRequestResponse, status: number, error: string): void {
  expect({ status: response.statusCode, error: response.json().error }).toEqual({ status, error });
  expect(typeof response.json().message).toBe('string');
}

async function continueClaims(response: LightMyRequestResponse) {
  const { payload } = await jwtVerify(response.json().session_token, new TextEncoder().encode(CONTINUE_SECRET), {
    algorithms: ['HS256'],
    currentDate: new Date(NOW_SECONDS * 1000),
  });
  return payload;
}

describe('GET /healthz', () => {
  it('answers ok', async () => {
    const response = await setup().app.inject('/healthz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /form', () => {
  it('answers the public form definition with an ETag and a cache policy', async () => {
    const response = await setup().app.inject('/form');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(testForm());
    expect(response.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(response.headers['cache-control']).toContain('max-age');
  });

  it('answers 304 when the ETag still matches', async () => {
    const { app } = setup();
    const { etag } = (await app.inject('/form')).headers;
    const response = await app.inject({ url: '/form', headers: { 'if-none-match': `W/${etag}` } });
    expect(response.statusCode).toBe(304);
    expect(response.body).toBe('');
  });
});

describe('GET /', () => {
  it('serves the hosted page: the widget pointed at this server, under a strict policy', async () => {
    const response = await setup().app.inject({ url: '/?state=abc&session_token=xyz', headers: { host: 'evil.example"><script>' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toContain('<script type="module" src="/progressive-profile.js"></script>');
    expect(response.body).toContain('<progressive-profile endpoint="/"></progressive-profile>');
    expect(response.body).not.toContain('evil.example');
    // GET /form downloads beside the bundle instead of after it.
    expect(response.body).toContain('<link rel="preload" href="/form" as="fetch" crossorigin>');
    expect(response.body).toContain('<html lang="en">');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('form-action');
  });

  it('escapes a hostile Host header', async () => {
    const response = await setup().app.inject({ url: '/', headers: { host: 'x"><script>alert(1)</script>' } });
    expect(response.body).not.toContain('<script>alert(1)');
  });
});

describe('GET /progressive-profile.js', () => {
  it('serves the bundle to any origin with an ETag and revalidation', async () => {
    const response = await setup().app.inject({ url: '/progressive-profile.js', headers: { origin: 'https://elsewhere.example' } });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(WIDGET);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers.etag).toMatch(/^"[\w-]+"$/);
  });

  it('answers 304 when the bundle did not change', async () => {
    const { app } = setup();
    const { etag } = (await app.inject('/progressive-profile.js')).headers;
    const response = await app.inject({ url: '/progressive-profile.js', headers: { 'if-none-match': String(etag) } });
    expect(response.statusCode).toBe(304);
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers a clear 404 when the bundle was not built', async () => {
    const response = await setup({}, { widgetScript: undefined }).app.inject('/progressive-profile.js');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'not_found', message: expect.stringContaining('npm run build') });
  });
});

describe('POST /submit', () => {
  it('writes the patch once and answers the continue URL and token', async () => {
    const { app, writer, clock } = setup();
    const response = await post(app, '/submit', await submitBody());
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({ continue_url: `${TENANT.origin}/continue?state=state-1`, session_token: expect.any(String) });
    expect(writer.writes).toHaveLength(1);
    expect(writer.writes[0].userId).toBe('auth0|user-1');
    expect(writer.writes[0].patch).toEqual({ user_metadata: { company_name: 'Acme', job_title: 'CTO' } });
    expect(writer.writes[0].options.deadline).toBe(clock.now() + 10_000);
    expect(writer.writes[0].options.signal).toBeInstanceOf(AbortSignal);
    const claims = await continueClaims(response);
    expect(claims).toMatchObject({ iss: 'progressive-profile', sub: 'auth0|user-1', state: 'state-1', exp: NOW_SECONDS + 120 });
    expect(claims).not.toHaveProperty('profile');
    expect(claims).not.toHaveProperty('skipped');
  });

  it('groups values by target and writes numbers, booleans and options as given', async () => {
    const { app, writer } = setup();
    const values = { ...VALUES, plan: 'pro', age: 42, newsletter: true, nickname: 'zed' };
    expect((await post(app, '/submit', await submitBody(values))).statusCode).toBe(200);
    expect(writer.writes[0].patch).toEqual({
      user_metadata: { company_name: 'Acme', job_title: 'CTO', age: 42, newsletter: true, nickname: 'zed' },
      app_metadata: { plan: 'pro' },
    });
  });

  it('never writes an empty optional value, and never an empty object', async () => {
    const { app, writer } = setup();
    const values = { ...VALUES, nickname: '   ', plan: '', age: null };
    expect((await post(app, '/submit', await submitBody(values))).statusCode).toBe(200);
    expect(writer.writes[0].patch).toEqual({ user_metadata: { company_name: 'Acme', job_title: 'CTO' } });
  });

  it('writes an unticked optional checkbox as false: it is an answer, not an empty value', async () => {
    const { app, writer } = setup();
    expect((await post(app, '/submit', await submitBody({ ...VALUES, newsletter: false }))).statusCode).toBe(200);
    expect(writer.writes[0].patch.user_metadata).toMatchObject({ newsletter: false });
  });

  it('skips the write entirely when nothing is left to write', async () => {
    const { app, writer } = setup();
    const response = await post(app, '/submit', await submitBody({ nickname: '' }, { fields: [] }));
    expect(response.statusCode).toBe(200);
    expect(writer.writes).toHaveLength(0);
  });

  it('asks only the required fields the token names, ignoring values for the others', async () => {
    const { app, writer } = setup();
    const body = await submitBody({ company_name: 'Acme', job_title: 'Overwrite' }, { fields: ['company_name', 'not_defined'] });
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
    expect(writer.writes[0].patch).toEqual({ user_metadata: { company_name: 'Acme' } });
  });

  it('points continue_url at the custom domain when the token was issued there', async () => {
    const { app } = setup();
    const response = await post(app, '/submit', await submitBody(VALUES, { iss: CUSTOM_DOMAIN.host }));
    expect(response.json().continue_url).toBe(`${CUSTOM_DOMAIN.origin}/continue?state=state-1`);
  });

  it('round-trips a state holding &, #, % and spaces exactly', async () => {
    const { app } = setup();
    const state = 'a&b=c#d%25e f+g/é?';
    const response = await post(app, '/submit', await submitBody(VALUES, {}, state));
    const url = new URL(response.json().continue_url);
    expect(url.origin + url.pathname).toBe(`${TENANT.origin}/continue`);
    expect([...url.searchParams.keys()]).toEqual(['state']);
    expect(url.searchParams.get('state')).toBe(state);
    expect(url.hash).toBe('');
    expect((await continueClaims(response)).state).toBe(state);
  });

  it('takes the continue host from the token only, never from the request', async () => {
    const { app } = setup();
    const response = await post(app, '/submit', await submitBody(), { host: 'evil.example', 'x-forwarded-host': 'evil.example' });
    expect(response.json().continue_url.startsWith(`${TENANT.origin}/continue?`)).toBe(true);
  });

  it('points a loopback emulator tenant at its http origin', async () => {
    const emulator = { host: '127.0.0.1:4010', origin: 'http://127.0.0.1:4010' };
    const { app } = setup({ tenant: emulator, customDomain: undefined });
    const response = await post(app, '/submit', await submitBody(VALUES, { iss: emulator.host }));
    expect(response.json().continue_url).toBe('http://127.0.0.1:4010/continue?state=state-1');
  });
});

describe('Action-writes mode (no Management API credentials)', () => {
  it('puts only defined, asked, non-empty values in the profile claim, by target', async () => {
    const { app } = setup({ management: undefined }, { withoutWriter: true });
    const values = { ...VALUES, plan: 'free', nickname: '' };
    const response = await post(app, '/submit', await submitBody(values));
    expect(response.statusCode).toBe(200);
    expect((await continueClaims(response)).profile).toEqual({
      user_metadata: { company_name: 'Acme', job_title: 'CTO' },
      app_metadata: { plan: 'free' },
    });
  });

  it('refuses to start with a unique field and no writer', () => {
    const form = testForm({ fields: [{ id: 'badge', label: 'Badge', type: 'text', unique: true }] as never });
    const app = buildApp(testConfig({ form }), { clock: frozenClock() });
    apps.push(app);
    return expect(app.ready()).rejects.toThrow(/deps\.profileWriter/);
  });
});

describe('POST /skip', () => {
  it('answers a continue token marked skipped when the form allows it, writing nothing', async () => {
    const { app, writer } = setup();
    const response = await post(app, '/skip', { state: 'state-1', session_token: await mintSessionToken() });
    expect(response.statusCode).toBe(200);
    expect(response.json().continue_url).toBe(`${TENANT.origin}/continue?state=state-1`);
    expect(await continueClaims(response)).toMatchObject({ skipped: true, state: 'state-1', sub: 'auth0|user-1' });
    expect(writer.writes).toHaveLength(0);
  });

  it('refuses with skip_not_allowed when the form does not allow it, leaving T1 usable', async () => {
    const { app } = setup({ form: testForm({ allow_skip: false }) });
    const body = await submitBody();
    expectError(await post(app, '/skip', body), 403, 'skip_not_allowed');
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
  });
});

describe('the error table', () => {
  it('answers 400 invalid_request for malformed JSON', async () => {
    const response = await post(setup().app, '/submit', '{"state": ', { 'content-type': 'application/json' });
    expectError(response, 400, 'invalid_request');
  });

  it.each([
    ['a body that is not an object', ['state']],
    ['a missing state', { session_token: 'x', values: {} }],
    ['an empty state', { state: '', session_token: 'x', values: {} }],
    ['a missing session_token', { state: 's', values: {} }],
    ['a session_token that is not a string', { state: 's', session_token: 5, values: {} }],
    ['missing values', { state: 's', session_token: 'x' }],
    ['values that are an array', { state: 's', session_token: 'x', values: [] }],
    ['an unknown field id', { state: 's', session_token: 'x', values: { role: 'admin' } }],
    ['a constructor key', { state: 's', session_token: 'x', values: { constructor: 'x' } }],
    ['a string for a number', { state: 's', session_token: 'x', values: { age: '42' } }],
    ['a string for a checkbox', { state: 's', session_token: 'x', values: { newsletter: 'yes' } }],
    ['a number for a text field', { state: 's', session_token: 'x', values: { company_name: 42 } }],
    ['an object for a text field', { state: 's', session_token: 'x', values: { company_name: { $gt: '' } } }],
  ])('answers 400 invalid_request for %s', async (_case, body) => {
    expectError(await post(setup().app, '/submit', body), 400, 'invalid_request');
  });

  it('answers 400 invalid_request for a __proto__ key in values', async () => {
    const payload = '{"state":"s","session_token":"x","values":{"__proto__":{"polluted":true}}}';
    const response = await post(setup().app, '/submit', payload, { 'content-type': 'application/json' });
    expectError(response, 400, 'invalid_request');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers 413 invalid_request for a body over 16 KB', async () => {
    const body = { state: 's', session_token: 'x', values: { company_name: 'a'.repeat(17 * 1024) } };
    expectError(await post(setup().app, '/submit', body), 413, 'invalid_request');
  });

  it('answers 415 invalid_request for a body that is not JSON', async () => {
    const response = await post(setup().app, '/submit', 'state=s', { 'content-type': 'application/x-www-form-urlencoded' });
    expectError(response, 415, 'invalid_request');
    const text = await post(setup().app, '/skip', 'hello', { 'content-type': 'text/plain' });
    expectError(text, 415, 'invalid_request');
  });

  it('answers 401 session_expired for an expired T1', async () => {
    const { app, clock } = setup();
    const body = await submitBody();
    clock.advance(906);
    expectError(await post(app, '/submit', body), 401, 'session_expired');
  });

  it('answers 401 invalid_session for a T1 that does not verify', async () => {
    const body = { state: 's', session_token: await mintSessionToken({}, { secret: 'x'.repeat(40) }), values: VALUES };
    expectError(await post(setup().app, '/submit', body), 401, 'invalid_session');
  });

  it('answers 409 session_used for a second submit', async () => {
    const { app, writer } = setup();
    const body = await submitBody();
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
    expectError(await post(app, '/submit', body), 409, 'session_used');
    expectError(await post(app, '/skip', body), 409, 'session_used');
    expect(writer.writes).toHaveLength(1);
  });

  it('keeps T1 used past the reservation hold, up to the last second its exp is accepted', async () => {
    const { app, clock } = setup();
    const body = await submitBody();
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
    clock.advance(120);
    expectError(await post(app, '/submit', body), 409, 'session_used');
    clock.advance(900 + 4 - 120);
    expectError(await post(app, '/submit', body), 409, 'session_used');
  });

  it('answers 409 session_used to the loser of two concurrent submits', async () => {
    const { app, writer } = setup();
    const body = await submitBody();
    const statuses = (await Promise.all([post(app, '/submit', body), post(app, '/submit', body)])).map((r) => r.statusCode);
    expect(statuses.sort()).toEqual([200, 409]);
    expect(writer.writes).toHaveLength(1);
  });

  it('tracks a token without jti by its hash', async () => {
    const { app } = setup();
    const body = { state: 's', session_token: await mintSessionToken({}, { omit: ['jti'] }), values: VALUES };
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
    expectError(await post(app, '/submit', body), 409, 'session_used');
  });

  it('answers 422 invalid_fields naming every failing field with its code', async () => {
    const { app, writer } = setup();
    const values = { company_name: ' ', job_title: 'x'.repeat(101), nickname: 'A', plan: 'gold', age: null, newsletter: null };
    const response = await post(app, '/submit', await submitBody(values));
    expectError(response, 422, 'invalid_fields');
    expect(response.json().fields).toEqual({ company_name: 'required', job_title: 'too_long', nickname: 'too_short', plan: 'invalid_option' });
    expect(writer.writes).toHaveLength(0);
  });

  it.each([
    ['pattern', { nickname: 'ABC' }],
    ['invalid_format', { company_name: 'Acme\nInjected' }],
  ])('answers 422 with %s', async (code, extra) => {
    const response = await post(setup().app, '/submit', await submitBody({ ...VALUES, ...extra }));
    expectError(response, 422, 'invalid_fields');
    expect(Object.values(response.json().fields)).toEqual([code]);
  });

  it('answers 422 taken for a unique value another user holds, checking only non-empty values', async () => {
    const form = testForm({
      fields: [
        { id: 'badge', label: 'Badge', type: 'text', unique: true, maxLength: 20 },
        { id: 'email2', label: 'Email', type: 'email', unique: true },
      ] as never,
    });
    const { app, writer } = setup({ form });
    writer.taken.add('badge=B-7');
    const response = await post(app, '/submit', await submitBody({ badge: ' B-7 ', email2: '' }));
    expectError(response, 422, 'invalid_fields');
    expect(response.json().fields).toEqual({ badge: 'taken' });
    expect(writer.lookups).toEqual([{ userId: 'auth0|user-1', target: 'user_metadata', fieldId: 'badge', value: 'B-7' }]);
    expect(writer.writes).toHaveLength(0);
  });

  it('answers 429 rate_limited with Retry-After past RATE_LIMIT, /submit and /skip sharing one budget', async () => {
    const { app } = setup({ rateLimit: 2 });
    const body = { state: 's', session_token: 'x', values: {} };
    await post(app, '/submit', body);
    await post(app, '/skip', body);
    const response = await post(app, '/submit', body);
    expectError(response, 429, 'rate_limited');
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect((await app.inject('/form')).statusCode).toBe(200);
  });

  it.each([
    [502, 'upstream_error'],
    [503, 'upstream_unavailable'],
    [504, 'upstream_timeout'],
  ] as const)('answers %i %s when the writer fails so, and the same submit may be retried', async (status, code) => {
    const { app, writer } = setup();
    writer.failure = new RequestError(code, 'Upstream trouble.', { retryAfter: code === 'upstream_unavailable' ? 3 : undefined });
    const body = await submitBody();
    const response = await post(app, '/submit', body);
    expectError(response, status, code);
    if (code === 'upstream_unavailable') expect(response.headers['retry-after']).toBe('3');
    writer.failure = undefined;
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
  });

  it('answers 504 upstream_timeout within MANAGEMENT_API_TIMEOUT when the writer hangs, releasing T1', async () => {
    const { app, writer } = setup({ managementApiTimeout: 0.05 });
    writer.isHanging = true;
    const body = await submitBody();
    const response = await post(app, '/submit', body);
    expectError(response, 504, 'upstream_timeout');
    expect(writer.writes[0].options.signal.aborted).toBe(true);
    writer.isHanging = false;
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
  });

  it('answers 503 upstream_unavailable when the single-use store is full', async () => {
    const { app } = setup({}, { store: createMemoryStore({ clock: frozenClock(), maxEntries: 1 }) });
    expect((await post(app, '/submit', await submitBody())).statusCode).toBe(200);
    expectError(await post(app, '/submit', await submitBody()), 503, 'upstream_unavailable');
  });

  it('answers 503 upstream_unavailable when the single-use store is down', async () => {
    const down: SingleUseStore = {
      reserve: async () => Promise.reject(new StoreUnavailableError('down')),
      commit: async () => {},
      release: async () => {},
      close: async () => {},
    };
    expectError(await post(setup({}, { store: down }).app, '/submit', await submitBody()), 503, 'upstream_unavailable');
  });

  it('answers 500 with a generic message for an unexpected failure', async () => {
    const { app, writer } = setup();
    writer.failure = new Error('database said: Acme is bad');
    const response = await post(app, '/submit', await submitBody());
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: 'internal_error', message: expect.any(String) });
    expect(response.body).not.toContain('Acme');
  });
});

describe('check order', () => {
  it('reports the request shape before the session token', async () => {
    const { app, clock } = setup();
    const body = await submitBody({ role: 'admin' });
    clock.advance(3600);
    expectError(await post(app, '/submit', body), 400, 'invalid_request');
  });

  it('reports the session token before single use', async () => {
    const { app, clock } = setup();
    const body = await submitBody();
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
    clock.advance(906);
    expectError(await post(app, '/submit', body), 401, 'session_expired');
  });

  it('reports single use before skip_not_allowed', async () => {
    const { app } = setup({ form: testForm({ allow_skip: false }) });
    const body = await submitBody();
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
    expectError(await post(app, '/skip', body), 409, 'session_used');
  });

  it('reports single use before the values, and a 422 does not use T1 up', async () => {
    const { app } = setup();
    const body = await submitBody();
    expectError(await post(app, '/submit', { ...body, values: { company_name: '' } }), 422, 'invalid_fields');
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
    expectError(await post(app, '/submit', { ...body, values: { company_name: '' } }), 409, 'session_used');
  });
});

describe('headers', () => {
  it('sends Referrer-Policy no-referrer and nosniff on every answer', async () => {
    const { app } = setup({ rateLimit: 1 });
    const responses = [
      await app.inject('/healthz'),
      await app.inject('/form'),
      await app.inject({ url: '/form', headers: { 'if-none-match': '*' } }),
      await app.inject('/'),
      await app.inject('/progressive-profile.js'),
      await app.inject('/nothing-here'),
      await post(app, '/submit', await submitBody()),
      await post(app, '/submit', await submitBody()),
      await post(app, '/skip', 'x', { 'content-type': 'text/plain' }),
    ];
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 304, 200, 200, 404, 200, 429, 429]);
    for (const response of responses) {
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
  });
});

describe('CORS', () => {
  it('allows a configured origin', async () => {
    const response = await post(setup().app, '/submit', await submitBody(), { origin: 'https://app.example.com' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  it('answers a preflight from a configured origin', async () => {
    const response = await setup().app.inject({
      method: 'OPTIONS',
      url: '/submit',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(response.headers['access-control-allow-methods']).toContain('POST');
  });

  it('gives a foreign origin no CORS grant', async () => {
    const { app } = setup();
    const response = await post(app, '/submit', await submitBody(), { origin: 'https://evil.example' });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/submit',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('TRUST_PROXY', () => {
  it('rate-limits by the client address a trusted proxy reports', async () => {
    const { app } = setup({ rateLimit: 1, trustProxy: 1 });
    const body = { state: 's', session_token: 'x', values: {} };
    const from = (ip: string) => post(app, '/submit', body, { 'x-forwarded-for': ip });
    expect((await from('203.0.113.1')).statusCode).toBe(401);
    expect((await from('203.0.113.1')).statusCode).toBe(429);
    expect((await from('203.0.113.2')).statusCode).toBe(401);
  });

  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    const { app } = setup({ rateLimit: 1 });
    const body = { state: 's', session_token: 'x', values: {} };
    expect((await post(app, '/submit', body, { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(401);
    expect((await post(app, '/submit', body, { 'x-forwarded-for': '203.0.113.2' })).statusCode).toBe(429);
  });
});

describe('logging', () => {
  it('never logs a query string, a token, a submitted value or an upstream message', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const clock = frozenClock();
    const writer = new RecordingWriter();
    const app = buildApp(testConfig(), { clock, profileWriter: writer }, { logger: { level: 'debug', stream } });
    apps.push(app);
    const token = await mintSessionToken();
    await app.inject(`/?state=secret-state&session_token=${token}`);
    await post(app, '/submit', { state: 'secret-state', session_token: token, values: { company_name: 'SecretCorp', job_title: ' ' } });
    writer.failure = new RequestError('upstream_error', 'Upstream trouble.', { cause: new Error('body: SecretCorp') });
    await post(app, '/submit', await submitBody({ company_name: 'SecretCorp', job_title: 'CTO' }));
    writer.failure = new Error('SecretCorp exploded');
    await post(app, '/submit', await submitBody({ company_name: 'SecretCorp', job_title: 'CTO' }));
    const log = lines.join('');
    expect(log).toContain('"url":"/"');
    expect(log).toContain('"code":"invalid_fields"');
    expect(log).toContain('unexpected error');
    for (const secret of ['secret-state', 'session_token=', token.split('.')[1], 'SecretCorp', CONTINUE_SECRET]) {
      expect(log).not.toContain(secret);
    }
  });
});

describe('the plugin under a prefix in another app', () => {
  it('serves every route under the prefix and leaves the host app alone', async () => {
    const { default: Fastify } = await import('fastify');
    const { progressiveProfile } = await import('../../server/plugin.js');
    const host = Fastify();
    apps.push(host);
    host.post('/echo', async (request) => ({ body: request.body }));
    await host.register(progressiveProfile, {
      prefix: '/profile',
      config: testConfig(),
      deps: { clock: frozenClock(), profileWriter: new RecordingWriter(), widgetScript: WIDGET },
    });

    expect((await host.inject('/profile/healthz')).json()).toEqual({ status: 'ok' });
    expect((await host.inject('/profile/form')).statusCode).toBe(200);
    const page = await host.inject({ url: '/profile', headers: { host: 'site.example' } });
    expect(page.body).toContain('src="/profile/progressive-profile.js"');
    expect(page.body).toContain('endpoint="/profile"');
    expect((await host.inject('/profile/progressive-profile.js')).body).toBe(WIDGET);
    const submit = await post(host, '/profile/submit', await submitBody());
    expect(submit.statusCode).toBe(200);
    expect(decodeJwt(submit.json().session_token).sub).toBe('auth0|user-1');

    const missing = await host.inject('/profile/missing');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['referrer-policy']).toBe('no-referrer');
    const echo = await post(host, '/echo', 'plain words', { 'content-type': 'text/plain' });
    expect(echo.json()).toEqual({ body: 'plain words' });
    expect(echo.headers['referrer-policy']).toBeUndefined();
  });
});

describe('the plugin at the root of an app with its own 404 handler', () => {
  it('leaves the host app its handler', async () => {
    const { default: Fastify } = await import('fastify');
    const { progressiveProfile } = await import('../../server/plugin.js');
    const host = Fastify();
    apps.push(host);
    host.setNotFoundHandler((_request, reply) => reply.code(404).send('host 404'));
    await host.register(progressiveProfile, { config: testConfig(), deps: { clock: frozenClock(), profileWriter: new RecordingWriter() } });
    expect((await host.inject('/healthz')).statusCode).toBe(200);
    expect((await host.inject('/nothing')).body).toBe('host 404');
  });
});

describe('over real HTTP', () => {
  it('completes a submit through a listening server', async () => {
    const { app } = setup();
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${address}/submit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://app.example.com' },
      body: JSON.stringify(await submitBody()),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await response.json()).continue_url).toBe(`${TENANT.origin}/continue?state=state-1`);
  });
});
