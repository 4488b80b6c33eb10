// The emulated users endpoints over HTTP, most through the real `auth0` SDK: read, PATCH with
// Auth0's merge rules, create in a database connection (password policy, duplicates, usernames),
// delete, and search with Auth0's paging limits. Error bodies are compared with Auth0's.
import { Management } from 'auth0';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatedConnection } from '../../demo/emulator/connections.js';
import { CLIENT_ID, CLIENT_SECRET, makeUser, startManagementEmulator, type RunningEmulator } from '../support/management-emulator.js';
import { accessToken, ALL_USER_SCOPES, callApi, sdkClient, rejectionOf } from './support.js';

let emulator: RunningEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const credentials = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
const DATABASE = 'Username-Password-Authentication';
const CONNECTIONS: EmulatedConnection[] = [
  { name: DATABASE, strategy: 'auth0', passwordPolicy: 'good', minLength: 8 },
  { name: 'with-usernames', strategy: 'auth0', passwordPolicy: 'none', minLength: 12, requiresUsername: true },
  { name: 'github', strategy: 'github' },
];
const STRONG = 'Correct-Horse-9';

async function start(): Promise<RunningEmulator> {
  emulator = await startManagementEmulator({
    users: [
      makeUser('auth0|alice', { user_metadata: { company_name: 'Acme', job_title: 'CTO' }, app_metadata: { plan: 'pro' } }),
      makeUser('auth0|bob', { user_metadata: { company_name: 'Say "hi" \\ (now): *' } }),
    ],
    clients: [{ ...credentials, scope: ALL_USER_SCOPES }],
    connections: CONNECTIONS,
  });
  return emulator;
}


describe('reading and patching users', () => {
  it('reads a user with its identities and no password anywhere, and answers 404 for an unknown one', async () => {
    const { origin } = await start();
    const token = await accessToken(origin, credentials);
    const found = await callApi(origin, token, 'GET', '/users/auth0%7Calice');
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({
      user_id: 'auth0|alice',
      email_verified: true,
      user_metadata: { company_name: 'Acme' },
      identities: [{ connection: DATABASE, provider: 'auth0', user_id: 'alice', isSocial: false }],
    });
    expect(JSON.stringify(found.body)).not.toContain('demo-password');
    const unknown = await callApi(origin, token, 'GET', '/users/auth0%7Cnobody');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'The user does not exist.', errorCode: 'inexistent_user' });
  });

  it("merges a PATCH with Auth0's rules: first level only, null deletes a key, and answers the user", async () => {
    const { origin, users } = await start();
    const token = await accessToken(origin, credentials);
    const { status, body } = await callApi(origin, token, 'PATCH', '/users/auth0%7Calice', {
      user_metadata: { job_title: null, address: { city: 'Lyon' } },
    });
    expect(status).toBe(200);
    expect(body.user_metadata).toEqual({ company_name: 'Acme', address: { city: 'Lyon' } });
    expect(body.app_metadata).toEqual({ plan: 'pro' });
    await callApi(origin, token, 'PATCH', '/users/auth0%7Calice', { user_metadata: { address: { zip: '69001' } } });
    expect(users.get('auth0|alice')?.user_metadata).toEqual({ company_name: 'Acme', address: { zip: '69001' } });
  });

  it('wipes a whole metadata object when the PATCH sends {}', async () => {
    const { origin, users } = await start();
    const token = await accessToken(origin, credentials);
    const { status } = await callApi(origin, token, 'PATCH', '/users/auth0%7Calice', { user_metadata: {} });
    expect(status).toBe(200);
    expect(users.get('auth0|alice')?.user_metadata).toEqual({});
    expect(users.get('auth0|alice')?.app_metadata).toEqual({ plan: 'pro' });
  });

  it("refuses metadata keys containing '.' or '$', at any depth", async () => {
    const { origin, users } = await start();
    const token = await accessToken(origin, credentials);
    for (const body of [{ user_metadata: { 'a.b': 1 } }, { app_metadata: { ok: { $where: 1 } } }]) {
      const answer = await callApi(origin, token, 'PATCH', '/users/auth0%7Calice', body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request', errorCode: 'invalid_body' });
    }
    expect(users.get('auth0|alice')?.user_metadata).toEqual({ company_name: 'Acme', job_title: 'CTO' });
  });

  it('refuses PATCH bodies this emulator does not accept', async () => {
    const { origin } = await start();
    const token = await accessToken(origin, credentials);
    for (const body of [{}, { email: 'x@example.com' }, { user_metadata: null }, { user_metadata: ['a'] }]) {
      const answer = await callApi(origin, token, 'PATCH', '/users/auth0%7Calice', body);
      expect(answer.status).toBe(400);
      expect(answer.body.errorCode).toBe('invalid_body');
    }
    const unknown = await callApi(origin, token, 'PATCH', '/users/auth0%7Cnobody', { user_metadata: { a: 1 } });
    expect(unknown.status).toBe(404);
  });
});

