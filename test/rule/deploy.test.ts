// rule/deploy.mjs, run as the operator runs it (a child process) and through its main() (as the
// `progressive-profile deploy-action` command calls it), against the emulated tenant's Actions API.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../demo/emulator/emulator.js';
import { findFreePort } from '../../demo/free-port.js';
import { BAD_SECRETS, CONTINUE_SECRET, SECRETS, SESSION_SECRET } from './support.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../rule/deploy.mjs', import.meta.url));
const NO_NETWORK = pathToFileURL(fileURLToPath(new URL('./fixtures/no-network.mjs', import.meta.url))).href;
const DOCUMENTED_SCOPES = ['read:actions', 'create:actions', 'update:actions'];

interface Io {
  stdout: { write(text: string): void };
  stderr: { write(text: string): void };
  fetch?: typeof fetch;
}
interface DeployModule {
  main(argv: string[], env: Record<string, string | undefined>, io: Io): Promise<number>;
  SECRET_NAMES: string[];
}
// A variable specifier: the script is plain JavaScript without type declarations.
const deployModule = (await import(SCRIPT)) as DeployModule;

function client(clientId: string, scope: string) {
  return { clientId, clientSecret: randomBytes(16).toString('hex'), callbacks: [], scope };
}

const INSTALLER = client('installer', DOCUMENTED_SCOPES.join(' '));
const ADMIN = client('admin', [...DOCUMENTED_SCOPES, 'read:triggers', 'update:triggers'].join(' '));
const LACKING = DOCUMENTED_SCOPES.map((missing) =>
  client(`lacks-${missing.replace(':', '-')}`, [...DOCUMENTED_SCOPES.filter((scope) => scope !== missing), 'read:triggers', 'update:triggers'].join(' ')),
);

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

function environment(overrides: Record<string, string> = {}, installer = INSTALLER): Record<string, string> {
  return {
    AUTH0_DOMAIN: emulator.origin,
    AUTH0_CLIENT_ID: installer.clientId,
    AUTH0_CLIENT_SECRET: installer.clientSecret,
    ...SECRETS,
    ...overrides,
  };
}

function deploy(args: string[] = [], env: Record<string, string> = {}) {
  return run(process.execPath, [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? '', ...environment(env) } });
}

