// The doctor's lines for the validation hook (a signed probe, against the demo's receiver and hooks
// that misbehave) and for account linking (the scopes from the server's own list, the connection
// read from the emulated tenant).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../../demo/emulator/emulator.js';
import { findFreePort } from '../../../demo/free-port.js';
import { startValidationHookReceiver } from '../../../demo/validation-hook.js';
import { loadConfig } from '../../../server/config.js';
import { runDoctor, type CheckResult, type DoctorReport } from '../../../server/ops/doctor.js';
import { checkValidationHook } from '../../../server/ops/doctor/validation-hook.js';
import { startCannedHook } from '../support/canned-hook.js';

type Env = Record<string, string | undefined>;
const SESSION_SECRET = randomBytes(32).toString('base64url');
const HOOK_SECRET = randomBytes(32).toString('base64url');
const DATABASE = 'Username-Password-Authentication';
let cwd: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'doctor-r2-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(cwd, { recursive: true, force: true });
});

/** The validation hook line for a hook at `url`, as the doctor prints it. */
async function hookLine(url: string, env: Env = {}): Promise<CheckResult | undefined> {
  const config = loadConfig(
    { AUTH0_DOMAIN: 'acme.eu.auth0.com', SESSION_TOKEN_SECRET: SESSION_SECRET, VALIDATION_HOOK_URL: url, VALIDATION_HOOK_SECRET: HOOK_SECRET, ...env },
    { cwd },
  );
  return checkValidationHook(config, fetch);
}

describe('doctor: the validation hook', () => {
  it('passes a hook that answers the signed probe, which the receiver verified', async () => {
    const receiver = await startValidationHookReceiver({ secret: HOOK_SECRET });
    cleanups.push(() => receiver.close());
    const line = await hookLine(receiver.url);
    expect(line).toMatchObject({ id: 'validation_hook', label: 'validation hook', status: 'pass' });
    expect(line?.message).toMatch(
      new RegExp(`^${new URL(receiver.url).host} accepts the server's signature and answers a signed probe with a valid answer in \\d+ ms \\(VALIDATION_HOOK_TIMEOUT 3 s\\)$`, 'u'),
    );
    expect(receiver.calls).toEqual([{ sub: 'doctor|probe', fields: [], values: {} }]);
  });

  it('fails with 401 when the receiver refuses the signature: the secrets differ', async () => {
    const receiver = await startValidationHookReceiver({ secret: randomBytes(32).toString('base64url') });
    cleanups.push(() => receiver.close());
    const host = new URL(receiver.url).host;
    expect(await hookLine(receiver.url)).toEqual({
      id: 'validation_hook',
      label: 'validation hook',
      status: 'fail',
      message: `${host} answered 401 to the signed probe: the receiver refused the signature, so VALIDATION_HOOK_SECRET is not the receiver's secret`,
      fix: 'set the same secret on both sides (a receiver also refuses a timestamp more than five minutes from its clock: check both clocks)',
    });
    expect(receiver.calls).toEqual([]);
  });

  it('fails with the real cause when nothing listens', async () => {
    const port = await findFreePort();
    expect(await hookLine(`http://127.0.0.1:${port}/validate`)).toMatchObject({
      status: 'fail',
      message: `could not reach 127.0.0.1:${port}: ECONNREFUSED`,
      fix: 'start the hook service or correct VALIDATION_HOOK_URL; until it answers, every submit with values answers 503',
    });
  });

  it('fails when the hook does not answer within VALIDATION_HOOK_TIMEOUT', async () => {
    const url = await startCannedHook(cleanups);
    expect(await hookLine(url, { VALIDATION_HOOK_TIMEOUT: '0.2' })).toMatchObject({
      status: 'fail',
      message: `${new URL(url).host} did not answer the signed probe within VALIDATION_HOOK_TIMEOUT (0.2 s)`,
    });
  });

  it.each([
    [{ status: 500, body: '{}' }, 'answered 500 to the signed probe (a hook answers 200)'],
    [{ status: 307, body: '' }, 'answered 307, a redirect: the server never follows one (it would send the values elsewhere)'],
    [{ status: 200, body: 'OK' }, 'answered 200 with a body that is not JSON (or is over 64 KiB)'],
    [{ status: 200, body: '{"ok": true}' }, 'answered 200 with JSON that is neither {} nor {"errors": {…}}'],
  ])('fails a hook answering %j', async (answer, found) => {
    const url = await startCannedHook(cleanups, answer);
    const line = await hookLine(url);
    expect(line?.status).toBe('fail');
    expect(line?.message).toBe(`${new URL(url).host} ${found}`);
  });

  it('passes any valid answer, a refusal included', async () => {
    const url = await startCannedHook(cleanups, { status: 200, body: '{"errors": {"company_name": "No."}}' });
    expect((await hookLine(url))?.status).toBe('pass');
  });

  it('prints no line when VALIDATION_HOOK_URL is not set', async () => {
    const config = loadConfig({ AUTH0_DOMAIN: 'acme.eu.auth0.com', SESSION_TOKEN_SECRET: SESSION_SECRET }, { cwd });
    expect(await checkValidationHook(config, fetch)).toBeUndefined();
  });
});

