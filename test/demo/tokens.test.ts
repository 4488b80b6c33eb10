// The emulated /oauth/token (client credentials, Auth0's refusals) and the access-token registry:
// granted scopes reported exactly, and every token revoked at once on demand.
import { Management } from 'auth0';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_ID, CLIENT_SECRET, makeUser, startManagementEmulator, type RunningEmulator } from '../support/management-emulator.js';
import { accessToken, callApi, credentialsBody, postToken, sdkClient } from './support.js';
import type { Emulator } from '../../demo/emulator/emulator.js';
import { startTenant } from './support.js';

let emulator: RunningEmulator | undefined;
let tenant: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  await tenant?.close();
  emulator = undefined;
  tenant = undefined;
});

async function start(scope?: string): Promise<RunningEmulator> {
  emulator = await startManagementEmulator({
    users: [makeUser('auth0|alice')],
    ...(scope === undefined ? {} : { clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope }] }),
  });
  return emulator;
}

const credentials = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };

describe('the emulated token endpoint', () => {
  it('issues a client-credentials token for the Management API audience, from JSON or a form, with the granted scopes', async () => {
    const { origin } = await start();
    for (const asForm of [false, true]) {
      const { status, body } = await postToken(origin, credentialsBody(origin, credentials), asForm);
      expect(status).toBe(200);
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 86_400, scope: 'read:users update:users' });
      expect(body.access_token).toEqual(expect.any(String));
    }
  });

  it('accepts the client credentials in an HTTP Basic header', async () => {
    const { origin } = await start();
    const response = await fetch(`${origin}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
      },
      body: JSON.stringify({ grant_type: 'client_credentials', audience: `${origin}/api/v2/` }),
    });
    expect(response.status).toBe(200);
  });

  it('reports exactly the scopes of a client granted less than everything', async () => {
    const { origin } = await start('read:users read:connections');
    const { body } = await postToken(origin, credentialsBody(origin, credentials));
    expect(body.scope).toBe('read:users read:connections');
  });

  it('refuses a wrong client secret, and an unknown client, as Auth0 does: 401 access_denied', async () => {
    const { origin } = await start();
    for (const wrong of [{ ...credentials, clientSecret: 'wrong' }, { clientId: 'nobody', clientSecret: CLIENT_SECRET }]) {
      const { status, body } = await postToken(origin, credentialsBody(origin, wrong));
      expect(status).toBe(401);
      expect(body).toEqual({ error: 'access_denied', error_description: 'Unauthorized' });
    }
  });

  it('refuses a request without client credentials as invalid_client', async () => {
    const { origin } = await start();
    const { status, body } = await postToken(origin, { grant_type: 'client_credentials', audience: `${origin}/api/v2/` });
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('refuses another audience, and none, as access_denied', async () => {
    const { origin } = await start();
    const other = await postToken(origin, { ...credentialsBody(origin, credentials), audience: 'https://elsewhere/api/v2/' });
    expect(other.status).toBe(403);
    expect(other.body.error).toBe('access_denied');
    const { audience: _audience, ...withoutAudience } = credentialsBody(origin, credentials);
    const none = await postToken(origin, withoutAudience);
    expect(none.status).toBe(403);
    expect(none.body.error).toBe('access_denied');
  });

  it('refuses a client with no grant on the Management API', async () => {
    const { origin } = await start('');
    const { status, body } = await postToken(origin, credentialsBody(origin, credentials));
    expect(status).toBe(403);
    expect(body.error).toBe('access_denied');
    expect(body.error_description).toContain('Client is not authorized to access');
  });

  it('hands other grant types to the login side and refuses unknown ones', async () => {
    const seen: Record<string, unknown>[] = [];
    emulator = await startManagementEmulator({
      otherGrants: {
        password: async (body) => {
          seen.push(body);
          return { status: 200, body: { access_token: 'from-login-side', token_type: 'Bearer' } };
        },
      },
    });
    const delegated = await postToken(emulator.origin, { grant_type: 'password', username: 'alice' }, true);
    expect(delegated).toEqual({ status: 200, body: { access_token: 'from-login-side', token_type: 'Bearer' } });
    expect(seen).toEqual([{ grant_type: 'password', username: 'alice' }]);
    const unknown = await postToken(emulator.origin, { grant_type: 'urn:example:unknown' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('unsupported_grant_type');
  });
});

describe('token revocation', () => {
  it('makes every token issued so far answer 401 invalid_token, while a new token works', async () => {
    const { origin } = await start();
    const sdk = sdkClient(origin, credentials);
    expect((await sdk.users.get('auth0|alice')).user_id).toBe('auth0|alice');
    const revoked = await fetch(`${origin}/__emulator/revoke-tokens`, { method: 'POST' });
    expect(await revoked.json()).toEqual({ revoked: 1 });

    const failure = await sdk.users.get('auth0|alice').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Management.UnauthorizedError);
    expect((failure as Management.UnauthorizedError).body).toMatchObject({ statusCode: 401, errorCode: 'invalid_token' });
    // A client that fetches a new token gets on.
    expect((await sdkClient(origin, credentials).users.get('auth0|alice')).user_id).toBe('auth0|alice');
  });

  it('revokes the tokens the Actions API accepts too', async () => {
    tenant = await startTenant({
      clients: [{ clientId: 'installer', clientSecret: CLIENT_SECRET, callbacks: [], scope: 'read:actions' }],
    });
    const installer = { clientId: 'installer', clientSecret: CLIENT_SECRET };
    const token = await accessToken(tenant.origin, installer);
    expect((await callApi(tenant.origin, token, 'GET', '/actions/actions')).status).toBe(200);
    await fetch(`${tenant.origin}/__emulator/revoke-tokens`, { method: 'POST' });
    const after = await callApi(tenant.origin, token, 'GET', '/actions/actions');
    expect(after.status).toBe(401);
    expect(after.body.errorCode).toBe('invalid_token');
  });
});
