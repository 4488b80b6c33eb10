// Account linking through the Management API (POST /users/{id}/identities), driven by the real
// `auth0` SDK: a database user created for a GitHub user and linked into it as a secondary.
import { Management } from 'auth0';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConnections, createDefaultConnections } from '../../demo/emulator/connections.js';
import { createSeedUsers } from '../../demo/emulator/seed-users.js';
import { CLIENT_ID, CLIENT_SECRET, makeUser, startManagementEmulator, type RunningEmulator } from '../support/management-emulator.js';
import { accessToken, ALL_USER_SCOPES, callApi, sdkClient, rejectionOf } from './support.js';

let emulator: RunningEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const credentials = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
const DATABASE = 'Username-Password-Authentication';
const DATABASE_ID = resolveConnections(createDefaultConnections())[0]?.id as string;
const KATHERINE = 'github|1001';

async function start(): Promise<RunningEmulator> {
  emulator = await startManagementEmulator({
    users: [...createSeedUsers(), makeUser('auth0|solo', { user_metadata: { theme: 'dark' } })],
    clients: [{ ...credentials, scope: ALL_USER_SCOPES }],
  });
  return emulator;
}

/** Creates Katherine's database user, as the server does before linking; answers its id within auth0. */
async function createDatabaseUser(origin: string): Promise<string> {
  const created = await sdkClient(origin, credentials).users.create({
    connection: DATABASE,
    email: 'katherine@example.com',
    password: 'Orbit-Math-1962',
    email_verified: true,
    verify_email: false,
    user_metadata: { ignored_on_link: true },
  });
  return (created.user_id as string).slice('auth0|'.length);
}


describe('POST /api/v2/users/{id}/identities', () => {
  it("links a database user into the primary and answers the primary's identities, the secondary's profile in profileData", async () => {
    const { origin, users, stats } = await start();
    const secondaryId = await createDatabaseUser(origin);
    const sdk = sdkClient(origin, credentials);
    const identities = await sdk.users.identities.link(KATHERINE, { provider: 'auth0', user_id: secondaryId, connection_id: DATABASE_ID });
    expect(identities).toEqual([
      { connection: 'github', provider: 'github', user_id: '1001', isSocial: true },
      {
        connection: DATABASE,
        provider: 'auth0',
        user_id: secondaryId,
        isSocial: false,
        profileData: { email: 'katherine@example.com', email_verified: true, name: 'katherine@example.com' },
      },
    ]);
    expect(JSON.stringify(identities)).not.toContain('Orbit-Math-1962');
    expect((await stats()).links).toBe(1);

    // The secondary is no user of its own any more; its metadata was not merged.
    const gone = await rejectionOf(sdk.users.get(`auth0|${secondaryId}`));
    expect(gone).toBeInstanceOf(Management.NotFoundError);
    const primary = await sdk.users.get(KATHERINE);
    expect(primary.identities).toHaveLength(2);
    expect(primary.user_metadata).toEqual({ company_name: 'NASA', job_title: 'Mathematician' });
    // The linked identity keeps its password and its email in the connection.
    expect(users.findDatabaseLogin(DATABASE, 'katherine@example.com')).toMatchObject({ user: { user_id: KATHERINE }, isPrimary: false });
    const again = await rejectionOf(sdk.users.create({ connection: DATABASE, email: 'katherine@example.com', password: 'Orbit-Math-1962' }));
    expect(again.statusCode).toBe(409);
  });

  it('links without connection_id too, and takes a numeric user_id', async () => {
    const { origin } = await start();
    const token = await accessToken(origin, credentials);
    const linked = await callApi(origin, token, 'POST', '/users/auth0%7Cgrace/identities', { provider: 'github', user_id: 1002 });
    expect(linked.status).toBe(201);
    expect(linked.body.map((identity: { user_id: string }) => identity.user_id)).toEqual(['grace', '1002']);
  });

  it.each([
    ['an unknown primary', 'auth0%7Cnobody', { provider: 'auth0', user_id: 'solo' }, 404, 'inexistent_user'],
    ['an unknown secondary', 'github%7C1001', { provider: 'auth0', user_id: 'nobody' }, 400, 'invalid_body'],
    ['a user linked to itself', 'auth0%7Csolo', { provider: 'auth0', user_id: 'solo' }, 400, 'invalid_body'],
    ['another connection than the secondary is in', 'github%7C1001', { provider: 'github', user_id: '1002', connection_id: DATABASE_ID }, 400, 'invalid_body'],
    ['a connection_id that is not one', 'github%7C1001', { provider: 'auth0', user_id: 'solo', connection_id: 'Username' }, 400, 'invalid_body'],
    ['an unknown connection_id', 'github%7C1001', { provider: 'auth0', user_id: 'solo', connection_id: 'con_0000000000000000' }, 400, 'inexistent_connection'],
    ['a missing provider', 'github%7C1001', { user_id: 'solo' }, 400, 'invalid_body'],
    ['a missing user_id', 'github%7C1001', { provider: 'auth0' }, 400, 'invalid_body'],
    ['link_with (not emulated)', 'github%7C1001', { link_with: 'a.b.c' }, 400, 'invalid_body'],
  ])('refuses %s, changing nothing', async (_name, primary, body, status, errorCode) => {
    const { origin, users } = await start();
    const before = users.list();
    const token = await accessToken(origin, credentials);
    const answer = await callApi(origin, token, 'POST', `/users/${primary}/identities`, body);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ statusCode: status, errorCode });
    expect(users.list()).toEqual(before);
  });

  it('answers 409 for an identity already linked to another user', async () => {
    const { origin } = await start();
    const token = await accessToken(origin, credentials);
    expect((await callApi(origin, token, 'POST', '/users/github%7C1001/identities', { provider: 'auth0', user_id: 'solo' })).status).toBe(201);
    const twice = await callApi(origin, token, 'POST', '/users/auth0%7Cgrace/identities', { provider: 'auth0', user_id: 'solo' });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
  });
});
