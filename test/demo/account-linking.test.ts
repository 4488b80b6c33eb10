// The demo's "link" scenario on the whole emulated tenant: a GitHub user gets a database identity
// (created and linked as the server does it, through the real `auth0` SDK), then signs in with its
// email or username and password and lands on the same user.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../demo/emulator/emulator.js';
import { form, locationOf, logIn, openLoginPage, sdkClient, startTenant, userOfCallback } from './support.js';

let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const DATABASE = 'Username-Password-Authentication';
const PASSWORD = 'Orbit-Math-1962';

describe('linking a database identity to a GitHub user', () => {
  it('lets Katherine sign in with her new password and land on her GitHub user, counted there', async () => {
    emulator = await startTenant({
      connections: [{ name: DATABASE, strategy: 'auth0', passwordPolicy: 'good', minLength: 8, requiresUsername: true }, { name: 'github', strategy: 'github' }],
    });
    const { login } = await openLoginPage(emulator);
    const viaGitHub = await fetch(new URL('/u/social/github', emulator.origin), form({ login, account: '1001' }));
    expect(await userOfCallback(emulator, locationOf(viaGitHub))).toBe('github|1001');

    // What the profile server does on submit: read the user, create the database user, link it.
    const sdk = sdkClient(emulator.origin);
    const katherine = await sdk.users.get('github|1001');
    expect(katherine).toMatchObject({ email: 'katherine@example.com', email_verified: true });
    const connections = await sdk.connections.list({ name: DATABASE, strategy: ['auth0'] });
    expect(connections.data[0]?.options).toMatchObject({ passwordPolicy: 'good', requires_username: true });
    const created = await sdk.users.create({
      connection: DATABASE,
      email: katherine.email as string,
      username: 'kjohnson',
      password: PASSWORD,
      email_verified: katherine.email_verified as boolean,
      verify_email: false,
    });
    await sdk.users.identities.link('github|1001', {
      provider: 'auth0',
      user_id: (created.user_id as string).slice('auth0|'.length),
      connection_id: connections.data[0]?.id,
    });

    for (const loginId of ['katherine@example.com', 'KJohnson']) {
      const callback = locationOf(await logIn(emulator, loginId, PASSWORD));
      expect(await userOfCallback(emulator, callback)).toBe('github|1001');
    }
    expect(emulator.users.get('github|1001')?.logins_count).toBe(4);
    expect(emulator.users.get(created.user_id as string)).toBeUndefined();
  });

  it('shows Dorothy, whose GitHub email is not verified, as such', async () => {
    emulator = await startTenant();
    const dorothy = await sdkClient(emulator.origin).users.get('github|1002');
    expect(dorothy).toMatchObject({ email: 'dorothy@example.com', email_verified: false, identities: [{ provider: 'github', isSocial: true }] });
  });
});
