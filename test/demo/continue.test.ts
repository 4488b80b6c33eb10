// A login suspended by the extension's redirect and resumed at /continue (POST or GET), once,
// running the real rule/action.js (or rule/rule.js) with continue tokens signed as the server signs them.
import { jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../demo/emulator/emulator.js';
import { SESSION_SECRET, signContinueToken } from '../rule/support.js';
import { BROWSER_CLIENT, CALLBACK, exchangeCode, form, locationOf, logIn, startTenant } from './support.js';

let emulator: Emulator;

afterEach(() => emulator.close());

describe.each(['action', 'rule'] as const)('/continue with the %s', (mode) => {
  it('sends an incomplete user to the form with state and session_token, then completes at /continue (POST)', async () => {
    emulator = await startTenant({ mode });
    const target = locationOf(await logIn(emulator, 'grace@example.com'));
    expect(`${target.origin}${target.pathname}`).toBe('http://127.0.0.1:3999/complete-profile');
    expect(target.searchParams.get('lang')).toBe('en');
    const state = target.searchParams.get('state') as string;
    expect(state.length).toBeGreaterThanOrEqual(32);
    const t1 = target.searchParams.get('session_token') as string;
    const { payload } = await jwtVerify(t1, new TextEncoder().encode(SESSION_SECRET), { issuer: emulator.host, subject: 'auth0|grace' });
    expect(payload.fields).toEqual(['company_name', 'job_title']);

    const t2 = await signContinueToken({
      sub: payload.sub,
      state,
      profile: { user_metadata: { company_name: 'Navy', job_title: 'Rear Admiral' } },
    });
    const resumed = await fetch(new URL(`/continue?state=${encodeURIComponent(state)}`, emulator.origin), form({ session_token: t2 }));
    const callback = locationOf(resumed);
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe('app-state');
    const code = callback.searchParams.get('code') as string;

    const tokens = await exchangeCode(emulator, code);
    expect(tokens.status).toBe(200);
    expect(tokens.body.profile).toMatchObject({
      user_id: 'auth0|grace',
      email: 'grace@example.com',
      user_metadata: { company_name: 'Navy', job_title: 'Rear Admiral' },
    });
    const idToken = await jwtVerify(tokens.body.id_token, new TextEncoder().encode(BROWSER_CLIENT.clientSecret), {
      issuer: `${emulator.origin}/`,
      audience: BROWSER_CLIENT.clientId,
    });
    expect(idToken.payload.sub).toBe('auth0|grace');
    expect((await exchangeCode(emulator, code)).body.error).toBe('invalid_grant');
  });

  it('completes at /continue reached by GET with the token in the query', async () => {
    emulator = await startTenant({ mode });
    const target = locationOf(await logIn(emulator, 'alan@example.com'));
    const state = target.searchParams.get('state') as string;
    const t2 = await signContinueToken({ sub: 'auth0|alan', state, profile: { user_metadata: { job_title: 'Mathematician' } } });
    const url = new URL('/continue', emulator.origin);
    url.search = new URLSearchParams({ state, session_token: t2 }).toString();
    const callback = locationOf(await fetch(url, { redirect: 'manual' }));
    const tokens = await exchangeCode(emulator, callback.searchParams.get('code') as string);
    expect(tokens.body.profile.user_metadata).toEqual({ company_name: 'Bletchley Park', job_title: 'Mathematician' });
  });

  it('ends the login with access_denied at the callback when the continue token is refused', async () => {
    emulator = await startTenant({ mode });
    const target = locationOf(await logIn(emulator, 'grace@example.com'));
    const state = target.searchParams.get('state') as string;
    const t2 = await signContinueToken({ sub: 'auth0|linus', state });
    const callback = locationOf(await fetch(new URL(`/continue?state=${state}`, emulator.origin), form({ session_token: t2 })));
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBeTruthy();
    expect(callback.searchParams.get('state')).toBe('app-state');
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('answers 400 invalid_request for an unknown or reused /continue state', async () => {
    emulator = await startTenant({ mode });
    const unknown = await fetch(new URL('/continue?state=not-a-state', emulator.origin), { redirect: 'manual' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('invalid_request');
    const missing = await fetch(new URL('/continue', emulator.origin), form({}));
    expect(missing.status).toBe(400);

    const target = locationOf(await logIn(emulator, 'grace@example.com'));
    const state = target.searchParams.get('state') as string;
    const t2 = await signContinueToken({ sub: 'auth0|grace', state });
    expect(locationOf(await fetch(new URL(`/continue?state=${state}`, emulator.origin), form({ session_token: t2 }))).pathname).toBe('/callback');
    const replay = await fetch(new URL(`/continue?state=${state}`, emulator.origin), form({ session_token: t2 }));
    expect(replay.status).toBe(400);
  });
});
