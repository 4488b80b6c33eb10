// rule/deploy.mjs, run as the operator runs it (a child process), against the emulated tenant's
// Management API: create, then update; one binding of ours beside the tenant's existing one.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../demo/emulator/emulator.js';
import { SECRETS, SESSION_SECRET, CONTINUE_SECRET } from './support.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../rule/deploy.mjs', import.meta.url));
const INSTALLER = {
  clientId: 'installer',
  clientSecret: randomBytes(16).toString('hex'),
  callbacks: [],
  scope: 'create:actions update:actions read:actions update:triggers read:triggers',
};

let emulator: Emulator;
let token: string;

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(path, emulator.origin), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

function deploy(args: string[] = [], env: Record<string, string> = {}) {
  return run(process.execPath, [SCRIPT, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      AUTH0_DOMAIN: emulator.origin,
      AUTH0_CLIENT_ID: INSTALLER.clientId,
      AUTH0_CLIENT_SECRET: INSTALLER.clientSecret,
      ...SECRETS,
      ...env,
    },
  });
}

beforeEach(async () => {
  emulator = createEmulator({ secrets: SECRETS, clients: [INSTALLER] });
  await emulator.listen();
  const answer = await fetch(new URL('/oauth/token', emulator.origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: INSTALLER.clientId,
      client_secret: INSTALLER.clientSecret,
      audience: `${emulator.origin}/api/v2/`,
    }),
  });
  token = ((await answer.json()) as { access_token: string }).access_token;
  // The tenant already runs another Action on post-login.
  const other = await api('POST', '/api/v2/actions/actions', {
    name: 'Audit log',
    code: 'exports.onExecutePostLogin = async () => {};',
    supported_triggers: [{ id: 'post-login', version: 'v3' }],
  });
  await api('POST', `/api/v2/actions/actions/${other.body.id}/deploy`);
  await api('PATCH', '/api/v2/actions/triggers/post-login/bindings', {
    bindings: [{ ref: { type: 'action_id', value: other.body.id }, display_name: 'Audit log' }],
  });
});

afterEach(() => emulator.close());

describe('rule/deploy.mjs', () => {
  it('creates, deploys and binds the Action, then updates it on a second run without binding it twice', async () => {
    const first = await deploy();
    expect(first.stdout).toContain('created the Action');
    const second = await deploy([], { PROFILE_LOGIN_COUNT: '3' });
    expect(second.stdout).toContain('updated the Action');
    expect(second.stdout).toContain('already bound to post-login');

    const listed = await api('GET', '/api/v2/actions/actions?actionName=Progressive%20Profile');
    expect(listed.body.actions).toHaveLength(1);
    const action = listed.body.actions[0];
    expect(action.code).toBe(await readFile(new URL('../../rule/action.js', import.meta.url), 'utf8'));
    expect(action.runtime).toBe('node22');
    expect(action.supported_triggers).toEqual([{ id: 'post-login', version: 'v3' }]);
    expect(action.deployed_version.number).toBe(2);
    expect(action.secrets.map((secret: { name: string }) => secret.name).sort()).toEqual(
      [...Object.keys(SECRETS), 'PROFILE_LOGIN_COUNT'].sort(),
    );

    const bindings = await api('GET', '/api/v2/actions/triggers/post-login/bindings');
    expect(bindings.body.bindings.map((binding: { display_name: string }) => binding.display_name)).toEqual([
      'Audit log',
      'Progressive Profile',
    ]);
    for (const output of [first, second]) {
      for (const secret of [SESSION_SECRET, CONTINUE_SECRET, INSTALLER.clientSecret]) {
        expect(output.stdout + output.stderr).not.toContain(secret);
      }
    }
  });

  it('prints the plan without secrets and changes nothing with --dry-run', async () => {
    const { stdout } = await deploy(['--dry-run']);
    expect(stdout).toContain('would create the Action');
    expect(stdout).toContain('SESSION_TOKEN_SECRET');
    expect(stdout).not.toContain(SESSION_SECRET);
    expect(stdout).not.toContain(CONTINUE_SECRET);
    const listed = await api('GET', '/api/v2/actions/actions?actionName=Progressive%20Profile');
    expect(listed.body.actions).toEqual([]);
  });

  it('stops with one line naming the variable when a required secret is missing', async () => {
    const failure = await deploy([], { SESSION_TOKEN_SECRET: '' }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr.trim()).toBe('deploy: SESSION_TOKEN_SECRET: not set');
  });

  it('stops when the installer may not manage Actions', async () => {
    const failure = await deploy([], { AUTH0_CLIENT_SECRET: 'wrong' }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain('POST /oauth/token: 401');
  });
});
