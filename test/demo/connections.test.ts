// The tenant's connections, read as the `auth0` SDK reads them (GET /api/v2/connections, scope
// read:connections), in Auth0's shape: options.passwordPolicy, password_complexity_options.
import { afterEach, describe, expect, it } from 'vitest';
import { createDefaultConnections, resolveConnections } from '../../demo/emulator/connections.js';
import { CLIENT_ID, CLIENT_SECRET, startManagementEmulator, type RunningEmulator } from '../support/management-emulator.js';
import { accessToken, callApi, sdkClient } from './support.js';

let emulator: RunningEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const credentials = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };

async function start(): Promise<RunningEmulator> {
  emulator = await startManagementEmulator({
    clients: [{ ...credentials, scope: 'read:connections' }],
    connections: [
      ...createDefaultConnections(),
      { name: 'members', strategy: 'auth0', passwordPolicy: 'excellent', requiresUsername: true },
    ],
  });
  return emulator;
}

describe('GET /api/v2/connections', () => {
  it('finds a database connection by name and strategy, with its password policy, as the SDK reads it', async () => {
    const { origin } = await start();
    const page = await sdkClient(origin, credentials).connections.list({ name: 'Username-Password-Authentication', strategy: ['auth0'] });
    expect(page.data).toEqual([
      {
        id: expect.stringMatching(/^con_[A-Za-z0-9]{16}$/u),
        name: 'Username-Password-Authentication',
        display_name: 'Username-Password-Authentication',
        strategy: 'auth0',
        options: {
          passwordPolicy: 'good',
          password_complexity_options: { min_length: 8 },
          requires_username: false,
          brute_force_protection: true,
        },
        is_domain_connection: false,
        realms: ['Username-Password-Authentication'],
      },
    ]);
  });

  it('leaves password_complexity_options out when the connection sets no minimum, and shows username rules', async () => {
    const { origin } = await start();
    const page = await sdkClient(origin, credentials).connections.list({ name: 'members' });
    expect(page.data[0]?.options).toEqual({
      passwordPolicy: 'excellent',
      requires_username: true,
      validation: { username: { min: 1, max: 15 } },
      brute_force_protection: true,
    });
  });

  it('filters by strategy, selects fields, and pages by offset as well as by checkpoint', async () => {
    const { origin } = await start();
    const token = await accessToken(origin, credentials);
    const social = await callApi(origin, token, 'GET', '/connections?strategy=github&fields=name,strategy');
    expect(social.body).toEqual([{ name: 'github', strategy: 'github' }]);
    const totals = await callApi(origin, token, 'GET', '/connections?strategy=auth0&include_totals=true&fields=name');
    expect(totals.body).toEqual({ start: 0, limit: 2, total: 2, connections: [{ name: 'Username-Password-Authentication' }, { name: 'members' }] });
    const first = await callApi(origin, token, 'GET', '/connections?take=1&fields=id,name');
    expect(first.body.connections).toHaveLength(1);
    const second = await callApi(origin, token, 'GET', `/connections?take=5&from=${first.body.next}&fields=name`);
    expect(second.body).toEqual({ connections: [{ name: 'github' }, { name: 'members' }] });
    const none = await callApi(origin, token, 'GET', '/connections?name=nope');
    expect(none.body).toEqual([]);
    const tooMany = await callApi(origin, token, 'GET', '/connections?take=101');
    expect(tooMany.body).toMatchObject({ statusCode: 400, errorCode: 'invalid_query_string' });
  });
});

describe('resolveConnections', () => {
  it('refuses impossible connections, naming the problem', () => {
    const cases: Array<[unknown[], RegExp]> = [
      [[{ name: 'x y', strategy: 'auth0' }], /name/u],
      [[{ name: 'db', strategy: 'ldap' }], /strategy/u],
      [[{ name: 'db', strategy: 'auth0' }, { name: 'db', strategy: 'auth0' }], /twice/u],
      [[{ name: 'db', strategy: 'auth0', passwordPolicy: 'strong' }], /passwordPolicy/u],
      [[{ name: 'db', strategy: 'auth0', minLength: 73 }], /minLength/u],
      [[{ name: 'db', strategy: 'auth0', id: 'con_short' }], /id/u],
      [[{ name: 'db', strategy: 'auth0' }, { name: 'github', strategy: 'github', requiresUsername: true }], /database connections/u],
      [[{ name: 'github', strategy: 'github' }], /database connection/u],
    ];
    for (const [connections, message] of cases) expect(() => resolveConnections(connections as never)).toThrow(message);
  });
});
