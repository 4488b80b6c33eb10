// The legacy Rule (rule/rule.js, the real file) run by the emulator's Rule runtime.
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { PostLoginOutcome, PostLoginTransaction } from '../../demo/emulator/post-login.js';
import { createRuleRuntime } from '../../demo/emulator/rule-runtime.js';
import { createSeedUsers } from '../../demo/emulator/seed-users.js';
import { UserStore } from '../../demo/emulator/user-store.js';
import {
  CONTINUE_SECRET,
  SECRETS,
  SESSION_SECRET,
  TENANT_HOST,
  continueRequest,
  newTransaction,
  signContinueToken,
} from './support.js';

let users: UserStore;
let logs: MockInstance<typeof console.log>;

beforeEach(() => {
  users = new UserStore(createSeedUsers());
  logs = vi.spyOn(console, 'log').mockImplementation(() => undefined);
});

afterEach(() => {
  for (const [line] of logs.mock.calls) {
    expect(String(line)).not.toContain(SESSION_SECRET);
    expect(String(line)).not.toContain(CONTINUE_SECRET);
  }
  logs.mockRestore();
});

async function logIn(userId: string, options: { protocol?: string; prompt?: string; configuration?: Record<string, string> } = {}) {
  users.recordLogin(userId);
  const runtime = createRuleRuntime({ users, configuration: options.configuration ?? SECRETS });
  const transaction = newTransaction(userId, options);
  return { runtime, transaction, outcome: await runtime.execute(transaction) };
}

function sessionTokenOf(outcome: PostLoginOutcome): string {
  expect(outcome.kind).toBe('redirect');
  return new URL((outcome as { url: string }).url).searchParams.get('session_token') as string;
}

async function suspendedLogin(configuration: Record<string, string> = SECRETS) {
  const { runtime, transaction, outcome } = await logIn('auth0|grace', { configuration });
  expect(outcome.kind).toBe('redirect');
  return { runtime, transaction };
}

function resume(runtime: ReturnType<typeof createRuleRuntime>, transaction: PostLoginTransaction, token?: string) {
  return runtime.resume(transaction, continueRequest(transaction.state, token));
}

describe('the Rule on login', () => {
  it('sets context.redirect to the form with session_token added to its own query, and Auth0 appends state', async () => {
    const { transaction, outcome } = await logIn('auth0|grace');
    expect(outcome.kind).toBe('redirect');
    const target = new URL((outcome as { url: string }).url);
    expect(`${target.origin}${target.pathname}`).toBe('https://app.example.com/complete-profile');
    expect(target.searchParams.get('lang')).toBe('en');
    expect(target.searchParams.get('state')).toBe(transaction.state);
    expect(target.searchParams.getAll('session_token')).toHaveLength(1);
  });

  it('signs the same session token claims as the Action', async () => {
    const { outcome } = await logIn('auth0|alan');
    const token = sessionTokenOf(outcome);
    const { payload } = await jwtVerify(token, new TextEncoder().encode(SESSION_SECRET), {
      algorithms: ['HS256'],
      issuer: TENANT_HOST,
      subject: 'auth0|alan',
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload.fields).toEqual(['job_title']);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.email_hint).toBe('a***@example.com');
    expect((payload.exp as number) - (payload.iat as number)).toBe(600);
  });

  it('does not redirect on the first login', async () => {
    expect((await logIn('auth0|ada')).outcome).toEqual({ kind: 'complete' });
  });

  it('does not redirect a user whose profile is complete', async () => {
    expect((await logIn('auth0|linus')).outcome).toEqual({ kind: 'complete' });
  });

  it('does not redirect a snoozed user', async () => {
    expect((await logIn('auth0|margaret')).outcome).toEqual({ kind: 'complete' });
  });

  it.each([
    ['silent authentication (prompt=none)', { prompt: 'none' }],
    ['a refresh-token exchange', { protocol: 'oauth2-refresh-token' }],
    ['a password grant', { protocol: 'oauth2-password' }],
  ])('lets %s through untouched', async (_name, options) => {
    expect((await logIn('auth0|grace', options)).outcome).toEqual({ kind: 'complete' });
  });

  it('lets the login through and logs one line when misconfigured', async () => {
    const { outcome } = await logIn('auth0|grace', { configuration: { ...SECRETS, SESSION_TOKEN_SECRET: 'too-short' } });
    expect(outcome).toEqual({ kind: 'complete' });
    expect(logs).toHaveBeenCalledTimes(1);
    expect(String(logs.mock.calls[0]?.[0])).toContain('SESSION_TOKEN_SECRET is shorter than 32 bytes');
    expect(String(logs.mock.calls[0]?.[0])).not.toContain('too-short');
  });
});