describe('creating users', () => {
  it('creates a database user (201) with its identity, lower-cased email and metadata', async () => {
    const { origin, users } = await start();
    const created = await sdkClient(origin, credentials).users.create({
      connection: DATABASE,
      email: 'New.Person@Example.com',
      password: STRONG,
      email_verified: true,
      verify_email: false,
      user_metadata: { company_name: 'Initech' },
      app_metadata: { plan: 'free' },
    });
    expect(created.user_id).toMatch(/^auth0\|[0-9a-f]{24}$/u);
    expect(created).toMatchObject({
      email: 'new.person@example.com',
      email_verified: true,
      logins_count: 0,
      user_metadata: { company_name: 'Initech' },
      app_metadata: { plan: 'free' },
      identities: [{ connection: DATABASE, provider: 'auth0', user_id: (created.user_id as string).slice(6), isSocial: false }],
    });
    expect(JSON.stringify(created)).not.toContain(STRONG);
    // The password belongs to the database identity.
    expect(users.findDatabaseLogin(DATABASE, 'new.person@example.com')?.identity.password).toBe(STRONG);
    expect(users.get(created.user_id as string)?.email_verified).toBe(true);
  });

  it("refuses a password below the connection's policy with Auth0's PasswordStrengthError", async () => {
    const { origin, users } = await start();
    const sdk = sdkClient(origin, credentials);
    const error = await rejectionOf(sdk.users.create({ connection: DATABASE, email: 'weak@example.com', password: 'password' }));
    expect(error).toBeInstanceOf(Management.BadRequestError);
    expect(error.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'PasswordStrengthError: Password is too weak' });
    // min_length replaces the level's length: `none` with min_length 12.
    const short = await rejectionOf(
      sdk.users.create({ connection: 'with-usernames', email: 'short@example.com', username: 'shorty', password: 'elevenchars' }),
    );
    expect(short.body).toMatchObject({ message: 'PasswordStrengthError: Password is too weak' });
    expect(users.list()).toHaveLength(2);
  });

  it("refuses an email that already has a user in the connection with Auth0's 409", async () => {
    const { origin } = await start();
    const sdk = sdkClient(origin, credentials);
    const error = await rejectionOf(sdk.users.create({ connection: DATABASE, email: 'AUTH0-ALICE@example.com', password: STRONG }));
    expect(error).toBeInstanceOf(Management.ConflictError);
    expect(error.body).toEqual({ statusCode: 409, error: 'Conflict', message: 'The user already exists.', errorCode: 'auth0_idp_error' });
    // Another connection is another user store.
    const elsewhere = await sdk.users.create({ connection: 'with-usernames', email: 'auth0-alice@example.com', username: 'alice', password: 'twelve-chars' });
    expect(elsewhere.username).toBe('alice');
  });

  it('takes usernames only where the connection requires them, lower-cased, unique and well-formed', async () => {
    const { origin } = await start();
    const sdk = sdkClient(origin, credentials);
    const refusedHere = await rejectionOf(sdk.users.create({ connection: DATABASE, email: 'u@example.com', username: 'u', password: STRONG }));
    expect(refusedHere.body).toMatchObject({ statusCode: 400, message: 'Cannot set username for connection without requires_username' });

    const made = await sdk.users.create({ connection: 'with-usernames', email: 'ann@example.com', username: 'Ann_Lee', password: 'twelve-chars' });
    expect(made.username).toBe('ann_lee');
    const taken = await rejectionOf(sdk.users.create({ connection: 'with-usernames', email: 'other@example.com', username: 'ANN_LEE', password: 'twelve-chars' }));
    expect(taken).toBeInstanceOf(Management.BadRequestError);
    expect(taken.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'The username provided is in use already.' });

    for (const username of [undefined, 'has space', 'x'.repeat(16), 'someone@example.com']) {
      const refused = await rejectionOf(
        sdk.users.create({ connection: 'with-usernames', email: 'other@example.com', password: 'twelve-chars', ...(username === undefined ? {} : { username }) }),
      );
      expect(refused.body).toMatchObject({ statusCode: 400, errorCode: 'invalid_body' });
    }
  });

  it('refuses an unknown connection and a social one', async () => {
    const { origin } = await start();
    const token = await accessToken(origin, credentials);
    const unknown = await callApi(origin, token, 'POST', '/users', { connection: 'nope', email: 'a@example.com', password: STRONG });
    expect(unknown.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'The connection does not exist.', errorCode: 'inexistent_connection' });
    const social = await callApi(origin, token, 'POST', '/users', { connection: 'github', email: 'a@example.com', password: STRONG });
    expect(social.status).toBe(400);
    expect(social.body.errorCode).toBe('operation_not_supported');
  });

  it('refuses malformed bodies with payload validation errors, creating nothing', async () => {
    const { origin, users } = await start();
    const token = await accessToken(origin, credentials);
    const bodies: unknown[] = [
      ['not an object'],
      { email: 'a@example.com', password: STRONG },
      { connection: DATABASE, password: STRONG },
      { connection: DATABASE, email: 'a@example.com' },
      { connection: DATABASE, email: 'not-an-email', password: STRONG },
      { connection: DATABASE, email: 'a@example.com', password: STRONG, blocked: true },
      { connection: DATABASE, email: 'a@example.com', password: STRONG, email_verified: 'yes' },
      { connection: DATABASE, email: 'a@example.com', password: STRONG, user_metadata: { 'a.b': 1 } },
    ];
    for (const body of bodies) {
      const answer = await callApi(origin, token, 'POST', '/users', body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request', errorCode: 'invalid_body' });
      expect(answer.body.message).toMatch(/^Payload validation error: /u);
    }
    expect(users.list()).toHaveLength(2);
  });
});

