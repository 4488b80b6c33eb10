import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, continueClaims, post, setup, submitBody, VALUES } from '../support/app.js';
import { CUSTOM_DOMAIN, NOW_SECONDS, TENANT } from '../support/fixtures.js';

afterEach(closeApps);

describe('POST /submit', () => {
  it('writes the patch once and answers the continue URL and token', async () => {
    const { app, writer, clock } = setup();
    const response = await post(app, '/submit', await submitBody());
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({ continue_url: `${TENANT.origin}/continue?state=state-1`, session_token: expect.any(String) });
    expect(writer.writes).toHaveLength(1);
    expect(writer.writes[0].userId).toBe('auth0|user-1');
    expect(writer.writes[0].patch).toEqual({ user_metadata: { company_name: 'Acme', job_title: 'CTO' } });
    expect(writer.writes[0].options.deadline).toBe(clock.now() + 10_000);
    expect(writer.writes[0].options.signal).toBeInstanceOf(AbortSignal);
    const claims = await continueClaims(response);
    expect(claims).toMatchObject({ iss: 'progressive-profile', sub: 'auth0|user-1', state: 'state-1', exp: NOW_SECONDS + 120 });
    expect(claims).not.toHaveProperty('profile');
    expect(claims).not.toHaveProperty('skipped');
  });

  it("carries T1's jti in T2, so one login can be followed across the Action's and the server's logs", async () => {
    const { app } = setup();
    const response = await post(app, '/submit', await submitBody(VALUES, { jti: 'login-4f2a' }));
    expect((await continueClaims(response)).jti).toBe('login-4f2a');
  });

  it('groups values by target and writes numbers, booleans and options as given', async () => {
    const { app, writer } = setup();
    const values = { ...VALUES, plan: 'pro', age: 42, newsletter: true, nickname: 'zed' };
    expect((await post(app, '/submit', await submitBody(values))).statusCode).toBe(200);
    expect(writer.writes[0].patch).toEqual({
      user_metadata: { company_name: 'Acme', job_title: 'CTO', age: 42, newsletter: true, nickname: 'zed' },
      app_metadata: { plan: 'pro' },
    });
  });

  it('never writes an empty optional value, and never an empty object', async () => {
    const { app, writer } = setup();
    const values = { ...VALUES, nickname: '   ', plan: '', age: null };
    expect((await post(app, '/submit', await submitBody(values))).statusCode).toBe(200);
    expect(writer.writes[0].patch).toEqual({ user_metadata: { company_name: 'Acme', job_title: 'CTO' } });
  });

  it('writes an unticked optional checkbox as false: it is an answer, not an empty value', async () => {
    const { app, writer } = setup();
    expect((await post(app, '/submit', await submitBody({ ...VALUES, newsletter: false }))).statusCode).toBe(200);
    expect(writer.writes[0].patch.user_metadata).toMatchObject({ newsletter: false });
  });

  it('skips the write entirely when nothing is left to write', async () => {
    const { app, writer } = setup();
    const response = await post(app, '/submit', await submitBody({ nickname: '' }, { fields: [] }));
    expect(response.statusCode).toBe(200);
    expect(writer.writes).toHaveLength(0);
  });

  it('asks only the required fields the token names, ignoring values for the others', async () => {
    const { app, writer } = setup();
    const body = await submitBody({ company_name: 'Acme', job_title: 'Overwrite' }, { fields: ['company_name', 'not_defined'] });
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
    expect(writer.writes[0].patch).toEqual({ user_metadata: { company_name: 'Acme' } });
  });

  it('points continue_url at the custom domain when the token was issued there', async () => {
    const { app } = setup();
    const response = await post(app, '/submit', await submitBody(VALUES, { iss: CUSTOM_DOMAIN.host }));
    expect(response.json().continue_url).toBe(`${CUSTOM_DOMAIN.origin}/continue?state=state-1`);
  });

  it('round-trips a state holding &, #, % and spaces exactly', async () => {
    const { app } = setup();
    const state = 'a&b=c#d%25e f+g/é?';
    const response = await post(app, '/submit', await submitBody(VALUES, {}, state));
    const url = new URL(response.json().continue_url);
    expect(url.origin + url.pathname).toBe(`${TENANT.origin}/continue`);
    expect([...url.searchParams.keys()]).toEqual(['state']);
    expect(url.searchParams.get('state')).toBe(state);
    expect(url.hash).toBe('');
    expect((await continueClaims(response)).state).toBe(state);
  });

  it('takes the continue host from the token only, never from the request', async () => {
    const { app } = setup();
    const response = await post(app, '/submit', await submitBody(), { host: 'evil.example', 'x-forwarded-host': 'evil.example' });
    expect(response.json().continue_url.startsWith(`${TENANT.origin}/continue?`)).toBe(true);
  });

  it('points a loopback emulator tenant at its http origin', async () => {
    const emulator = { host: '127.0.0.1:4010', origin: 'http://127.0.0.1:4010' };
    const { app } = setup({ tenant: emulator, customDomain: undefined });
    const response = await post(app, '/submit', await submitBody(VALUES, { iss: emulator.host }));
    expect(response.json().continue_url).toBe('http://127.0.0.1:4010/continue?state=state-1');
  });
});

describe('Action-writes mode (no Management API credentials)', () => {
  it('puts only defined, asked, non-empty values in the profile claim, by target', async () => {
    const { app } = setup({ management: undefined }, { withoutWriter: true });
    const values = { ...VALUES, plan: 'free', nickname: '' };
    const response = await post(app, '/submit', await submitBody(values));
    expect(response.statusCode).toBe(200);
    expect((await continueClaims(response)).profile).toEqual({
      user_metadata: { company_name: 'Acme', job_title: 'CTO' },
      app_metadata: { plan: 'free' },
    });
  });
});