/** Runs main() in this process; what it printed, its exit status and the requests it made. */
async function runMain(argv: string[], env: Record<string, string | undefined>, fetchImpl: typeof fetch = fetch) {
  let stdout = '';
  let stderr = '';
  const requests: string[] = [];
  const status = await deployModule.main(argv, env, {
    stdout: { write: (text) => void (stdout += text) },
    stderr: { write: (text) => void (stderr += text) },
    fetch: (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${String(input)}`);
      return fetchImpl(input, init);
    },
  });
  return { status, stdout, stderr, requests };
}

async function listOurActions() {
  return (await api('GET', '/api/v2/actions/actions?actionName=Progressive%20Profile')).body.actions as Array<Record<string, any>>;
}

beforeEach(async () => {
  emulator = createEmulator({ secrets: SECRETS, clients: [INSTALLER, ADMIN, ...LACKING] });
  await emulator.listen();
  const answer = await fetch(new URL('/oauth/token', emulator.origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: ADMIN.clientId,
      client_secret: ADMIN.clientSecret,
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
  it('creates, deploys and binds the Action with only read:actions, create:actions and update:actions, then updates it without binding it twice', async () => {
    const first = await deploy();
    expect(first.stdout).toContain('created the Action');
    const second = await deploy([], { PROFILE_LOGIN_COUNT: '3', PROFILE_MAX_FIELDS: '1', PROFILE_MAX_SKIPS: '2' });
    expect(second.stdout).toContain('updated the Action');
    expect(second.stdout).toContain('already bound to post-login');

    const listed = await listOurActions();
    expect(listed).toHaveLength(1);
    const action = listed[0]!;
    expect(action.code).toBe(await readFile(new URL('../../rule/action.js', import.meta.url), 'utf8'));
    expect(action.runtime).toBe('node22');
    expect(action.supported_triggers).toEqual([{ id: 'post-login', version: 'v3' }]);
    expect(action.deployed_version.number).toBe(2);
    expect(action.secrets.map((secret: { name: string }) => secret.name).sort()).toEqual(
      [...Object.keys(SECRETS), 'PROFILE_LOGIN_COUNT', 'PROFILE_MAX_FIELDS', 'PROFILE_MAX_SKIPS'].sort(),
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

  it('sends every secret the Action reads, and removes one no longer set', async () => {
    const all = {
      PROFILE_FIELDS_BY_CLIENT: '{"crm": "job_title"}',
      PROFILE_CLIENTS: 'crm,demo-app',
      PROFILE_MAX_FIELDS: '2',
      PROFILE_LOGIN_COUNT: '2',
      PROFILE_SNOOZE_DAYS: '3',
      PROFILE_MAX_SKIPS: '4',
      PROFILE_DATABASE_CONNECTION: 'Username-Password-Authentication',
    };
    await deploy([], all);
    const names = (await listOurActions())[0]!.secrets.map((secret: { name: string }) => secret.name);
    expect(names.sort()).toEqual([...deployModule.SECRET_NAMES].sort());
    await deploy([], { ...all, PROFILE_CLIENTS: '' });
    const after = (await listOurActions())[0]!.secrets.map((secret: { name: string }) => secret.name);
    expect(after).not.toContain('PROFILE_CLIENTS');
    expect(after).toHaveLength(deployModule.SECRET_NAMES.length - 1);
  });

  it('stops when the installer cannot get a token', async () => {
    const failure = await deploy([], { AUTH0_CLIENT_SECRET: 'wrong' }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain('POST /oauth/token: 401');
  });
});

describe('the scopes deploy asks for', () => {
  it.each(DOCUMENTED_SCOPES)('refuses, naming %s, a grant that lacks it, before changing anything', async (missing) => {
    const lacking = LACKING[DOCUMENTED_SCOPES.indexOf(missing)]!;
    const { status, stderr, requests } = await runMain([], environment({}, lacking));
    expect(status).toBe(1);
    expect(stderr).toBe(
      `deploy: AUTH0_CLIENT_ID lacks the scope ${missing} on the Management API (it needs read:actions, create:actions, update:actions)\n`,
    );
    expect(requests).toEqual([`POST ${emulator.origin}/oauth/token`]);
    expect(await listOurActions()).toEqual([]);
  });

  it('names the scope an endpoint refused when the token answer does not list its scopes', async () => {
    const lacking = LACKING[DOCUMENTED_SCOPES.indexOf('update:actions')]!;
    // Some tenants leave `scope` out of the token answer: the refusal comes from the endpoint itself.
    const withoutScope: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith('/oauth/token')) return response;
      const { scope: _scope, ...answer } = (await response.json()) as Record<string, unknown>;
      return new Response(JSON.stringify(answer), { status: response.status, headers: { 'content-type': 'application/json' } });
    };
    const { status, stderr } = await runMain([], environment({}, lacking), withoutScope);
    expect(status).toBe(1);
    expect(stderr).toBe(
      'deploy: PATCH /api/v2/actions/triggers/post-login/bindings: 403: AUTH0_CLIENT_ID lacks the scope update:actions on the Management API\n',
    );
  });
});

describe('deploy --dry-run', () => {
  it('prints the plan from the environment alone, secret names only, and makes no request', async () => {
    const env = { ...environment(), AUTH0_DOMAIN: 'acme.eu.auth0.com', PROFILE_MAX_FIELDS: '1' };
    const { status, stdout, stderr, requests } = await runMain(['--dry-run'], env, () => {
      throw new Error('no request expected');
    });
    expect({ status, stderr, requests }).toEqual({ status: 0, stderr: '', requests: [] });
    expect(stdout).toContain('Plan for "Progressive Profile" on https://acme.eu.auth0.com');
    expect(stdout).toContain(`secrets: ${deployModule.SECRET_NAMES.filter((name) => name in env).join(', ')}`);
    expect(stdout).toContain('dry run: the tenant was not contacted');
    for (const secret of [SESSION_SECRET, CONTINUE_SECRET, INSTALLER.clientSecret]) expect(stdout).not.toContain(secret);
  });

  it('attempts no connection at all, even to an unroutable tenant', async () => {
    const env = { PATH: process.env.PATH ?? '', ...environment(), AUTH0_DOMAIN: 'https://10.255.255.1' };
    // The guard ends the process with status 97 at the first fetch, connection or DNS lookup (the
    // next test shows it does), and `run` rejects on any status but 0: no clock is needed.
    const { stdout, stderr } = await run(process.execPath, ['--import', NO_NETWORK, SCRIPT, '--dry-run'], { env });
    expect(stderr).toBe('');
    expect(stdout).toContain('on https://10.255.255.1');
  });

  it('is told apart from a real run by the network guard (the guard itself works)', async () => {
    const env = { PATH: process.env.PATH ?? '', ...environment(), AUTH0_DOMAIN: 'https://10.255.255.1' };
    const failure = await run(process.execPath, ['--import', NO_NETWORK, SCRIPT], { env }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 97 });
    expect((failure as { stderr: string }).stderr).toContain('NETWORK ATTEMPT');
  });
});

describe('deploy --help', () => {
  it('prints the usage, the variables and the scopes, and exits 0 with an empty environment', async () => {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, '--help'], { env: { PATH: process.env.PATH ?? '' } });
    expect(stderr).toBe('');
    expect(stdout).toContain('Usage: progressive-profile deploy-action [--dry-run]');
    expect(stdout).toContain('--dry-run');
    expect(stdout).toContain('read:actions, create:actions, update:actions');
    expect(stdout).not.toContain('triggers');
    for (const name of ['AUTH0_DOMAIN', 'AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET', ...deployModule.SECRET_NAMES]) expect(stdout).toContain(name);
  });

  it('reads nothing from the environment', async () => {
    const env = new Proxy({} as Record<string, string | undefined>, {
      get(_target, name) {
        throw new Error(`read ${String(name)}`);
      },
      has(_target, name) {
        throw new Error(`asked for ${String(name)}`);
      },
    });
    const { status, stdout, requests } = await runMain(['-h'], env);
    expect(status).toBe(0);
    expect(stdout).toContain('Usage:');
    expect(requests).toEqual([]);
  });

  it('refuses an unknown argument with exit status 2', async () => {
    const { status, stderr } = await runMain(['--dryrun'], environment());
    expect(status).toBe(2);
    expect(stderr).toBe('deploy: unknown argument "--dryrun"; see --help\n');
  });
});

describe('deploy refuses a bad value before any request', () => {
  it.each(BAD_SECRETS)("when %s, with the Action's own sentence", async (_name, change, problem) => {
    const { status, stdout, stderr, requests } = await runMain([], environment(change));
    expect({ status, stderr, requests }).toEqual({ status: 1, stderr: `deploy: ${problem}\n`, requests: [] });
    expect(stdout).toBe('');
    for (const value of Object.values(change)) if (value.length > 8) expect(stderr).not.toContain(value);
  });

  it.each([
    ['AUTH0_DOMAIN is missing', { AUTH0_DOMAIN: '' }, 'AUTH0_DOMAIN is not set'],
    ['AUTH0_DOMAIN is plain http elsewhere', { AUTH0_DOMAIN: 'http://acme.eu.auth0.com' }, 'AUTH0_DOMAIN: plain http is only for 127.0.0.1 or localhost'],
    ['AUTH0_DOMAIN has a path', { AUTH0_DOMAIN: 'https://acme.eu.auth0.com/api/v2' }, 'AUTH0_DOMAIN must be a bare domain, without path or credentials'],
    ['AUTH0_CLIENT_ID is missing', { AUTH0_CLIENT_ID: '' }, 'AUTH0_CLIENT_ID is not set'],
    ['AUTH0_CLIENT_SECRET is missing', { AUTH0_CLIENT_SECRET: '' }, 'AUTH0_CLIENT_SECRET is not set'],
  ])('when %s', async (_name, change, problem) => {
    const { status, stderr, requests } = await runMain(['--dry-run'], environment(change));
    expect({ status, stderr, requests }).toEqual({ status: 1, stderr: `deploy: ${problem}\n`, requests: [] });
  });
});

describe('a tenant deploy cannot reach', () => {
  it('names the host and the system\'s reason (a host that does not resolve)', async () => {
    const notFound: typeof fetch = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND acme.eu.auth0.com'), { code: 'ENOTFOUND' }) });
    };
    const { status, stderr } = await runMain([], { ...environment(), AUTH0_DOMAIN: 'acme.eu.auth0.com' }, notFound);
    expect(status).toBe(1);
    expect(stderr).toBe('deploy: could not reach acme.eu.auth0.com: ENOTFOUND\n');
  });

  it('names the host and the system\'s reason (nothing listening)', async () => {
    const port = await findFreePort();
    const failure = await run(process.execPath, [SCRIPT], {
      env: { PATH: process.env.PATH ?? '', ...environment(), AUTH0_DOMAIN: `http://127.0.0.1:${port}` },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toBe(`deploy: could not reach 127.0.0.1:${port}: ECONNREFUSED\n`);
  });

  it('says so when the tenant does not answer in time', async () => {
    const timedOut: typeof fetch = async () => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    };
    const { stderr } = await runMain([], { ...environment(), AUTH0_DOMAIN: 'acme.eu.auth0.com' }, timedOut);
    expect(stderr).toBe('deploy: acme.eu.auth0.com did not answer within 15 s\n');
  });
});
