// The login side's /oauth/token grants: the password grant (a counted login through the pipeline,
// which cannot redirect) and the authorization code (once, for its client and redirect_uri).
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../demo/emulator/emulator.js';
import { DEMO_PASSWORD } from '../../demo/emulator/seed-users.js';
import { BROWSER_CLIENT, CALLBACK, locationOf, logIn, postToken, startTenant } from './support.js';

let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function passwordGrant(tenant: Emulator, username: string, password = DEMO_PASSWORD) {
  return postToken(tenant.origin, {
    grant_type: 'password',
    username,
    password,
    client_id: BROWSER_CLIENT.clientId,
    client_secret: BROWSER_CLIENT.clientSecret,
  });
}

describe.each(['action', 'rule'] as const)('the password grant with the %s', (mode) => {
  it('passes through the extension untouched (no redirect for oauth2-password) and counts the login', async () => {
    emulator = await startTenant({ mode });
    const { status, body } = await passwordGrant(emulator, 'ada@example.com');
    expect(status).toBe(200);
    expect(body.profile).toMatchObject({ user_id: 'auth0|ada', user_metadata: {} });
    expect(emulator.users.get('auth0|ada')?.logins_count).toBe(1);
  });
});

describe('the password grant', () => {
  it('refuses a wrong password or an unknown user as invalid_grant, counting nothing', async () => {
    emulator = await startTenant();
    for (const [username, password] of [['ada@example.com', 'wrong'], ['nobody@example.com', DEMO_PASSWORD]] as const) {
      const { status, body } = await passwordGrant(emulator, username, password);
      expect(status).toBe(403);
      expect(body.error).toBe('invalid_grant');
    }
    expect(emulator.users.get('auth0|ada')?.logins_count).toBe(0);
  });

  it('refuses a wrong client secret as invalid_client', async () => {
    emulator = await startTenant();
    const { status, body } = await postToken(emulator.origin, {
      grant_type: 'password',
      username: 'ada@example.com',
      password: DEMO_PASSWORD,
      client_id: BROWSER_CLIENT.clientId,
      client_secret: 'wrong',
    });
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });
});

describe('the authorization code grant', () => {
  it('redeems a code once, only for its client and redirect_uri', async () => {
    emulator = await startTenant();
    const code = locationOf(await logIn(emulator, 'linus@example.com')).searchParams.get('code') as string;
    const redeem = (redirectUri: string) =>
      postToken(emulator!.origin, {
        grant_type: 'authorization_code',
        code,
        client_id: BROWSER_CLIENT.clientId,
        client_secret: BROWSER_CLIENT.clientSecret,
        redirect_uri: redirectUri,
      });
    // A mismatch spends the code too.
    expect((await redeem('http://127.0.0.1:5173/other')).body.error).toBe('invalid_grant');
    expect((await redeem(CALLBACK)).body.error).toBe('invalid_grant');

    const fresh = locationOf(await logIn(emulator, 'linus@example.com')).searchParams.get('code') as string;
    const answer = await postToken(emulator.origin, {
      grant_type: 'authorization_code',
      code: fresh,
      client_id: BROWSER_CLIENT.clientId,
      client_secret: BROWSER_CLIENT.clientSecret,
      redirect_uri: CALLBACK,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'Bearer', id_token: expect.any(String) });
  });
});