describe('the Rule on the redirect-callback pass', () => {
  it('writes the listed fields with the restricted client, merged with what the user had', async () => {
    users.patch('auth0|grace', { user_metadata: { theme: 'dark' }, app_metadata: { roles: ['reader'] } });
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken({
      sub: 'auth0|grace',
      state: transaction.state,
      profile: {
        user_metadata: { company_name: 'Navy', job_title: 'Rear Admiral', nickname: 'Amazing' },
        app_metadata: { plan: 'pro', roles: ['admin'] },
      },
    });
    expect(await resume(runtime, transaction, token)).toEqual({ kind: 'complete' });
    const grace = users.get('auth0|grace')!;
    expect(grace.user_metadata).toEqual({ theme: 'dark', company_name: 'Navy', job_title: 'Rear Admiral' });
    expect(grace.app_metadata).toEqual({ roles: ['reader'], plan: 'pro' });
  });

  it('reads the token from the query when it was not POSTed', async () => {
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state, profile: { user_metadata: { company_name: 'Navy' } } });
    const request = { ...continueRequest(transaction.state), query: { state: transaction.state, session_token: token } };
    expect(await runtime.resume(transaction, request)).toEqual({ kind: 'complete' });
    expect(users.get('auth0|grace')!.user_metadata).toEqual({ company_name: 'Navy' });
  });

  it('writes nothing when the token carries no profile', async () => {
    const before = users.get('auth0|grace')!;
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state });
    expect(await resume(runtime, transaction, token)).toEqual({ kind: 'complete' });
    const after = users.get('auth0|grace')!;
    expect(after.user_metadata).toEqual(before.user_metadata);
    expect(after.updated_at).toBe(before.updated_at);
  });

  it('records a skip as a snooze', async () => {
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state, skipped: true });
    expect(await resume(runtime, transaction, token)).toEqual({ kind: 'complete' });
    const until = Date.parse(users.get('auth0|grace')!.app_metadata.progressive_profile_snoozed_until as string);
    expect(until).toBeGreaterThan(Date.now() + 6.9 * 24 * 3600 * 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 7 * 24 * 3600 * 1000);
  });

  it('lets the pass through when another rule made the redirect (no session_token)', async () => {
    const { runtime, transaction } = await suspendedLogin();
    expect(await resume(runtime, transaction)).toEqual({ kind: 'complete' });
  });

  it.each([
    ['signed with another secret', { claims: {}, options: { secret: SESSION_SECRET } }, 'invalid signature'],
    ['made for another state', { claims: { state: 'other' }, options: {} }, 'for another login'],
    ['expired', { claims: {}, options: { iat: Math.floor(Date.now() / 1000) - 300, lifetime: 120 } }, 'expired'],
    ['for another user', { claims: { sub: 'auth0|linus' }, options: {} }, 'for another user'],
    ['issued by the tenant (a T1)', { claims: { iss: TENANT_HOST }, options: {} }, 'unexpected issuer'],
    ['signed with HS512', { claims: {}, options: { header: { alg: 'HS512', typ: 'JWT' } } }, 'unexpected type'],
  ])('refuses with UnauthorizedError a token %s, writing nothing', async (_name, { claims, options }, reason) => {
    const { runtime, transaction } = await suspendedLogin();
    const token = await signContinueToken(
      { sub: 'auth0|grace', state: transaction.state, profile: { user_metadata: { company_name: 'Navy' } }, ...claims },
      options,
    );
    const outcome = await resume(runtime, transaction, token);
    expect(outcome).toMatchObject({ kind: 'failed', error: 'access_denied' });
    expect((outcome as { description: string }).description).toContain(reason);
    expect(users.get('auth0|grace')!.user_metadata).toEqual({});
  });

  it('refuses its own session token (T1) sent back as the continue token', async () => {
    const configuration = { ...SECRETS, CONTINUE_TOKEN_SECRET: SESSION_SECRET };
    const { runtime, transaction, outcome } = await logIn('auth0|grace', { configuration });
    const outcomeOfT1 = await resume(runtime, transaction, sessionTokenOf(outcome));
    expect(outcomeOfT1).toMatchObject({ kind: 'failed', error: 'access_denied' });
  });

  it('refuses an unsigned token (alg none)', async () => {
    const { runtime, transaction } = await suspendedLogin();
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({
      iss: 'progressive-profile',
      sub: 'auth0|grace',
      state: transaction.state,
      iat: now,
      exp: now + 60,
    })}.`;
    expect(await resume(runtime, transaction, token)).toMatchObject({ kind: 'failed', error: 'access_denied' });
  });
});
