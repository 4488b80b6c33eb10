// Where a browser login starts, over real HTTP: /authorize and the login page's password form.
// Which logins Auth0 counts (a password sign-in, before the pipeline; never a reused session or
// silent authentication), sign-in by username, and through a linked secondary identity.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../demo/emulator/emulator.js';
import { DEMO_PASSWORD } from '../../demo/emulator/seed-users.js';
import type { EmulatedUser } from '../../demo/emulator/user-store.js';
import { makeUser } from '../support/management-emulator.js';
import {
  authorizeUrl,
  CALLBACK,
  form,
  locationOf,
  logIn,
  openLoginPage,
  sessionCookieOf,
  startTenant,
  userOfCallback,
} from './support.js';

let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe.each(['action', 'rule'] as const)('a browser login with the %s', (mode) => {
  it('sends a complete user straight to the callback with a code', async () => {
    emulator = await startTenant({ mode });
    const callback = locationOf(await logIn(emulator, 'linus@example.com'));
    expect(await userOfCallback(emulator, callback)).toBe('auth0|linus');
    expect(callback.searchParams.get('state')).toBe('app-state');
  });

  it('never redirects a prompt=none request: login_required without a session, the callback with one', async () => {
    emulator = await startTenant({ mode });
    const silent = locationOf(await fetch(authorizeUrl(emulator.origin, { prompt: 'none' }), { redirect: 'manual' }));
    expect(silent.searchParams.get('error')).toBe('login_required');
    expect(silent.searchParams.get('state')).toBe('app-state');

    // Grace's profile is incomplete and her count is reached, yet silent auth passes through.
    const graceLogin = await logIn(emulator, 'grace@example.com');
    expect(locationOf(graceLogin).origin).toBe('http://127.0.0.1:3999');
    const graceSilent = await fetch(authorizeUrl(emulator.origin, { prompt: 'none' }), {
      redirect: 'manual',
      headers: { cookie: sessionCookieOf(graceLogin) },
    });
    expect(await userOfCallback(emulator, locationOf(graceSilent))).toBe('auth0|grace');
  });

  it('refuses an unregistered redirect_uri or client without redirecting anywhere', async () => {
    emulator = await startTenant({ mode });
    for (const redirectUri of ['http://127.0.0.1:5173/other', 'https://evil.example/callback', `${CALLBACK}/`]) {
      const response = await fetch(authorizeUrl(emulator.origin, { redirect_uri: redirectUri }), { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    }
    const unknownClient = await fetch(authorizeUrl(emulator.origin, { client_id: 'nobody' }), { redirect: 'manual' });
    expect(unknownClient.status).toBe(400);
  });

  it('refuses a wrong password with the login page again, keeping the email typed, counting nothing', async () => {
    emulator = await startTenant({ mode });
    const response = await logIn(emulator, 'grace@example.com', 'wrong');
    expect(response.status).toBe(401);
    const html = await response.text();
    expect(html).toContain('Wrong email or password.');
    expect(html).toMatch(/<input id="email"[^>]* value="grace@example.com"/);
    expect(emulator.users.get('auth0|grace')?.logins_count).toBe(3);
  });
});

describe('which logins are counted', () => {
  it('counts a password sign-in once, before the Action runs', async () => {
    emulator = await startTenant();
    // Ada has never signed in: counted first, her 1st login is below PROFILE_LOGIN_COUNT (2), so no form.
    const callback = locationOf(await logIn(emulator, 'ada@example.com'));
    expect(await userOfCallback(emulator, callback)).toBe('auth0|ada');
    expect(emulator.users.get('auth0|ada')?.logins_count).toBe(1);
  });

  it('does not count a login that reuses the session, nor silent authentication, but counts prompt=login', async () => {
    emulator = await startTenant();
    const first = await logIn(emulator, 'linus@example.com');
    const cookie = sessionCookieOf(first);
    expect(emulator.users.get('auth0|linus')?.logins_count).toBe(8);

    const reused = await fetch(authorizeUrl(emulator.origin), { redirect: 'manual', headers: { cookie } });
    expect(await userOfCallback(emulator, locationOf(reused))).toBe('auth0|linus');
    const silent = await fetch(authorizeUrl(emulator.origin, { prompt: 'none' }), { redirect: 'manual', headers: { cookie } });
    expect(await userOfCallback(emulator, locationOf(silent))).toBe('auth0|linus');
    expect(emulator.users.get('auth0|linus')?.logins_count).toBe(8);

    // prompt=login shows the page again: a real sign-in, counted.
    const page = await fetch(authorizeUrl(emulator.origin, { prompt: 'login' }), { redirect: 'manual', headers: { cookie } });
    expect(page.status).toBe(200);
    const login = /name="login" value="([^"]+)"/.exec(await page.text())?.[1] as string;
    await fetch(new URL('/u/login', emulator.origin), form({ login, email: 'linus@example.com', password: DEMO_PASSWORD }));
    expect(emulator.users.get('auth0|linus')?.logins_count).toBe(9);
  });
});