describe('doctor: account linking', () => {
  let emulator: Emulator;
  const clients = {
    full: m2m('linking-server', 'read:users update:users create:users delete:users read:connections'),
    noConnections: m2m('without-read-connections', 'read:users update:users create:users delete:users'),
    noCreate: m2m('without-create-users', 'read:users update:users read:connections'),
  };

  function m2m(clientId: string, scope: string) {
    return { clientId, clientSecret: randomBytes(24).toString('hex'), callbacks: [] as string[], scope };
  }

  beforeEach(async () => {
    emulator = createEmulator({
      secrets: {},
      clients: Object.values(clients),
      connections: [
        { name: DATABASE, strategy: 'auth0', passwordPolicy: 'fair', minLength: 10, requiresUsername: true },
        { name: 'github', strategy: 'github' },
      ],
    });
    await emulator.listen();
    cleanups.push(() => emulator.close());
  });

  async function diagnose(client: { clientId: string; clientSecret: string }, connection = DATABASE, env: Env = {}) {
    await writeFile(
      join(cwd, 'fields.json'),
      JSON.stringify({
        fields: [
          { id: 'username', label: 'Username', type: 'text', required: true, maxLength: 15, target: 'app_metadata', unique: true },
          { id: 'password', label: 'Password', type: 'password', required: true },
        ],
        link_database_identity: { connection },
      }),
    );
    let stdout = '';
    const status = await runDoctor(
      ['--json'],
      {
        AUTH0_DOMAIN: emulator.origin,
        AUTH0_CLIENT_ID: client.clientId,
        AUTH0_CLIENT_SECRET: client.clientSecret,
        SESSION_TOKEN_SECRET: SESSION_SECRET,
        PROFILE_FIELDS_FILE: 'fields.json',
        ...env,
      },
      { stdout: (text) => void (stdout += text), stderr: () => {} },
      { cwd },
    );
    const report = JSON.parse(stdout) as DoctorReport;
    return { status, report, check: (id: CheckResult['id']) => report.checks.find((check) => check.id === id) };
  }

  it('checks the scopes the server needs to link, and that the connection is a database connection whose rules the form shows', async () => {
    const { check, report } = await diagnose(clients.full);
    expect(report.checks.map((line) => line.id).slice(0, 5)).toEqual(['configuration', 'store', 'tenant', 'management_api', 'linking_connection']);
    expect(check('management_api')).toMatchObject({
      status: 'pass',
      message: 'AUTH0_CLIENT_ID gets a token with read:users update:users create:users delete:users',
    });
    expect(check('linking_connection')).toEqual({
      id: 'linking_connection',
      label: 'linking connection',
      status: 'pass',
      message: `"${DATABASE}" is a database connection; it takes usernames, so users may sign in with one; the form shows its password rules (fair, at least 10 characters)`,
    });
  });

  it('fails the Management API line naming create:users and delete:users, from the server’s own list', async () => {
    const { status, check } = await diagnose(clients.noCreate);
    expect(status).toBe(1);
    expect(check('management_api')).toMatchObject({
      status: 'fail',
      message: "AUTH0_CLIENT_ID's token lacks the scopes create:users, delete:users (this configuration needs read:users update:users create:users delete:users)",
    });
  });

  it('says the rules cannot be shown without read:connections, and checks nothing it cannot read', async () => {
    const { status, check } = await diagnose(clients.noConnections);
    expect(status).toBe(0);
    expect(check('management_api')).toMatchObject({ status: 'warn', fix: expect.stringContaining('grant read:connections') });
    expect(check('linking_connection')).toEqual({
      id: 'linking_connection',
      label: 'linking connection',
      status: 'skip',
      message: `not checked: the token has no read:connections (grant it so the server reads "${DATABASE}" at start and the form shows its password rules; without it the form shows none, and a missing connection shows only when the first user links)`,
    });
  });

  it('fails a form linking into a connection the tenant does not have', async () => {
    const { status, check } = await diagnose(clients.full, 'Other-Database');
    expect(status).toBe(1);
    expect(check('linking_connection')).toMatchObject({
      status: 'fail',
      message: 'the tenant has no connection named "Other-Database" (link_database_identity): the server refuses to start',
      fix: 'create it (Authentication > Database > Create DB Connection) or set "link_database_identity": {"connection": NAME} in PROFILE_FIELDS_FILE to an existing database connection',
    });
  });

  it('fails a form linking into a social connection', async () => {
    const { check } = await diagnose(clients.full, 'github');
    expect(check('linking_connection')).toMatchObject({
      status: 'fail',
      message: '"github" is a github connection, not a database connection (strategy auth0): no password can be added to it',
    });
  });

  it('skips the line, saying why, when no token came', async () => {
    const { check } = await diagnose({ clientId: clients.full.clientId, clientSecret: 'not-the-secret' });
    expect(check('management_api')?.status).toBe('fail');
    expect(check('linking_connection')).toMatchObject({ status: 'skip', message: 'not checked: no Management API token' });
  });

  it('prints the hook line after the store’s in the text report', async () => {
    const receiver = await startValidationHookReceiver({ secret: HOOK_SECRET });
    cleanups.push(() => receiver.close());
    let stdout = '';
    await runDoctor(
      [],
      {
        AUTH0_DOMAIN: emulator.origin,
        SESSION_TOKEN_SECRET: SESSION_SECRET,
        VALIDATION_HOOK_URL: receiver.url,
        VALIDATION_HOOK_SECRET: HOOK_SECRET,
      },
      { stdout: (text) => void (stdout += text), stderr: () => {} },
      { cwd },
    );
    const lines = stdout.split('\n');
    expect(lines[1]).toMatch(/^✔ token store: /u);
    expect(lines[2]).toMatch(new RegExp(`^✔ validation hook: ${new URL(receiver.url).host} accepts the server's signature`, 'u'));
    expect(stdout).not.toContain(HOOK_SECRET);
  });
});
