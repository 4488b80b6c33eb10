// The emulated tenant's login side over real HTTP: /authorize, the login page, the redirect to
// the form, /continue by GET and POST, codes exchanged at /oauth/token, and its refusals.
import { randomBytes } from 'node:crypto';
import { jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../demo/emulator/emulator.js';
import { fileURLToPath } from 'node:url';
import { createActionRuntime, validateToken } from '../../demo/emulator/action-runtime.js';
import { createTransaction } from '../../demo/emulator/post-login.js';
import { UserStore } from '../../demo/emulator/user-store.js';
import { signHs256Jwt } from '../../demo/emulator/hs256-jwt.js';
import { DEMO_PASSWORD, createSeedUsers } from '../../demo/emulator/seed-users.js';
import { SECRETS, SESSION_SECRET, signContinueToken } from '../rule/support.js';

const CALLBACK = 'http://127.0.0.1:5173/callback';
const CLIENT = { clientId: 'demo-app', clientSecret: randomBytes(16).toString('hex'), callbacks: [CALLBACK] };
const FORM = 'http://127.0.0.1:3999/complete-profile?lang=en';

function authorizeUrl(origin: string, params: Record<string, string> = {}): string {
  const url = new URL('/authorize', origin);
  url.search = new URLSearchParams({
    client_id: CLIENT.clientId,
    redirect_uri: CALLBACK,
    response_type: 'code',
    state: 'app-state',
    ...params,
  }).toString();
  return url.toString();
}

function form(body: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
    redirect: 'manual',
  };
}

function locationOf(response: Response): URL {
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') as string);
}

function sessionCookieOf(response: Response): string {
  return (response.headers.get('set-cookie') as string).split(';')[0] as string;
}

/** Opens the login page and signs in as `email`; answers the /u/login response. */
async function logIn(emulator: Emulator, email: string, params: Record<string, string> = {}): Promise<Response> {
  const page = await fetch(authorizeUrl(emulator.origin, params), { redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  const login = /name="login" value="([^"]+)"/.exec(html)?.[1] as string;
  return fetch(new URL('/u/login', emulator.origin), form({ login, email, password: DEMO_PASSWORD }));
}