describe('signing in to a database connection', () => {
  const complete = { company_name: 'Initech', job_title: 'Engineer' };

  it('accepts a username where the connection requires one, whatever its case', async () => {
    emulator = await startTenant({
      connections: [{ name: 'Username-Password-Authentication', strategy: 'auth0', requiresUsername: true }],
      users: [makeUser('auth0|ann', { email: 'ann@example.com', username: 'ann_lee', user_metadata: complete })],
    });
    expect(await userOfCallback(emulator, locationOf(await logIn(emulator, 'Ann_Lee', 'demo-password')))).toBe('auth0|ann');
    expect(await userOfCallback(emulator, locationOf(await logIn(emulator, 'ann@example.com', 'demo-password')))).toBe('auth0|ann');
    expect(emulator.users.get('auth0|ann')?.logins_count).toBe(3);
  });

  it('signs in through a linked database identity as the primary user, counted on the primary', async () => {
    const primary: EmulatedUser = {
      ...makeUser('github|1001', { email: 'kat@example.com', logins_count: 1, user_metadata: complete }),
      identities: [
        { connection: 'github', provider: 'github', user_id: '1001', isSocial: true },
        {
          connection: 'Username-Password-Authentication',
          provider: 'auth0',
          user_id: 'kat-db',
          isSocial: false,
          password: 'Orbit-Math-1962',
          profileData: { email: 'kat.db@example.com', email_verified: true, username: 'kat' },
        },
      ],
    };
    emulator = await startTenant({ users: [primary] });
    const callback = locationOf(await logIn(emulator, 'kat.db@example.com', 'Orbit-Math-1962'));
    expect(await userOfCallback(emulator, callback)).toBe('github|1001');
    expect(emulator.users.get('github|1001')?.logins_count).toBe(2);
    expect((await logIn(emulator, 'kat.db@example.com', DEMO_PASSWORD)).status).toBe(401);
  });

  it('sends an unknown connection back to the application as invalid_request', async () => {
    emulator = await startTenant();
    const back = locationOf(await fetch(authorizeUrl(emulator.origin, { connection: 'nope' }), { redirect: 'manual' }));
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('state')).toBe('app-state');
  });

  it('answers 400 for a login page that is unknown or already used', async () => {
    emulator = await startTenant();
    const unknown = await fetch(new URL('/u/login', emulator.origin), form({ login: 'nope', email: 'linus@example.com', password: DEMO_PASSWORD }));
    expect(unknown.status).toBe(400);
    const { login } = await openLoginPage(emulator);
    const signIn = () => fetch(new URL('/u/login', emulator!.origin), form({ login, email: 'linus@example.com', password: DEMO_PASSWORD }));
    expect((await signIn()).status).toBe(302);
    expect((await signIn()).status).toBe(400);
  });

  it('shows one Continue button, a GitHub button and the demo users', async () => {
    emulator = await startTenant();
    const { html } = await openLoginPage(emulator);
    expect(html.match(/>Continue</gu)).toHaveLength(1);
    expect(html).toContain('Continue with GitHub');
    expect(html).toContain('grace@example.com');
    expect(html).toContain('katherine@example.com');
  });
});
