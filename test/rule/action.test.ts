// The post-login Action (rule/action.js, the real file) run by the emulator's Action runtime:
// the revision-1 behaviour, the secrets, and the checks on /continue. Who is asked and when:
// action-who-is-asked.test.ts; what is written and logged: action-writes.test.ts.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { ACTION_PATH, createActionRuntime } from '../../demo/emulator/action-runtime.js';
import { applyPendingMetadata, settlePendingMetadata } from '../../demo/emulator/post-login.js';
import { useActionHarness } from './action-harness.js';
import { BAD_SECRETS, FORM_URL, SECRETS, SESSION_SECRET, TENANT_HOST, newTransaction, signContinueToken } from './support.js';

const action = createRequire(import.meta.url)(ACTION_PATH) as {
  maskEmail(email: unknown): string | undefined;
  readSettings(secrets: Record<string, string>): { settings?: unknown; problem?: string };
};

const h = useActionHarness();
const { logIn, redirectTarget, runtimeWith } = h;
const resumeWith = h.resume;

describe('onExecutePostLogin', () => {
  it('redirects a user with missing fields to the form once the login count is reached, with state and session_token', async () => {
    const { transaction, outcome } = await logIn('auth0|grace');
    const target = redirectTarget(outcome);
    const form = new URL(FORM_URL);
    expect(target.origin + target.pathname).toBe(form.origin + form.pathname);
    expect(target.searchParams.get('lang')).toBe('en');
    expect(target.searchParams.get('state')).toBe(transaction.state);
    expect(target.searchParams.get('session_token')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('signs a session token (T1) with the missing fields, a random jti, the masked email and a 10-minute life', async () => {
    const { outcome } = await logIn('auth0|grace');
    const token = redirectTarget(outcome).searchParams.get('session_token') as string;
    const { payload } = await jwtVerify(token, new TextEncoder().encode(SESSION_SECRET), {
      algorithms: ['HS256'],
      issuer: TENANT_HOST,
      subject: 'auth0|grace',
      currentDate: new Date(h.clock),
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload.fields).toEqual(['company_name', 'job_title']);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.email_hint).toBe('g***@example.com');
    expect(payload.ip).toBe('203.0.113.7');
    expect((payload.exp as number) - (payload.iat as number)).toBe(600);
    expect(payload).not.toHaveProperty('state');
  });

  it('gives each session token its own jti', async () => {
    const first = redirectTarget((await logIn('auth0|grace')).outcome).searchParams.get('session_token') as string;
    const second = redirectTarget((await logIn('auth0|grace')).outcome).searchParams.get('session_token') as string;
    const jti = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).jti;
    expect(jti(first)).not.toBe(jti(second));
  });

  it('asks only for the required fields the user lacks', async () => {
    const { outcome } = await logIn('auth0|alan');
    const token = redirectTarget(outcome).searchParams.get('session_token') as string;
    const { payload } = await jwtVerify(token, new TextEncoder().encode(SESSION_SECRET), { currentDate: new Date(h.clock) });
    expect(payload.fields).toEqual(['job_title']);
  });

  it('counts blank text, null and an unticked required checkbox as missing', async () => {
    h.users.patch('auth0|linus', { user_metadata: { company_name: '   ', job_title: null }, app_metadata: { terms: false } });
    const { outcome } = await logIn('auth0|linus', {
      secrets: { ...SECRETS, PROFILE_FIELDS: 'company_name,job_title,app_metadata:terms' },
    });
    const token = redirectTarget(outcome).searchParams.get('session_token') as string;
    const { payload } = await jwtVerify(token, new TextEncoder().encode(SESSION_SECRET), { currentDate: new Date(h.clock) });
    expect(payload.fields).toEqual(['company_name', 'job_title', 'terms']);
  });

  it('does not redirect on the first login (PROFILE_LOGIN_COUNT defaults to 2)', async () => {
    const { outcome } = await logIn('auth0|ada');
    expect(outcome).toEqual({ kind: 'complete' });
    expect((await logIn('auth0|ada')).outcome.kind).toBe('redirect');
  });

  it('follows PROFILE_LOGIN_COUNT', async () => {
    const secrets = { ...SECRETS, PROFILE_LOGIN_COUNT: '5' };
    expect((await logIn('auth0|grace', { secrets })).outcome).toEqual({ kind: 'complete' });
    expect((await logIn('auth0|grace', { secrets })).outcome.kind).toBe('redirect');
  });

  it('does not redirect a user whose profile is complete', async () => {
    expect((await logIn('auth0|linus')).outcome).toEqual({ kind: 'complete' });
  });

  it('does not redirect a snoozed user until the snooze is over', async () => {
    expect((await logIn('auth0|margaret')).outcome).toEqual({ kind: 'complete' });
    h.users.patch('auth0|margaret', { app_metadata: { progressive_profile_snoozed_until: new Date(Date.now() - 1000).toISOString() } });
    expect((await logIn('auth0|margaret')).outcome.kind).toBe('redirect');
  });

  it.each([
    ['silent authentication (prompt=none)', { prompt: 'none' }],
    ['a refresh-token exchange', { protocol: 'oauth2-refresh-token' }],
    ['a password grant', { protocol: 'oauth2-password' }],
    ['a resource-owner grant', { protocol: 'oauth2-resource-owner' }],
  ])('lets %s through untouched: canRedirect() is false', async (_name, options) => {
    const { transaction, outcome } = await logIn('auth0|grace', options);
    expect(outcome).toEqual({ kind: 'complete' });
    expect(transaction.pendingMetadata).toEqual({ user_metadata: {}, app_metadata: {} });
  });

  it.each(BAD_SECRETS)('lets the login through and logs one line when %s', async (_name, change, problem) => {
    const secrets = { ...SECRETS, ...change };
    const { outcome } = await logIn('auth0|grace', { secrets });
    expect(outcome).toEqual({ kind: 'complete' });
    expect(h.logLines()).toEqual([`progressive-profile: not prompting: ${problem}.`]);
    const line = h.logLines()[0] as string;
    for (const value of Object.values(change)) if (value.length > 8) expect(line).not.toContain(value);
  });

  it('accepts an http form URL on this machine', async () => {
    const { outcome } = await logIn('auth0|grace', { secrets: { ...SECRETS, PROFILE_FORM_URL: 'http://127.0.0.1:3000/' } });
    expect(redirectTarget(outcome).origin).toBe('http://127.0.0.1:3000');
  });

  it('leaves email_hint out when the user has no email address', async () => {
    const grace = h.users.get('auth0|grace');
    h.users.put({ ...grace!, email: '' });
    const { outcome } = await logIn('auth0|grace');
    const token = redirectTarget(outcome).searchParams.get('session_token') as string;
    const { payload } = await jwtVerify(token, new TextEncoder().encode(SESSION_SECRET), { currentDate: new Date(h.clock) });
    expect(payload).not.toHaveProperty('email_hint');
  });

  it('masks an email as its first character, three stars and the domain', () => {
    expect(action.maskEmail('ada@example.com')).toBe('a***@example.com');
    expect(action.maskEmail('émile.zola@lettres.fr')).toBe('é***@lettres.fr');
    expect(action.maskEmail('a"b@c"@example.com')).toBe('a***@example.com');
    expect(action.maskEmail('@example.com')).toBeUndefined();
    expect(action.maskEmail('nobody')).toBeUndefined();
    expect(action.maskEmail(undefined)).toBeUndefined();
  });
});

describe('onContinuePostLogin', () => {
  async function suspendedLogin(userId = 'auth0|grace', secrets: Record<string, string> = SECRETS) {
    const { runtime, transaction, outcome } = await logIn(userId, { secrets });
    expect(outcome.kind).toBe('redirect');
    return { runtime, transaction };
  }

  it('completes the login and writes listed fields only, each into the metadata its prefix names', async () => {
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken({
      sub: 'auth0|grace',
      state: transaction.state,
      profile: {
        user_metadata: { company_name: 'Navy', job_title: 'Rear Admiral', phone: '+1 555 0100', plan: 'free', nickname: 'Amazing' },
        app_metadata: { plan: 'pro', roles: ['admin'], company_name: 'Elsewhere' },
      },
    });
    expect(await resumeWith(runtime, transaction, token)).toEqual({ kind: 'complete' });
    expect(transaction.pendingMetadata).toEqual({
      user_metadata: { company_name: 'Navy', job_title: 'Rear Admiral', phone: '+1 555 0100' },
      app_metadata: { plan: 'pro' },
    });
    applyPendingMetadata(h.users, transaction);
    const grace = h.users.get('auth0|grace')!;
    expect(grace.user_metadata).toEqual({ company_name: 'Navy', job_title: 'Rear Admiral', phone: '+1 555 0100' });
    expect(grace.app_metadata).toEqual({ plan: 'pro' });
    expect(grace.app_metadata).not.toHaveProperty('roles');
  });

  it('never writes app_metadata.roles, even when the profile claim names it under every target', async () => {
    const { runtime, transaction } = await suspendedLogin('auth0|grace', {
      ...SECRETS,
      PROFILE_OPTIONAL_FIELDS: 'phone',
    });
    const token = await signContinueToken({
      sub: 'auth0|grace',
      state: transaction.state,
      profile: { user_metadata: { company_name: 'Navy', roles: ['admin'] }, app_metadata: { roles: ['admin'] }, roles: ['admin'] },
    });
    expect(await resumeWith(runtime, transaction, token)).toEqual({ kind: 'complete' });
    expect(transaction.pendingMetadata).toEqual({ user_metadata: { company_name: 'Navy' }, app_metadata: {} });
  });

  it('drops values that are not a string, a finite number, a boolean, a list of strings or a consent record', async () => {
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken({
      sub: 'auth0|grace',
      state: transaction.state,
      profile: { user_metadata: { company_name: { nested: 'x' }, job_title: ['a', 'b'], phone: null }, app_metadata: { plan: 3 } },
    });
    expect(await resumeWith(runtime, transaction, token)).toEqual({ kind: 'complete' });
    expect(transaction.pendingMetadata).toEqual({ user_metadata: { job_title: ['a', 'b'] }, app_metadata: { plan: 3 } });
  });

  it('writes nothing when the token carries no profile (the server wrote through the Management API)', async () => {
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state });
    expect(await resumeWith(runtime, transaction, token)).toEqual({ kind: 'complete' });
    expect(transaction.pendingMetadata).toEqual({ user_metadata: {}, app_metadata: {} });
  });

  it('records a skip as a snooze of PROFILE_SNOOZE_DAYS, as an ISO 8601 time', async () => {
    const { runtime, transaction } = await suspendedLogin('auth0|grace', { ...SECRETS, PROFILE_SNOOZE_DAYS: '3' });
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state, skipped: true });
    const before = Date.now();
    expect(await resumeWith(runtime, transaction, token)).toEqual({ kind: 'complete' });
    const until = transaction.pendingMetadata.app_metadata.progressive_profile_snoozed_until as string;
    expect(until).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const threeDays = 3 * 24 * 60 * 60 * 1000;
    expect(Date.parse(until)).toBeGreaterThanOrEqual(before + threeDays);
    expect(Date.parse(until)).toBeLessThanOrEqual(Date.now() + threeDays);
    expect(transaction.pendingMetadata).toEqual({
      user_metadata: {},
      app_metadata: {
        progressive_profile_snoozed_until: until,
        progressive_profile_snoozed_fields: ['company_name', 'job_title'],
        progressive_profile_skips: 1,
      },
    });
  });

  it('verifies with SESSION_TOKEN_SECRET when CONTINUE_TOKEN_SECRET is unset', async () => {
    const { CONTINUE_TOKEN_SECRET: _unset, ...secrets } = SECRETS;
    const { runtime, transaction } = await suspendedLogin('auth0|grace', secrets);
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state }, { secret: SESSION_SECRET });
    expect(await resumeWith(runtime, transaction, token)).toEqual({ kind: 'complete' });
  });

  const DENIED = {
    kind: 'failed',
    error: 'access_denied',
    description: 'The profile form returned an invalid or expired token. Please sign in again.',
    isDenied: true,
  };

  it('denies the login when the token is signed with another secret', async () => {
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state }, { secret: SESSION_SECRET });
    expect(await resumeWith(runtime, transaction, token)).toEqual(DENIED);
    expect(transaction.pendingMetadata).toEqual({ user_metadata: {}, app_metadata: {} });
  });

  it('denies the login when the token was made for another /continue state', async () => {
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken({ sub: 'auth0|grace', state: 'another-state', profile: { user_metadata: { company_name: 'X' } } });
    expect(await resumeWith(runtime, transaction, token)).toEqual(DENIED);
    expect(transaction.pendingMetadata.user_metadata).toEqual({});
  });

  it('denies the login when the token has expired', async () => {
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state }, { iat: Math.floor(h.clock / 1000), lifetime: 120 });
    h.clock += 121_000;
    expect(await resumeWith(runtime, transaction, token)).toEqual(DENIED);
  });

  it('denies the login when the token header has no typ', async () => {
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state }, { header: { alg: 'HS256' } });
    expect(await resumeWith(runtime, transaction, token)).toEqual(DENIED);
  });

  it('denies the login when the token is for another user', async () => {
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken({ sub: 'auth0|linus', state: transaction.state });
    expect(await resumeWith(runtime, transaction, token)).toEqual(DENIED);
  });

  it('denies the login when no token comes back', async () => {
    const { runtime, transaction } = await suspendedLogin();
    expect(await resumeWith(runtime, transaction, undefined)).toEqual(DENIED);
  });

  it('denies the login when the token was issued by anyone but progressive-profile', async () => {
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state, iss: 'someone-else' });
    expect(await resumeWith(runtime, transaction, token)).toEqual({
      kind: 'failed',
      error: 'access_denied',
      description: 'The profile form returned a token from an unexpected issuer.',
      isDenied: true,
    });
  });

  it('denies the login when its own session token (T1) comes back as the continue token', async () => {
    const secrets = { ...SECRETS, CONTINUE_TOKEN_SECRET: SESSION_SECRET };
    const { runtime, transaction, outcome } = await logIn('auth0|grace', { secrets });
    const t1 = redirectTarget(outcome).searchParams.get('session_token') as string;
    expect(await resumeWith(runtime, transaction, t1)).toMatchObject({ kind: 'failed', error: 'access_denied' });
    expect(transaction.pendingMetadata).toEqual({ user_metadata: {}, app_metadata: {} });
  });

  it('denies a T1-shaped token (issued by the tenant) even with the right state and secret', async () => {
    const secrets = { ...SECRETS, CONTINUE_TOKEN_SECRET: SESSION_SECRET };
    const { runtime, transaction } = await suspendedLogin('auth0|grace', secrets);
    const token = await signContinueToken(
      { sub: 'auth0|grace', state: transaction.state, iss: TENANT_HOST, profile: { user_metadata: { company_name: 'X' } } },
      { secret: SESSION_SECRET },
    );
    expect(await resumeWith(runtime, transaction, token)).toEqual({
      kind: 'failed',
      error: 'access_denied',
      description: 'The profile form returned a token from an unexpected issuer.',
      isDenied: true,
    });
    expect(transaction.pendingMetadata.user_metadata).toEqual({});
  });

  it('lets the login through without writing when the secrets broke after the redirect', async () => {
    const { transaction } = await suspendedLogin();
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state, profile: { user_metadata: { company_name: 'X' } } });
    const broken = runtimeWith({ ...SECRETS, SESSION_TOKEN_SECRET: '' });
    expect(await resumeWith(broken, transaction, token)).toEqual({ kind: 'complete' });
    expect(transaction.pendingMetadata.user_metadata).toEqual({});
    expect(h.logLines().filter((line) => line.includes(' continue '))).toHaveLength(1);
  });
});

