// The tenant runs what is deployed and bound: rule/deploy.mjs's deploy() installs the Action
// through the Actions API, and logins then run the deployed code with the deployed secrets; a new
// deploy takes over at the next login, code that fails to build is never deployed, and with no
// binding the tenant falls back to the Action and secrets it was created with.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../demo/emulator/emulator.js';
import { SECRETS } from '../rule/support.js';
import { accessToken, BROWSER_CLIENT, CALLBACK, callApi, logIn, locationOf } from './support.js';

interface DeployModule {
  deploy(options: { env: Record<string, string>; log: (line: string) => void }): Promise<{ actionId: string }>;
}
// A variable specifier: the installer is plain JavaScript without type declarations.
const { deploy } = (await import(fileURLToPath(new URL('../../rule/deploy.mjs', import.meta.url)))) as DeployModule;

const INSTALLER = { clientId: 'installer', clientSecret: randomBytes(16).toString('hex'), callbacks: [], scope: 'read:actions create:actions update:actions' };
const FIRST_FORM = 'http://127.0.0.1:3999/first-form';
const SECOND_FORM = 'http://127.0.0.1:3999/second-form';

let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function install(tenant: Emulator, formUrl: string) {
  return deploy({
    env: { AUTH0_DOMAIN: tenant.origin, AUTH0_CLIENT_ID: INSTALLER.clientId, AUTH0_CLIENT_SECRET: INSTALLER.clientSecret, ...SECRETS, PROFILE_FORM_URL: formUrl },
    log: () => undefined,
  });
}

/** Where Grace (her profile incomplete) is sent once she signs in: the form's address, or the callback. */
async function destinationOfGrace(tenant: Emulator): Promise<string> {
  const target = locationOf(await logIn(tenant, 'grace@example.com'));
  return `${target.origin}${target.pathname}`;
}

describe('the tenant runs the Action deployed and bound to post-login', () => {
  it('runs the deployed code with the deployed secrets, a new deploy from the next login, and the old version while new code fails to build', async () => {
    // Created without secrets: before the install, rule/action.js has no PROFILE_FORM_URL and asks nothing.
    emulator = createEmulator({ secrets: {}, clients: [BROWSER_CLIENT, INSTALLER] });
    await emulator.listen();
    expect(await destinationOfGrace(emulator)).toBe(CALLBACK);

    const { actionId } = await install(emulator, FIRST_FORM);
    expect(await destinationOfGrace(emulator)).toBe(FIRST_FORM);
    await install(emulator, SECOND_FORM);
    expect(await destinationOfGrace(emulator)).toBe(SECOND_FORM);

    const token = await accessToken(emulator.origin, INSTALLER);
    const broken = await callApi(emulator.origin, token, 'PATCH', `/actions/actions/${actionId}`, { code: 'exports.onExecutePostLogin = async (event, api) => {' });
    expect(broken.body.status).toBe('failed');
    const refused = await callApi(emulator.origin, token, 'POST', `/actions/actions/${actionId}/deploy`);
    expect(refused).toMatchObject({ status: 400, body: { message: 'The action Progressive Profile failed to build and cannot be deployed.' } });
    expect(await destinationOfGrace(emulator)).toBe(SECOND_FORM);

    await callApi(emulator.origin, token, 'PATCH', '/actions/triggers/post-login/bindings', { bindings: [] });
    expect(await destinationOfGrace(emulator)).toBe(CALLBACK);
  });

  it('runs the bound Actions in binding order: one bound before it that denies ends the login', async () => {
    emulator = createEmulator({ secrets: {}, clients: [BROWSER_CLIENT, INSTALLER] });
    await emulator.listen();
    const { actionId } = await install(emulator, FIRST_FORM);
    const token = await accessToken(emulator.origin, INSTALLER);
    const gate = await callApi(emulator.origin, token, 'POST', '/actions/actions', {
      name: 'Gate',
      code: 'exports.onExecutePostLogin = async (event, api) => { api.access.deny(`closed for ${event.secrets.REASON}`); };',
      supported_triggers: [{ id: 'post-login', version: 'v3' }],
      secrets: [{ name: 'REASON', value: 'maintenance' }],
    });
    await callApi(emulator.origin, token, 'POST', `/actions/actions/${gate.body.id}/deploy`);
    await callApi(emulator.origin, token, 'PATCH', '/actions/triggers/post-login/bindings', {
      bindings: [{ ref: { type: 'action_id', value: gate.body.id } }, { ref: { type: 'action_id', value: actionId } }],
    });
    const target = locationOf(await logIn(emulator, 'grace@example.com'));
    expect(`${target.origin}${target.pathname}`).toBe(CALLBACK);
    expect(Object.fromEntries(target.searchParams)).toMatchObject({ error: 'access_denied', error_description: 'closed for maintenance' });
  });
});
