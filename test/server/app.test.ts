import { afterEach, describe, expect, it } from 'vitest';
import { RequestError } from '../../server/http/errors.js';
import { createMemoryStore } from '../../server/store/memory.js';
import { StoreUnavailableError, type SingleUseStore } from '../../server/store/single-use.js';
import { closeApps, expectError, post, setup, submitBody, VALUES } from './support/app.js';
import { frozenClock, mintSessionToken, TENANT, testForm } from './support/fixtures.js';

afterEach(closeApps);

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

  it('answers 422 taken for a unique value another user holds, checking only non-empty values, trimmed and lower-cased', async () => {
    const form = testForm({
      fields: [
        { id: 'badge', label: 'Badge', type: 'text', unique: true, maxLength: 20 },
        { id: 'email2', label: 'Email', type: 'email', unique: true },
      ] as never,
    });
    const { app, writer } = setup({ form });
    writer.taken.add('badge=b-7');
    const response = await post(app, '/submit', await submitBody({ badge: ' B-7 ', email2: '' }));
    expectError(response, 422, 'invalid_fields');
    expect(response.json().fields).toEqual({ badge: 'taken' });
    expect(writer.lookups).toEqual([{ userId: 'auth0|user-1', target: 'user_metadata', fieldId: 'badge', value: 'b-7' }]);
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
    const unavailable = async () => Promise.reject(new StoreUnavailableError('down'));
    const down: SingleUseStore = {
      reserve: unavailable,
      commit: unavailable,
      release: unavailable,
      releaseRefused: unavailable,
      hold: unavailable,
      unhold: unavailable,
      holderOf: unavailable,
      ping: unavailable,
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
      await app.inject('/hosted-page.css'),
      await app.inject('/progressive-profile.js'),
      await app.inject('/nothing-here'),
      await post(app, '/submit', await submitBody()),
      await post(app, '/submit', await submitBody()),
      await post(app, '/skip', 'x', { 'content-type': 'text/plain' }),
    ];
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 304, 200, 200, 200, 404, 200, 429, 429]);
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

  it('grants no origin and answers a preflight 404 when ALLOWED_ORIGINS is empty', async () => {
    const { app } = setup({ allowedOrigins: [] });
    const response = await post(app, '/submit', await submitBody(), { origin: 'https://app.example.com' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/submit',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expectError(preflight, 404, 'not_found');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['x-content-type-options']).toBe('nosniff');
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