describe("the emulator's post-login event", () => {
  const CAPTURE = fileURLToPath(new URL('./fixtures/capture-event.cjs', import.meta.url));

  async function capturedEvent(userId: string, options: Parameters<typeof newTransaction>[1] = {}) {
    const runtime = createActionRuntime({ users: h.users, secrets: {}, actionPath: CAPTURE, now: () => h.clock });
    expect(await runtime.execute(newTransaction(userId, options))).toEqual({ kind: 'complete' });
    return (globalThis as { __capturedPostLoginEvent?: Record<string, any> }).__capturedPostLoginEvent as Record<string, any>;
  }

  it('lists ui_locales as an array, the browser language as request.language, and the client id', async () => {
    const event = await capturedEvent('auth0|grace', { uiLocales: 'es-MX  en', language: 'fr-CA', clientId: 'crm' });
    expect(event.transaction.ui_locales).toEqual(['es-MX', 'en']);
    expect(event.request.language).toBe('fr-CA');
    expect(event.client.client_id).toBe('crm');
  });

  it('gives an empty ui_locales and no language when the login named none', async () => {
    const event = await capturedEvent('auth0|grace');
    expect(event.transaction.ui_locales).toEqual([]);
    expect(event.request).not.toHaveProperty('language');
  });

  it('gives a seeded user email_verified true and one database identity named by its user_id', async () => {
    const event = await capturedEvent('auth0|grace');
    expect(event.user.email_verified).toBe(true);
    expect(event.user.identities).toEqual([
      { connection: 'Username-Password-Authentication', provider: 'auth0', user_id: 'grace', isSocial: false },
    ]);
    expect(event.user).not.toHaveProperty('username');
    expect(event.connection).toEqual({ name: 'Username-Password-Authentication', strategy: 'auth0' });
  });

  it('marks a deny as a deny, so the metadata set before it is kept as Auth0 keeps it', async () => {
    const runtime = createActionRuntime({
      users: h.users,
      secrets: {},
      actionPath: fileURLToPath(new URL('./fixtures/set-then-deny.cjs', import.meta.url)),
      now: () => h.clock,
    });
    const transaction = newTransaction('auth0|grace');
    const outcome = await runtime.execute(transaction);
    expect(outcome).toEqual({ kind: 'failed', error: 'access_denied', description: 'No entry today.', isDenied: true });
    settlePendingMetadata(h.users, transaction, outcome);
    expect(h.users.get('auth0|grace')?.app_metadata).toMatchObject({ seen_before_deny: true });
  });

  it('never shows an identity’s password to the Action', async () => {
    const event = await capturedEvent('auth0|grace');
    expect(JSON.stringify(event)).not.toContain('demo-password');
  });

  it("passes a user's own identities, email_verified and username on as they are", async () => {
    const identities = [
      { connection: 'github', provider: 'github', user_id: '4242', isSocial: true },
      { connection: 'Username-Password-Authentication', provider: 'auth0', user_id: 'abc', isSocial: false },
    ];
    const grace = h.users.get('auth0|grace')!;
    h.users.put({ ...grace, user_id: 'github|4242', email_verified: false, username: 'grace', identities });
    const event = await capturedEvent('github|4242');
    expect(event.user).toMatchObject({ user_id: 'github|4242', email_verified: false, username: 'grace', identities });
    expect(event.connection).toEqual({ name: 'github', strategy: 'github' });
  });
});