describe('deleting users', () => {
  it('answers 204, after which the user is gone; an unknown user is 204 too', async () => {
    const { origin, users } = await start();
    const sdk = sdkClient(origin, credentials);
    await sdk.users.delete('auth0|alice');
    expect(users.get('auth0|alice')).toBeUndefined();
    const token = await accessToken(origin, credentials);
    expect((await callApi(origin, token, 'GET', '/users/auth0%7Calice')).status).toBe(404);
    const again = await callApi(origin, token, 'DELETE', '/users/auth0%7Calice');
    expect(again.status).toBe(204);
    expect(again.body).toBeUndefined();
  });
});

describe('searching users', () => {
  it('finds users by an exact, escaped metadata value', async () => {
    const { origin } = await start();
    const token = await accessToken(origin, credentials);
    const search = (q: string) =>
      callApi(origin, token, 'GET', `/users?${new URLSearchParams({ q, search_engine: 'v3', fields: 'user_id', include_totals: 'true' })}`);
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
    const token = await accessToken(origin, credentials);
    const list = await callApi(origin, token, 'GET', `/users?${new URLSearchParams({ q: 'user_metadata.job_title:CTO', fields: 'user_id' })}`);
    expect(list.body).toEqual([{ user_id: 'auth0|alice' }]);
    const unsupported = await callApi(origin, token, 'GET', `/users?${new URLSearchParams({ q: 'email:*@example.com' })}`);
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.errorCode).toBe('invalid_query_string');
  });

  it('refuses per_page above 50 as the public cloud does, and paging past the 1000th user', async () => {
    const { origin } = await start();
    const sdk = sdkClient(origin, credentials);
    const fifty = await sdk.users.list({ q: 'app_metadata.plan:"pro"', search_engine: 'v3', per_page: 50, page: 0 });
    expect(fifty.data.map((user) => user.user_id)).toEqual(['auth0|alice']);
    const error = await rejectionOf(sdk.users.list({ search_engine: 'v3', per_page: 51, page: 0 }));
    expect(error).toBeInstanceOf(Management.BadRequestError);
    expect(error.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: "Query validation error: 'Value 51 is greater than maximum 50' on property per_page (Number of results per page.).",
      errorCode: 'invalid_query_string',
    });
    const token = await accessToken(origin, credentials);
    const notANumber = await callApi(origin, token, 'GET', '/users?per_page=ten');
    expect(notANumber.body).toMatchObject({ statusCode: 400, errorCode: 'invalid_query_string' });
    const deep = await callApi(origin, token, 'GET', '/users?per_page=50&page=20');
    expect(deep.status).toBe(400);
    expect(deep.body.message).toContain('first 1000 records');
  });
});
