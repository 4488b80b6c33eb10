// /v2/logout ends the tenant session and goes back only to an origin the client registered.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../demo/emulator/emulator.js';
import { authorizeUrl, BROWSER_CLIENT, locationOf, logIn, sessionCookieOf, startTenant } from './support.js';

let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('/v2/logout', () => {
  it('ends the session, so silent authentication needs a login again', async () => {
    emulator = await startTenant();
    const cookie = sessionCookieOf(await logIn(emulator, 'linus@example.com'));
    const out = await fetch(new URL(`/v2/logout?client_id=${BROWSER_CLIENT.clientId}&returnTo=${encodeURIComponent('http://127.0.0.1:5173/')}`, emulator.origin), {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(locationOf(out).href).toBe('http://127.0.0.1:5173/');
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    const silent = await fetch(authorizeUrl(emulator.origin, { prompt: 'none' }), { redirect: 'manual', headers: { cookie } });
    expect(locationOf(silent).searchParams.get('error')).toBe('login_required');
  });

  it('never sends the browser to an origin the client did not register', async () => {
    emulator = await startTenant();
    for (const returnTo of ['http://127.0.0.1:9999/', 'https://evil.example/']) {
      const out = await fetch(new URL(`/v2/logout?client_id=${BROWSER_CLIENT.clientId}&returnTo=${encodeURIComponent(returnTo)}`, emulator.origin), {
        redirect: 'manual',
      });
      expect(out.status).toBe(200);
      expect(out.headers.get('location')).toBeNull();
    }
  });
});
