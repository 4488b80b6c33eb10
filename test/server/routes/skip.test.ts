import { afterEach, describe, expect, it } from 'vitest';
import { mintSessionToken, TENANT, testForm } from '../support/fixtures.js';
import { closeApps, continueClaims, expectError, post, setup, submitBody } from '../support/app.js';

afterEach(closeApps);

describe('POST /skip', () => {
  it('answers a continue token marked skipped when the form allows it, writing nothing', async () => {
    const { app, writer } = setup();
    const response = await post(app, '/skip', { state: 'state-1', session_token: await mintSessionToken({ jti: 'login-77' }) });
    expect(response.statusCode).toBe(200);
    expect(response.json().continue_url).toBe(`${TENANT.origin}/continue?state=state-1`);
    expect(await continueClaims(response)).toMatchObject({ skipped: true, state: 'state-1', sub: 'auth0|user-1', jti: 'login-77' });
    expect(writer.writes).toHaveLength(0);
  });

  it('refuses with skip_not_allowed when the form does not allow it, leaving T1 usable', async () => {
    const { app } = setup({ form: testForm({ allow_skip: false }) });
    const body = await submitBody();
    expectError(await post(app, '/skip', body), 403, 'skip_not_allowed');
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
  });

  it('refuses with skip_not_allowed when T1 says allow_skip false, leaving T1 usable for a submit', async () => {
    const { app, writer } = setup();
    const body = await submitBody(undefined, { allow_skip: false });
    expectError(await post(app, '/skip', body), 403, 'skip_not_allowed');
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
    expect(writer.writes).toHaveLength(1);
  });

  it('reports a used T1 before skip_not_allowed', async () => {
    const { app } = setup();
    const body = await submitBody(undefined, { allow_skip: false });
    expect((await post(app, '/submit', body)).statusCode).toBe(200);
    expectError(await post(app, '/skip', body), 409, 'session_used');
  });

  it('allows a skip when T1 says allow_skip true', async () => {
    const { app } = setup();
    expect((await post(app, '/skip', await submitBody(undefined, { allow_skip: true }))).statusCode).toBe(200);
  });
});
