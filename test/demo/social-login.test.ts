// The emulated GitHub connection: the login page's "Continue with GitHub" button, the provider's
// account chooser, and the sign-in that lands on the user holding the identity.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../demo/emulator/emulator.js';
import type { EmulatedUser } from '../../demo/emulator/user-store.js';
import { makeUser } from '../support/management-emulator.js';
import { authorizeUrl, form, locationOf, openLoginPage, sessionCookieOf, startTenant, userOfCallback } from './support.js';

let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** Follows the login page's GitHub button; answers the provider page's login id and HTML. */
async function openGitHub(tenant: Emulator) {
  const { login, html } = await openLoginPage(tenant);
  const action = /<form method="get" action="([^"]+)">\s*<input type="hidden" name="login"/u.exec(html)?.[1] as string;
  expect(action).toBe('/u/social/github');
  const page = await fetch(new URL(`${action}?login=${encodeURIComponent(login)}`, tenant.origin));
  expect(page.status).toBe(200);
  return { login, html: await page.text() };
}

describe('signing in with the emulated GitHub', () => {
  it("lists the provider's accounts and signs in as the one chosen, counting the login and starting a session", async () => {
    emulator = await startTenant();
    const { login, html } = await openGitHub(emulator);
    expect(html).toContain('Katherine Johnson');
    expect(html).toContain('Dorothy Vaughan');
    expect(html).toContain('email not verified');
    const response = await fetch(new URL('/u/social/github', emulator.origin), form({ login, account: '1001' }));
    expect(await userOfCallback(emulator, locationOf(response))).toBe('github|1001');
    expect(emulator.users.get('github|1001')?.logins_count).toBe(2);

    const silent = await fetch(authorizeUrl(emulator.origin, { prompt: 'none' }), {
      redirect: 'manual',
      headers: { cookie: sessionCookieOf(response) },
    });
    expect(await userOfCallback(emulator, locationOf(silent))).toBe('github|1001');
    expect(emulator.users.get('github|1001')?.logins_count).toBe(2);
  });

  it('goes straight to the provider for /authorize?connection=github', async () => {
    emulator = await startTenant();
    const response = await fetch(authorizeUrl(emulator.origin, { connection: 'github' }), { redirect: 'manual' });
    const target = locationOf(response);
    expect(target.pathname).toBe('/u/social/github');
    expect(target.searchParams.get('login')).toBeTruthy();
  });

  it('lands on the primary user when the GitHub identity is linked into a database user', async () => {
    const primary: EmulatedUser = {
      ...makeUser('auth0|ann', { email: 'ann@example.com', user_metadata: { company_name: 'Initech', job_title: 'Engineer' } }),
      identities: [
        { connection: 'Username-Password-Authentication', provider: 'auth0', user_id: 'ann', isSocial: false, password: 'Pass-word-1' },
        { connection: 'github', provider: 'github', user_id: '77', isSocial: true, profileData: { email: 'ann@users.example', name: 'ann-gh', email_verified: true } },
      ],
    };
    emulator = await startTenant({ users: [primary] });
    const { login, html } = await openGitHub(emulator);
    expect(html).toContain('ann-gh');
    const response = await fetch(new URL('/u/social/github', emulator.origin), form({ login, account: '77' }));
    expect(await userOfCallback(emulator, locationOf(response))).toBe('auth0|ann');
    expect(emulator.users.get('auth0|ann')?.logins_count).toBe(2);
  });

  it('refuses an account the provider does not know, an expired page and an unknown connection', async () => {
    emulator = await startTenant();
    const { login } = await openGitHub(emulator);
    const unknown = await fetch(new URL('/u/social/github', emulator.origin), form({ login, account: 'grace' }));
    expect(unknown.status).toBe(400);
    const expired = await fetch(new URL('/u/social/github', emulator.origin), form({ login: 'nope', account: '1001' }));
    expect(expired.status).toBe(400);
    expect((await fetch(new URL(`/u/social/github?login=nope`, emulator.origin))).status).toBe(400);
    expect((await fetch(new URL(`/u/social/twitter?login=${login}`, emulator.origin))).status).toBe(404);
    expect((await fetch(new URL('/u/social/Username-Password-Authentication', emulator.origin), form({ login, account: 'grace' }))).status).toBe(404);
  });
});