async function exchangeCode(emulator: Emulator, code: string) {
  const response = await fetch(new URL('/oauth/token', emulator.origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'authorization_code',
      code,
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      redirect_uri: CALLBACK,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe.each(['action', 'rule'] as const)('the emulated tenant running the %s', (mode) => {
  let emulator: Emulator;

  // A fresh tenant (fresh seeded users) for each test.
  beforeEach(async () => {
    emulator = createEmulator({ mode, secrets: { ...SECRETS, PROFILE_FORM_URL: FORM }, clients: [CLIENT] });
    await emulator.listen();
  });
  afterEach(() => emulator.close());

  it('sends an incomplete user to the form with state and session_token, then completes at /continue (POST)', async () => {
    const login = await logIn(emulator, 'grace@example.com');
    const target = locationOf(login);
    expect(`${target.origin}${target.pathname}`).toBe('http://127.0.0.1:3999/complete-profile');
    expect(target.searchParams.get('lang')).toBe('en');
    const state = target.searchParams.get('state') as string;
    expect(state.length).toBeGreaterThanOrEqual(32);
    const t1 = target.searchParams.get('session_token') as string;
    const { payload } = await jwtVerify(t1, new TextEncoder().encode(SESSION_SECRET), { issuer: emulator.host, subject: 'auth0|grace' });
    expect(payload.fields).toEqual(['company_name', 'job_title']);

    const t2 = await signContinueToken({
      sub: payload.sub,
      state,
      profile: { user_metadata: { company_name: 'Navy', job_title: 'Rear Admiral' } },
    });
    const resumed = await fetch(new URL(`/continue?state=${encodeURIComponent(state)}`, emulator.origin), form({ session_token: t2 }));
    const callback = locationOf(resumed);
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe('app-state');
    const code = callback.searchParams.get('code') as string;

    const tokens = await exchangeCode(emulator, code);
    expect(tokens.status).toBe(200);
    expect(tokens.body.profile).toMatchObject({
      user_id: 'auth0|grace',
      email: 'grace@example.com',
      user_metadata: { company_name: 'Navy', job_title: 'Rear Admiral' },
    });
    const idToken = await jwtVerify(tokens.body.id_token, new TextEncoder().encode(CLIENT.clientSecret), {
      issuer: `${emulator.origin}/`,
      audience: CLIENT.clientId,
    });
    expect(idToken.payload.sub).toBe('auth0|grace');
    expect((await exchangeCode(emulator, code)).body.error).toBe('invalid_grant');
  });

  it('completes at /continue reached by GET with the token in the query', async () => {
    const target = locationOf(await logIn(emulator, 'alan@example.com'));
    const state = target.searchParams.get('state') as string;
    const t2 = await signContinueToken({ sub: 'auth0|alan', state, profile: { user_metadata: { job_title: 'Mathematician' } } });
    const url = new URL('/continue', emulator.origin);
    url.search = new URLSearchParams({ state, session_token: t2 }).toString();
    const callback = locationOf(await fetch(url, { redirect: 'manual' }));
    const tokens = await exchangeCode(emulator, callback.searchParams.get('code') as string);
    expect(tokens.body.profile.user_metadata).toEqual({ company_name: 'Bletchley Park', job_title: 'Mathematician' });
  });

  it('ends the login with access_denied at the callback when the continue token is refused', async () => {
    const target = locationOf(await logIn(emulator, 'grace@example.com'));
    const state = target.searchParams.get('state') as string;
    const t2 = await signContinueToken({ sub: 'auth0|linus', state });
    const callback = locationOf(await fetch(new URL(`/continue?state=${state}`, emulator.origin), form({ session_token: t2 })));
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBeTruthy();
    expect(callback.searchParams.get('state')).toBe('app-state');
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('sends a complete user straight to the callback', async () => {
    const callback = locationOf(await logIn(emulator, 'linus@example.com'));
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  it('never redirects a prompt=none request: login_required without a session, the callback with one', async () => {
    const silent = locationOf(await fetch(authorizeUrl(emulator.origin, { prompt: 'none' }), { redirect: 'manual' }));
    expect(silent.searchParams.get('error')).toBe('login_required');
    expect(silent.searchParams.get('state')).toBe('app-state');

    // Grace's profile is incomplete and her count is reached, yet silent auth passes through.
    const graceLogin = await logIn(emulator, 'grace@example.com');
    expect(locationOf(graceLogin).origin).toBe('http://127.0.0.1:3999');
    const graceSilent = await fetch(authorizeUrl(emulator.origin, { prompt: 'none' }), {
      redirect: 'manual',
      headers: { cookie: sessionCookieOf(graceLogin) },
    });
    const callback = locationOf(graceSilent);
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  it('answers 400 invalid_request for an unknown or reused /continue state', async () => {
    const unknown = await fetch(new URL('/continue?state=not-a-state', emulator.origin), { redirect: 'manual' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('invalid_request');
    const missing = await fetch(new URL('/continue', emulator.origin), form({}));
    expect(missing.status).toBe(400);

    const target = locationOf(await logIn(emulator, 'grace@example.com'));
    const state = target.searchParams.get('state') as string;
    const t2 = await signContinueToken({ sub: 'auth0|grace', state });
    expect(locationOf(await fetch(new URL(`/continue?state=${state}`, emulator.origin), form({ session_token: t2 }))).pathname).toBe('/callback');
    const replay = await fetch(new URL(`/continue?state=${state}`, emulator.origin), form({ session_token: t2 }));
    expect(replay.status).toBe(400);
  });

  it('refuses an unregistered redirect_uri without redirecting anywhere', async () => {
    for (const redirectUri of ['http://127.0.0.1:5173/other', 'https://evil.example/callback', `${CALLBACK}/`]) {
      const response = await fetch(authorizeUrl(emulator.origin, { redirect_uri: redirectUri }), { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    }
    const unknownClient = await fetch(authorizeUrl(emulator.origin, { client_id: 'nobody' }), { redirect: 'manual' });
    expect(unknownClient.status).toBe(400);
  });

  it('refuses a wrong password with the login page again', async () => {
    const page = await (await fetch(authorizeUrl(emulator.origin), { redirect: 'manual' })).text();
    const login = /name="login" value="([^"]+)"/.exec(page)?.[1] as string;
    const response = await fetch(new URL('/u/login', emulator.origin), form({ login, email: 'grace@example.com', password: 'wrong' }));
    expect(response.status).toBe(401);
    expect(await response.text()).toContain('role="alert"');
  });

  it('passes a password grant through the extension untouched', async () => {
    const response = await fetch(new URL('/oauth/token', emulator.origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'password',
        username: 'ada@example.com',
        password: DEMO_PASSWORD,
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, any>;
    expect(body.profile.user_id).toBe('auth0|ada');
    expect(body.profile.user_metadata).toEqual({});
  });
});

describe('createEmulator', () => {
  it('refuses a callback that is not on this machine', () => {
    expect(() =>
      createEmulator({ secrets: SECRETS, clients: [{ clientId: 'x', callbacks: ['https://app.example.com/callback'] }] }),
    ).toThrow(TypeError);
  });
});

describe("the emulator's Action runtime", () => {
  it('fails the login like Auth0 when a handler throws, without writing or echoing the error', async () => {
    const users = new UserStore(createSeedUsers());
    const runtime = createActionRuntime({
      users,
      secrets: {},
      actionPath: fileURLToPath(new URL('./fixtures/throwing-action.cjs', import.meta.url)),
    });
    const transaction = createTransaction({
      userId: 'auth0|grace',
      clientId: CLIENT.clientId,
      protocol: 'oidc-basic-profile',
      state: 'S',
      request: { hostname: 'tenant', ip: '127.0.0.1', query: {}, body: {} },
    });
    const outcome = await runtime.execute(transaction);
    expect(outcome).toMatchObject({ kind: 'failed', error: 'access_denied' });
    expect(JSON.stringify(outcome)).not.toContain('SECRET-IN-ERROR');
    expect(users.get('auth0|grace')!.user_metadata).toEqual({});
  });
});

describe("the emulator's validateToken", () => {
  const secret = randomBytes(32).toString('hex');
  const request = (token: string) => ({ hostname: 't', ip: '127.0.0.1', query: { state: 'S' }, body: { session_token: token } });
  const now = 1_800_000_000_000;
  const claims = { sub: 'auth0|u', iss: 'progressive-profile', iat: now / 1000, exp: now / 1000 + 60, state: 'S' };

  it.each([
    ['a token for another state', { ...claims, state: 'T' }, secret, 'State in the token does not match the /continue state.'],
    ['another secret', claims, randomBytes(32).toString('hex'), 'Failed signature validation'],
    ['a missing iat', { ...claims, iat: undefined }, secret, 'Missing or invalid standard claims'],
    ['another sub', { ...claims, sub: 'auth0|v' }, secret, 'The sub claim does not match the user_id.'],
    ['an expired token', { ...claims, exp: now / 1000 - 1 }, secret, 'Token has expired.'],
  ])('refuses %s with the text Auth0 shows', (_name, tokenClaims, signingSecret, message) => {
    const token = signHs256Jwt(JSON.parse(JSON.stringify(tokenClaims)), signingSecret);
    expect(() => validateToken({ secret }, 'S', request(token), 'auth0|u', now)).toThrow(`The session token is invalid: ${message}`);
  });

  it('returns every claim of a valid token', () => {
    const token = signHs256Jwt({ ...claims, profile: { a: 1 } }, secret);
    expect(validateToken({ secret }, 'S', request(token), 'auth0|u', now)).toEqual({ ...claims, profile: { a: 1 } });
  });
});
