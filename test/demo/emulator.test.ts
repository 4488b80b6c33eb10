// The assembled tenant (createEmulator and its options), and the Action runtime's failure and
// validateToken behaviour. The login routes have their own files: authorize, continue,
// social-login, login-grants, logout.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createActionRuntime, validateToken } from '../../demo/emulator/action-runtime.js';
import { createEmulator, type Emulator } from '../../demo/emulator/emulator.js';
import { signHs256Jwt } from '../../demo/emulator/hs256-jwt.js';
import { createTransaction } from '../../demo/emulator/post-login.js';
import { createRuleRuntime } from '../../demo/emulator/rule-runtime.js';
import { createSeedUsers } from '../../demo/emulator/seed-users.js';
import { UserStore } from '../../demo/emulator/user-store.js';
import { SECRETS } from '../rule/support.js';
import { BROWSER_CLIENT, logIn, locationOf, startTenant } from './support.js';

let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('createEmulator', () => {
  it('refuses bad options at once, naming the option', () => {
    const clients = [{ clientId: 'x', callbacks: [] }];
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ clients: [{ clientId: 'x', callbacks: ['https://app.example.com/callback'] }] }, 'callback'],
      [{ clients: [] }, '"clients"'],
      [{ clients: [{ clientId: 'x', callbacks: [], scope: ['read:users'] }] }, 'scope'],
      [{ clients, mode: 'hook' }, '"mode"'],
      [{ clients, port: 70_000 }, '"port"'],
      [{ clients, searchIndexLagMs: Number.NaN }, '"searchIndexLagMs"'],
      [{ clients, clock: {} }, '"clock"'],
      [{ clients, connections: [{ name: 'github', strategy: 'github' }] }, '"connections"'],
    ];
    for (const [options, name] of cases) {
      expect(() => createEmulator({ secrets: SECRETS, ...options } as never)).toThrow(name);
    }
  });

  it('runs the legacy Rule instead of the Action when asked', async () => {
    emulator = await startTenant({ mode: 'rule' });
    const target = locationOf(await logIn(emulator, 'grace@example.com'));
    expect(`${target.origin}${target.pathname}`).toBe('http://127.0.0.1:3999/complete-profile');
    expect(target.searchParams.get('session_token')).toBeTruthy();
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
      clientId: BROWSER_CLIENT.clientId,
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

describe("the emulator's Rule runtime", () => {
  it("passes the login's connection as context.connection, the database one by default", async () => {
    const runtime = createRuleRuntime({
      users: new UserStore(createSeedUsers()),
      configuration: {},
      rulePath: fileURLToPath(new URL('./fixtures/connection-rule.js', import.meta.url)),
    });
    const transaction = (connection?: { name: string; strategy: string }) =>
      createTransaction({
        userId: 'github|1001',
        clientId: BROWSER_CLIENT.clientId,
        protocol: 'oidc-basic-profile',
        state: 'S',
        request: { hostname: 'tenant', ip: '127.0.0.1', query: {}, body: {} },
        connection,
      });
    expect(await runtime.execute(transaction({ name: 'github', strategy: 'github' }))).toMatchObject({ description: 'connection=github' });
    expect(await runtime.execute(transaction())).toMatchObject({ description: 'connection=Username-Password-Authentication' });
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
