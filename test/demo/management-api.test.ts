// The assembled Management API: what every /api/v2 request meets before its route (a token we
// issued, the route's documented scope), and the plugin's options.
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { managementApi } from '../../demo/emulator/management-api.js';
import { UserStore } from '../../demo/emulator/user-store.js';
import { CLIENT_ID, CLIENT_SECRET, makeUser, startManagementEmulator, type RunningEmulator } from '../support/management-emulator.js';
import { accessToken, callApi } from './support.js';

let emulator: RunningEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const credentials = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };

describe('the Management API gate', () => {
  it('requires a bearer token it issued', async () => {
    emulator = await startManagementEmulator({ users: [makeUser('auth0|alice')] });
    const missing = await callApi(emulator.origin, undefined, 'GET', '/users/auth0%7Calice');
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Missing authentication', errorCode: 'missing_authentication' });
    const forged = await callApi(emulator.origin, 'not-a-token', 'GET', '/users/auth0%7Calice');
    expect(forged.status).toBe(401);
    expect(forged.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Invalid token', errorCode: 'invalid_token' });
  });

  it.each([
    ['GET', '/users/auth0%7Calice', undefined, 'read:users'],
    ['GET', '/users?q=user_metadata.a%3A1&search_engine=v3', undefined, 'read:users'],
    ['PATCH', '/users/auth0%7Calice', { user_metadata: { a: 1 } }, 'update:users'],
    ['POST', '/users', { connection: 'Username-Password-Authentication', email: 'new@example.com', password: 'Str0ng-password' }, 'create:users'],
    ['DELETE', '/users/auth0%7Calice', undefined, 'delete:users'],
    ['POST', '/users/auth0%7Calice/identities', { provider: 'auth0', user_id: 'bob' }, 'update:users'],
    ['GET', '/connections?strategy=auth0', undefined, 'read:connections'],
  ])('answers %s %s without its scope with 403 insufficient_scope naming %s', async (method, path, body, scope) => {
    emulator = await startManagementEmulator({
      users: [makeUser('auth0|alice'), makeUser('auth0|bob')],
      clients: [{ ...credentials, scope: 'read:actions' }],
    });
    const token = await accessToken(emulator.origin, credentials);
    const answer = await callApi(emulator.origin, token, method, path, body);
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: `Insufficient scope, expected any of: ${scope}`,
      errorCode: 'insufficient_scope',
    });
    // Nothing happened.
    expect(emulator.users.get('auth0|alice')).toMatchObject({ user_metadata: {} });
    expect(emulator.users.get('auth0|bob')).toBeDefined();
  });
});

describe('managementApi options', () => {
  it('refuses bad options at registration, naming the option', async () => {
    const users = new UserStore();
    const base = { users, clients: [], origin: 'http://127.0.0.1:1' };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, users: {} }, '"users"'],
      [{ ...base, clients: [{ clientId: 'a' }] }, '"clients"'],
      [{ ...base, clients: [{ clientId: 'a', clientSecret: 'b', scope: 3 }] }, '"clients"'],
      [{ ...base, origin: 'not a url' }, '"origin"'],
      [{ ...base, otherGrants: { client_credentials: async () => ({}) } }, '"otherGrants"'],
      [{ ...base, searchIndexLagMs: -1 }, '"searchIndexLagMs"'],
      [{ ...base, connections: [{ name: 'github', strategy: 'github' }] }, '"connections"'],
      [{ ...base, tokens: {} }, '"tokens"'],
    ];
    for (const [options, name] of cases) {
      const app = Fastify();
      await expect(app.register(managementApi, options as never).ready()).rejects.toThrow(name);
      await app.close();
    }
  });
});
