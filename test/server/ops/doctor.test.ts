// `progressive-profile doctor` against the emulated tenant, the real server and a form page of its
// own: the Action installed by rule/deploy.mjs's main, then each test breaks one thing (in the
// tenant, the environment or the page) and sees exactly that line fail.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../../demo/emulator/emulator.js';
import { findFreePort } from '../../../demo/free-port.js';
import { buildApp } from '../../../server/app.js';
import { runCli } from '../../../server/cli.js';
import { loadConfig } from '../../../server/config.js';
import { DOCTOR_USAGE, runDoctor, type CheckResult, type DoctorReport } from '../../../server/ops/doctor.js';

type Env = Record<string, string | undefined>;
interface DeployModule {
  main(argv: string[], env: Env, io: { stdout: { write(text: string): void }; stderr: { write(text: string): void } }): Promise<number>;
}
// A variable specifier: the installer is plain JavaScript without type declarations.
const DEPLOY_SCRIPT = fileURLToPath(new URL('../../../rule/deploy.mjs', import.meta.url));
const deployModule = (await import(DEPLOY_SCRIPT)) as DeployModule;

const WIDGET = 'export const widget = "progressive-profile";\n';
const SESSION_SECRET = randomBytes(32).toString('base64url');

function m2m(clientId: string, scope: string) {
  return { clientId, clientSecret: randomBytes(24).toString('hex'), callbacks: [] as string[], scope };
}
const SERVER_APP = m2m('profile-server', 'read:users update:users read:actions');
const LACKS_UPDATE = m2m('lacks-update-users', 'read:users read:actions');
const WITHOUT_ACTIONS = m2m('without-read-actions', 'read:users update:users');
const INSTALLER = m2m('installer', 'read:actions create:actions update:actions');
const NO_GRANT = m2m('no-management-grant', '');
const DOCTOR_APP = m2m('doctor', 'read:actions');

let emulator: Emulator;
let server: FastifyInstance | undefined;
let pageServer: FastifyInstance;
let serverPort: number;
let serverOrigin: string;
let pageOrigin: string;
let cwd: string;
let env: Env;
/** What the page server answers at /complete-profile. */
let page: { html: string; headers: Record<string, string> };

function goodPageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<!-- <script type="module" src="https://old.example.com/progressive-profile.js"></script> -->
<script type="module" src="${serverOrigin}/progressive-profile.js"></script>
</head>
<body><progressive-profile endpoint="${serverOrigin}" restart-url="/login"></progressive-profile></body>
</html>`;
}

async function startServer(serverEnv: Env): Promise<void> {
  await server?.close();
  server = buildApp(loadConfig(serverEnv, { cwd }), { widgetScript: WIDGET });
  await server.listen({ port: serverPort, host: '127.0.0.1' });
}

async function actionsApi(method: string, path: string, body?: unknown) {
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
  const { access_token: token } = (await answer.json()) as { access_token: string };
  const response = await fetch(new URL(`/api/v2/actions${path}`, emulator.origin), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status).toBeLessThan(300);
  return (await response.json()) as Record<string, any>;
}

/** Installs the Action with deploy-action, from the shared environment and `overrides`. */
async function deployAction(overrides: Env = {}): Promise<void> {
  let output = '';
  const write = { write: (text: string) => void (output += text) };
  const status = await deployModule.main(
    [],
    { ...env, AUTH0_CLIENT_ID: INSTALLER.clientId, AUTH0_CLIENT_SECRET: INSTALLER.clientSecret, ...overrides },
    { stdout: write, stderr: write },
  );
  expect(status, output).toBe(0);
}

/** The installed Action's id. */
async function findActionId(): Promise<string> {
  const [action] = (await actionsApi('GET', '/actions?actionName=Progressive%20Profile')).actions as Array<{ id: string }>;
  return action!.id;
}

/** Saves the installed Action's code with `line` appended, as an edit in the dashboard does (a draft); answers its id. */
async function editActionCode(line: string): Promise<string> {
  const id = await findActionId();
  const { code } = await actionsApi('GET', `/actions/${id}`);
  await actionsApi('PATCH', `/actions/${id}`, { code: `${code}\n${line}\n` });
  return id;
}

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the doctor with the shared environment and `overrides` (undefined removes a variable). */
async function doctor(argv: string[] = [], overrides: Env = {}, io: { isTerminal?: boolean; fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const status = await runDoctor(
    argv,
    { ...env, ...overrides },
    { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), isTerminal: io.isTerminal },
    { cwd, fetch: io.fetch, timeoutMs: io.timeoutMs },
  );
  return { status, stdout, stderr };
}

/** The doctor's --json report, by check id. */
async function diagnose(argv: string[] = [], overrides: Env = {}, io: { timeoutMs?: number } = {}) {
  const run = await doctor(['--json', ...argv], overrides, io);
  const report = JSON.parse(run.stdout) as DoctorReport;
  const checks = new Map(report.checks.map((check) => [check.id, check]));
  return { run, report, checks, check: (id: CheckResult['id']) => checks.get(id) as CheckResult };
}

/** Which lines failed; every other line passed, apart from those named as skipped or warned. */
function expectStatuses(checks: Map<string, CheckResult>, expected: { fail?: string[]; skip?: string[]; warn?: string[] }): void {
  const byStatus = (status: string) => [...checks.values()].filter((check) => check.status === status).map((check) => check.id);
  expect({ fail: byStatus('fail'), skip: byStatus('skip'), warn: byStatus('warn') }).toEqual({
    fail: expected.fail ?? [],
    skip: expected.skip ?? [],
    warn: expected.warn ?? [],
  });
}

/** The printed line of `expected`, as a person sees it: its symbol, label, message and, when it has one, its fix. */
async function expectPrintedLine(expected: CheckResult, overrides: Env = {}): Promise<void> {
  const symbol = { pass: '✔', fail: '✖', warn: '⚠', skip: '○' }[expected.status];
  const { stdout } = await doctor([], overrides);
  expect(stdout.split('\n')).toContain(`${symbol} ${expected.label}: ${expected.message}${expected.fix ? ` — ${expected.fix}` : ''}`);
}

const ACTION_LINES = ['action', 'action_binding', 'action_secrets'];
const FORM_LINES = ['form_page', 'form_widget', 'form_endpoint', 'form_referrer_policy', 'form_origin'];

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'doctor-'));
  serverPort = await findFreePort();
  serverOrigin = `http://127.0.0.1:${serverPort}`;
  page = { html: '', headers: { 'referrer-policy': 'no-referrer' } };
  pageServer = Fastify();
  pageServer.get('/complete-profile', async (_request, reply) => reply.headers(page.headers).type('text/html; charset=utf-8').send(page.html));
  pageOrigin = await pageServer.listen({ port: 0, host: '127.0.0.1' });
  page.html = goodPageHtml();
  emulator = createEmulator({ secrets: {}, clients: [SERVER_APP, LACKS_UPDATE, WITHOUT_ACTIONS, INSTALLER, NO_GRANT, DOCTOR_APP] });
  await emulator.listen();
  env = {
    AUTH0_DOMAIN: emulator.origin,
    AUTH0_CLIENT_ID: SERVER_APP.clientId,
    AUTH0_CLIENT_SECRET: SERVER_APP.clientSecret,
    SESSION_TOKEN_SECRET: SESSION_SECRET,
    HOST: '127.0.0.1',
    PORT: String(serverPort),
    ALLOWED_ORIGINS: pageOrigin,
    // The Action's: the hosted page of the server, and the default form's two fields.
    PROFILE_FORM_URL: `${serverOrigin}/`,
    PROFILE_FIELDS: 'company_name,job_title',
  };
  await startServer(env);
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await pageServer.close();
  await emulator.close();
  await rm(cwd, { recursive: true, force: true });
});

describe('doctor, with the Action installed', () => {
  beforeEach(() => deployAction());

  it('passes every check of a working deployment, and prints neither a secret nor a token', async () => {
    const tokens: string[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith('/oauth/token')) tokens.push(((await response.clone().json()) as { access_token: string }).access_token);
      return response;
    };
    const run = await doctor([], {}, { fetch: recordingFetch });
    expect(run.status, run.stdout).toBe(0);
    expect(run.stderr).toBe('');
    const host = emulator.host;
    expect(run.stdout).toBe(
      [
        `✔ configuration: valid (tenant ${host}; 2 form fields; the server writes metadata through the Management API)`,
        '✔ token store: in memory: right for one instance (several instances, or used tokens kept across a restart, need REDIS_URL)',
        `✔ tenant: ${host} answers OpenID discovery as issuer ${emulator.origin}/`,
        '✔ Management API: AUTH0_CLIENT_ID gets a token with read:users update:users (and read:actions, so the Action is checked too)',
        '✔ Action: "Progressive Profile" is deployed (version 1, the code of this package’s rule/action.js)',
        '✔ post-login trigger: "Progressive Profile" runs on post-login (binding 1 of 1)',
        '✔ Action secrets: SESSION_TOKEN_SECRET, PROFILE_FORM_URL, PROFILE_FIELDS are set (Auth0 never shows their values: the token secrets must be this server’s, character for character)',
        '✔ Action fields: every field the Action lists (company_name, job_title) is in the form, stored alike',
        `✔ form page: ${serverOrigin}/ answers 200 with an HTML page`,
        `✔ widget script: the page loads ${serverOrigin}/progressive-profile.js as a module script, and it answers 200`,
        `✔ widget endpoint: the widget points at ${serverOrigin}, whose GET /form answers this environment's form`,
        '✔ Referrer-Policy: the page sets <meta name="referrer" content="no-referrer">',
        `✔ page origin: the page is on the server's own origin ${serverOrigin} (no CORS needed)`,
        '',
        'No problem found.',
        '',
      ].join('\n'),
    );
    expect(tokens).toHaveLength(1);
    for (const secret of [SESSION_SECRET, SERVER_APP.clientSecret, ...tokens]) expect(run.stdout).not.toContain(secret);
  });

  it('answers --json with ok, and each check with its id, label, status, message and, when it failed, its fix', async () => {
    const good = await diagnose();
    expect(good.run.status).toBe(0);
    expect(Object.keys(good.report)).toEqual(['ok', 'checks']);
    expect(good.report.ok).toBe(true);
    expect(good.report.checks.map((check) => check.id)).toEqual([
      'configuration',
      'store',
      'tenant',
      'management_api',
      ...ACTION_LINES,
      'action_fields',
      ...FORM_LINES,
    ]);
    for (const check of good.report.checks) expect(Object.keys(check)).toEqual(['id', 'label', 'status', 'message']);

    const bad = await diagnose([], { AUTH0_CLIENT_SECRET: 'not-the-secret' });
    expect(bad.run.status).toBe(1);
    expect(bad.report.ok).toBe(false);
    expect(Object.keys(bad.check('management_api'))).toEqual(['id', 'label', 'status', 'message', 'fix']);
    expect(bad.run.stdout).not.toMatch(/\u001b\[/u);
  });

  it('fails the configuration line on a bad value, naming the variable, and checks nothing that needs it', async () => {
    const { run, checks, check } = await diagnose([], { RATE_LIMIT: 'lots' });
    expect(run.status).toBe(1);
    expect(check('configuration')).toMatchObject({
      status: 'fail',
      message: 'RATE_LIMIT: must be an integer between 0 and 1000000 (default 30)',
      fix: 'correct RATE_LIMIT in the environment or ./.env (docs/reference/server.md lists every variable)',
    });
    expectStatuses(checks, { fail: ['configuration'], skip: ['store', 'tenant', 'management_api', ...ACTION_LINES, 'action_fields', 'form_page'] });
  });

  it('fails the token store line when REDIS_URL does not answer, without printing its password', async () => {
    const closedPort = await findFreePort();
    const { run, checks, check } = await diagnose([], { REDIS_URL: `redis://:redis-password@127.0.0.1:${closedPort}` });
    expect(check('store')).toMatchObject({
      status: 'fail',
      message: `could not use Redis at redis://127.0.0.1:${closedPort}: ECONNREFUSED; until it answers, every submit and skip is refused (503)`,
    });
    expectStatuses(checks, { fail: ['store'] });
    expect(run.stdout).not.toContain('redis-password');
  });

  it('fails the tenant line with the real cause when the tenant cannot be reached', async () => {
    const closedPort = await findFreePort();
    const { run, checks, check } = await diagnose([], { AUTH0_DOMAIN: `http://127.0.0.1:${closedPort}` });
    expect(run.status).toBe(1);
    expect(check('tenant').message).toBe(`could not reach 127.0.0.1:${closedPort}: ECONNREFUSED`);
    expect(check('tenant').fix).toMatch(/^set AUTH0_DOMAIN to your tenant’s domain/u);
    expectStatuses(checks, { fail: ['tenant'], skip: ['management_api', ...ACTION_LINES] });
  });

  it('fails the tenant line when discovery names another issuer than AUTH0_DOMAIN', async () => {
    const port = new URL(emulator.origin).port;
    const { checks, check } = await diagnose([], { AUTH0_DOMAIN: `http://localhost:${port}` });
    expect(check('tenant').message).toBe(`localhost:${port} names the issuer ${emulator.origin}/, not http://localhost:${port}/`);
    expectStatuses(checks, { fail: ['tenant'], skip: ['management_api', ...ACTION_LINES] });
  });

  it('fails the Management API line on a wrong client secret, and reads no Action without a token', async () => {
    const { checks, check } = await diagnose([], { AUTH0_CLIENT_SECRET: 'not-the-secret' });
    expect(check('management_api')).toMatchObject({
      status: 'fail',
      message: 'the tenant refused AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (401 access_denied): a wrong client secret, or no such application',
    });
    expectStatuses(checks, { fail: ['management_api'], skip: ACTION_LINES });
    for (const skipped of ACTION_LINES) expect(check(skipped as CheckResult['id']).message).toBe('not checked: no Management API token');
  });

  it('fails the Management API line naming each missing scope, and still checks the Action', async () => {
    const { checks, check } = await diagnose([], { AUTH0_CLIENT_ID: LACKS_UPDATE.clientId, AUTH0_CLIENT_SECRET: LACKS_UPDATE.clientSecret });
    expect(check('management_api')).toMatchObject({
      status: 'fail',
      message: "AUTH0_CLIENT_ID's token lacks the scope update:users (this configuration needs read:users update:users)",
      fix: 'grant update:users in Applications > APIs > Auth0 Management API > Machine To Machine Applications > your application > Permissions',
    });
    expectStatuses(checks, { fail: ['management_api'] });
  });

  it('says what it would check of the Action when the token has no read:actions, without failing', async () => {
    const { run, checks, check } = await diagnose([], { AUTH0_CLIENT_ID: WITHOUT_ACTIONS.clientId, AUTH0_CLIENT_SECRET: WITHOUT_ACTIONS.clientSecret });
    expect(run.status).toBe(0);
    expectStatuses(checks, { skip: ACTION_LINES });
    expect(check('action').message).toBe(
      'not checked: the token has no read:actions (grant it to AUTH0_CLIENT_ID to check that the Action "Progressive Profile" is deployed, bound to post-login and has the secrets it needs; it reads code and secret names, never secret values)',
    );
  });

  it('fails the trigger line when the Action is deployed but not bound to post-login', async () => {
    await actionsApi('PATCH', '/triggers/post-login/bindings', { bindings: [] });
    const { run, checks, check } = await diagnose();
    expect(run.status).toBe(1);
    expect(check('action_binding').message).toBe('"Progressive Profile" is not bound to post-login, so it never runs');
    expectStatuses(checks, { fail: ['action_binding'] });
  });

  it('fails the secrets line naming a secret the Action lacks', async () => {
    const id = await findActionId();
    // Listed without a value, a secret keeps its value; unlisted, it is removed.
    await actionsApi('PATCH', `/actions/${id}`, { secrets: [{ name: 'SESSION_TOKEN_SECRET' }, { name: 'PROFILE_FIELDS' }] });
    const { checks, check } = await diagnose();
    expect(check('action_secrets')).toMatchObject({
      status: 'fail',
      message: '"Progressive Profile" lacks the secret PROFILE_FORM_URL, so it lets every login through without asking',
    });
    expectStatuses(checks, { fail: ['action_secrets'] });
  });

  it('fails the secrets line when the server signs continue tokens with a CONTINUE_TOKEN_SECRET the Action does not have', async () => {
    const { checks, check } = await diagnose([], { CONTINUE_TOKEN_SECRET: randomBytes(32).toString('base64url') });
    expect(check('action_secrets').message).toMatch(/^the server signs continue tokens with its own CONTINUE_TOKEN_SECRET, but the Action has no CONTINUE_TOKEN_SECRET/u);
    expect(check('action_secrets').message).toContain('"Failed signature validation"');
    expectStatuses(checks, { fail: ['action_secrets'] });
  });

  it('fails the secrets line when the Action checks continue tokens with a CONTINUE_TOKEN_SECRET the server does not have', async () => {
    await deployAction({ CONTINUE_TOKEN_SECRET: randomBytes(32).toString('base64url') });
    const { run, checks, check } = await diagnose();
    expect(run.status).toBe(1);
    const expected: CheckResult = {
      id: 'action_secrets',
      label: 'Action secrets',
      status: 'fail',
      message:
        'the Action checks continue tokens with its CONTINUE_TOKEN_SECRET, but this server has none and signs them with SESSION_TOKEN_SECRET: every return to /continue fails ("Failed signature validation")',
      fix: 'set the server’s CONTINUE_TOKEN_SECRET to the Action’s value, or remove that secret from the Action and deploy',
    };
    expect(check('action_secrets')).toEqual(expected);
    await expectPrintedLine(expected);
    expectStatuses(checks, { fail: ['action_secrets'] });
  });

  it('fails the Action line when its latest code failed to build, while the deployed version still runs bound', async () => {
    const id = await findActionId();
    const changed = await actionsApi('PATCH', `/actions/${id}`, { code: 'exports.onExecutePostLogin = async (event, api) => {' });
    expect(changed.status).toBe('failed');
    const { run, checks, check } = await diagnose();
    expect(run.status).toBe(1);
    const expected: CheckResult = {
      id: 'action',
      label: 'Action',
      status: 'fail',
      message: '"Progressive Profile" failed to build: its latest code cannot be deployed (version 1 still runs)',
      fix: 'see Actions > Library > Progressive Profile in the dashboard, then run `progressive-profile deploy-action` with the Action’s secrets in the environment (see docs/DEPLOY.md)',
    };
    expect(check('action')).toEqual(expected);
    await expectPrintedLine(expected);
    expectStatuses(checks, { fail: ['action'] });
  });

  it('warns, without failing, when the deployed code is not this package’s rule/action.js', async () => {
    const id = await editActionCode('// edited in the dashboard');
    await actionsApi('POST', `/actions/${id}/deploy`);
    const { run, checks, check } = await diagnose();
    expect(run.status).toBe(0);
    const expected: CheckResult = {
      id: 'action',
      label: 'Action',
      status: 'warn',
      message: '"Progressive Profile" is deployed (version 2), but its code is not this package’s rule/action.js',
      fix: 'run `progressive-profile deploy-action` with the Action’s secrets in the environment (see docs/DEPLOY.md) to run the Action this server was built with (ignore this if you changed the Action on purpose)',
    };
    expect(check('action')).toEqual(expected);
    await expectPrintedLine(expected);
    expectStatuses(checks, { warn: ['action'] });
  });

  it('warns, without failing, when the Action has changes that are not deployed', async () => {
    await editActionCode('// a draft');
    const { run, checks, check } = await diagnose();
    expect(run.status).toBe(0);
    const expected: CheckResult = {
      id: 'action',
      label: 'Action',
      status: 'warn',
      message: '"Progressive Profile" is deployed (version 1), but it has changes that are not deployed',
      fix: 'deploy them (Actions > Library > Progressive Profile > Deploy), or discard them',
    };
    expect(check('action')).toEqual(expected);
    await expectPrintedLine(expected);
    expectStatuses(checks, { warn: ['action'] });
  });

  it('fails the Management API line when AUTH0_CLIENT_ID may not call it at all, and reads no Action', async () => {
    const overrides = { AUTH0_CLIENT_ID: NO_GRANT.clientId, AUTH0_CLIENT_SECRET: NO_GRANT.clientSecret };
    const { run, checks, check } = await diagnose([], overrides);
    expect(run.status).toBe(1);
    const expected: CheckResult = {
      id: 'management_api',
      label: 'Management API',
      status: 'fail',
      message: 'AUTH0_CLIENT_ID may not call the Management API (403 access_denied)',
      fix: 'authorize this application for the Auth0 Management API with read:users update:users: Applications > APIs > Auth0 Management API > Machine To Machine Applications',
    };
    expect(check('management_api')).toEqual(expected);
    await expectPrintedLine(expected, overrides);
    expectStatuses(checks, { fail: ['management_api'], skip: ACTION_LINES });
  });

  it('fails the custom domain line when AUTH0_CUSTOM_DOMAIN does not answer, and checks the tenant as before', async () => {
    const closedPort = await findFreePort();
    // A custom domain is https only: here, one that nothing answers on.
    const overrides = { AUTH0_CUSTOM_DOMAIN: `https://127.0.0.1:${closedPort}` };
    const { run, checks, check } = await diagnose([], overrides);
    expect(run.status).toBe(1);
    const expected: CheckResult = {
      id: 'custom_domain',
      label: 'custom domain',
      status: 'fail',
      message: `could not reach 127.0.0.1:${closedPort}: ECONNREFUSED`,
      fix: 'set AUTH0_CUSTOM_DOMAIN to a custom domain that is verified and ready (Branding > Custom Domains), or unset it',
    };
    expect(check('custom_domain')).toEqual(expected);
    await expectPrintedLine(expected, overrides);
    expectStatuses(checks, { fail: ['custom_domain'] });
  });

  it('reads the Action with DOCTOR_CLIENT_ID, an application of its own, when the server’s has no read:actions', async () => {
    const doctorApp = { DOCTOR_CLIENT_ID: DOCTOR_APP.clientId, DOCTOR_CLIENT_SECRET: DOCTOR_APP.clientSecret };
    const { run, checks, check } = await diagnose([], { AUTH0_CLIENT_ID: WITHOUT_ACTIONS.clientId, AUTH0_CLIENT_SECRET: WITHOUT_ACTIONS.clientSecret, ...doctorApp });
    expect(run.status).toBe(0);
    expectStatuses(checks, {});
    expect(check('action').message).toBe('"Progressive Profile" is deployed (version 1, the code of this package’s rule/action.js)');
    expect(run.stdout).not.toContain(DOCTOR_APP.clientSecret);

    // The Action writes the metadata: the server has no credentials, and the doctor still reads the Action.
    const actionWrites = await diagnose([], { AUTH0_CLIENT_ID: undefined, AUTH0_CLIENT_SECRET: undefined, ...doctorApp });
    expectStatuses(actionWrites.checks, {});
    expect(actionWrites.check('management_api').message).toBe(
      'the server does not call it (the Action writes the metadata); DOCTOR_CLIENT_ID gets a token to read the Action with',
    );

    const wrong = await diagnose([], { ...doctorApp, DOCTOR_CLIENT_SECRET: 'not-the-secret' });
    expect(wrong.run.status).toBe(1);
    expect(wrong.check('action')).toMatchObject({ status: 'fail', message: 'the tenant gave DOCTOR_CLIENT_ID no token (401 access_denied)' });
    expectStatuses(wrong.checks, { fail: ['action'], skip: ['action_binding', 'action_secrets'] });

    const withoutRead = await diagnose([], { DOCTOR_CLIENT_ID: WITHOUT_ACTIONS.clientId, DOCTOR_CLIENT_SECRET: WITHOUT_ACTIONS.clientSecret });
    expect(withoutRead.check('action').message).toMatch(/^not checked: the token has no read:actions \(grant it to DOCTOR_CLIENT_ID /u);
  });

  it('fails the fields line for a field the Action asks for that the form does not define', async () => {
    const { checks, check } = await diagnose([], { PROFILE_FIELDS: 'company_name,job_title,department' });
    expect(check('action_fields')).toMatchObject({
      status: 'fail',
      message: 'PROFILE_FIELDS lists department, which the form does not define',
      fix: 'add a field "department" to PROFILE_FIELDS_FILE, or remove it from PROFILE_FIELDS',
    });
    expectStatuses(checks, { fail: ['action_fields'] });
  });

  it('fails the fields line for a field the Action keeps in other metadata than the form', async () => {
    const { checks, check } = await diagnose([], { PROFILE_FIELDS: 'company_name,app_metadata:job_title' });
    expect(check('action_fields')).toMatchObject({
      status: 'fail',
      message: 'PROFILE_FIELDS lists app_metadata:job_title, but the form stores "job_title" in user_metadata',
      fix: 'write it as job_title in PROFILE_FIELDS, or set the field\'s "target" to app_metadata',
    });
    expectStatuses(checks, { fail: ['action_fields'] });
  });

  it('fails the fields line with the Action’s own sentence for a list it would refuse', async () => {
    const { check } = await diagnose([], { PROFILE_FIELDS: 'company.name' });
    expect(check('action_fields').message).toBe("the Action would refuse this environment's settings: PROFILE_FIELDS holds an id that cannot be a metadata key");
  });

  it('skips the fields line, saying how to enable it, when the environment sets no field list', async () => {
    const { run, checks, check } = await diagnose([], { PROFILE_FIELDS: undefined });
    expect(run.status).toBe(0);
    expectStatuses(checks, { skip: ['action_fields'] });
    expect(check('action_fields').message).toMatch(/^not checked: none of PROFILE_FIELDS, PROFILE_OPTIONAL_FIELDS, PROFILE_FIELDS_BY_CLIENT, PROFILE_DATABASE_CONNECTION is set here/u);
  });

  it('reads ./.env as the server does, the real environment winning', async () => {
    await writeFile(join(cwd, '.env'), 'PROFILE_FIELDS=company_name,department\nRATE_LIMIT=10\n');
    const fromFile = await diagnose([], { PROFILE_FIELDS: undefined });
    expect(fromFile.check('action_fields').message).toBe('PROFILE_FIELDS lists department, which the form does not define');
    expectStatuses(fromFile.checks, { fail: ['action_fields'] });
    const overridden = await diagnose();
    expectStatuses(overridden.checks, {});
  });

  it('warns when the deployed Action sets a field list this environment does not', async () => {
    await deployAction({ PROFILE_FIELDS_BY_CLIENT: '{"demo-app": "company_name"}' });
    const { run, checks, check } = await diagnose();
    expect(run.status).toBe(0);
    expectStatuses(checks, { warn: ['action_fields'] });
    expect(check('action_fields').message).toContain('differ in which of PROFILE_FIELDS_BY_CLIENT they set');
  });

  it('passes a page on another origin that loads the widget from the server and is in ALLOWED_ORIGINS', async () => {
    const { run, checks, check } = await diagnose(['--form-url', `${pageOrigin}/complete-profile?session_token=abc`]);
    expect(run.status).toBe(0);
    expectStatuses(checks, {});
    expect(check('form_origin').message).toBe(`${pageOrigin} is in ALLOWED_ORIGINS, and the server at ${serverOrigin} allows it`);
    expect(run.stdout).not.toContain('session_token=abc');
  });

  it('fails the widget line for a page that loads the widget from elsewhere than this server', async () => {
    page.html = goodPageHtml().replace(`src="${serverOrigin}/progressive-profile.js"`, 'src="https://cdn.example.com/progressive-profile.js"');
    const { checks, check } = await diagnose(['--form-url', `${pageOrigin}/complete-profile`]);
    expect(check('form_widget')).toMatchObject({
      status: 'fail',
      message: `the page loads the widget from https://cdn.example.com/progressive-profile.js, not from this server (${serverOrigin}/progressive-profile.js)`,
    });
    expectStatuses(checks, { fail: ['form_widget'] });
  });

  it('fails the widget line for a page that loads it as a classic script', async () => {
    page.html = goodPageHtml().replace(`<script type="module" src="${serverOrigin}`, `<script src="${serverOrigin}`);
    const { checks, check } = await diagnose(['--form-url', `${pageOrigin}/complete-profile`]);
    expect(check('form_widget').message).toBe(`the page loads ${serverOrigin}/progressive-profile.js without type="module"`);
    expectStatuses(checks, { fail: ['form_widget'] });
  });

  it('fails the endpoint line for a page whose element points at another server', async () => {
    page.html = goodPageHtml().replace(`endpoint="${serverOrigin}"`, 'endpoint="/api/profile"');
    const { checks, check } = await diagnose(['--form-url', `${pageOrigin}/complete-profile`]);
    expect(check('form_endpoint').message).toBe(`<progressive-profile> points at ${pageOrigin}/api/profile, not this server (${serverOrigin})`);
    expectStatuses(checks, { fail: ['form_endpoint'] });
  });

  it('fails the origin line for a page whose origin is not in ALLOWED_ORIGINS', async () => {
    const { checks, check } = await diagnose(['--form-url', `${pageOrigin}/complete-profile`], { ALLOWED_ORIGINS: undefined });
    expect(check('form_origin')).toMatchObject({
      status: 'fail',
      message: `${pageOrigin} is not in ALLOWED_ORIGINS, so the browser blocks the widget's calls to ${serverOrigin}`,
      fix: `add it (ALLOWED_ORIGINS=${pageOrigin}) and restart the server`,
    });
    expectStatuses(checks, { fail: ['form_origin'] });
  });

  it('fails the origin line when the running server does not allow an origin this environment lists', async () => {
    await startServer({ ...env, ALLOWED_ORIGINS: undefined });
    const { checks, check } = await diagnose(['--form-url', `${pageOrigin}/complete-profile`]);
    expect(check('form_origin').message).toMatch(new RegExp(`^ALLOWED_ORIGINS lists ${pageOrigin}, but the server at ${serverOrigin} does not allow it`, 'u'));
    expectStatuses(checks, { fail: ['form_origin'] });
  });

  it('warns, without failing, about a page sent without Referrer-Policy: no-referrer', async () => {
    page.headers = {};
    const { run, checks, check } = await diagnose(['--form-url', `${pageOrigin}/complete-profile`]);
    expect(run.status).toBe(0);
    expectStatuses(checks, { warn: ['form_referrer_policy'] });
    expect(check('form_referrer_policy').message).toBe(
      'the page sets no Referrer-Policy, so requests it makes to its own origin carry the session token in its URL until the widget removes it',
    );
  });

  it('fails the Referrer-Policy line for a page that sends its URL to every site', async () => {
    page.headers = { 'referrer-policy': 'unsafe-url' };
    const { checks } = await diagnose(['--form-url', `${pageOrigin}/complete-profile`]);
    expectStatuses(checks, { fail: ['form_referrer_policy'] });
  });

  it('fails the form page line for a page that does not answer 200, and checks nothing else of it', async () => {
    const { checks, check } = await diagnose(['--form-url', `${pageOrigin}/no-such-page`]);
    expect(check('form_page').message).toBe(`${pageOrigin}/no-such-page answered 404`);
    expectStatuses(checks, { fail: ['form_page'], skip: FORM_LINES.slice(1) });
  });

  it('fails the widget line when the server is not where --server-url says', async () => {
    const closedPort = await findFreePort();
    const elsewhere = `http://127.0.0.1:${closedPort}`;
    page.html = goodPageHtml().replaceAll(serverOrigin, elsewhere);
    const { check } = await diagnose(['--form-url', `${pageOrigin}/complete-profile`, `--server-url=${elsewhere}/`]);
    expect(check('form_widget').message).toBe(`the page loads ${elsewhere}/progressive-profile.js, but could not reach 127.0.0.1:${closedPort}: ECONNREFUSED`);
  });

  it('bounds every request: a token endpoint that never answers fails within the timeout', async () => {
    await fetch(new URL('/__emulator/faults', emulator.origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: 'token', responses: [{ hang: true }] }),
    });
    const { check } = await diagnose([], {}, { timeoutMs: 300 });
    expect(check('management_api').message).toBe(`${emulator.host} did not answer within 0.3 s (POST /oauth/token)`);
  });

  it('colours its symbols on a terminal only, and never with NO_COLOR set', async () => {
    const broken = { AUTH0_CLIENT_SECRET: 'not-the-secret' };
    const terminal = await doctor([], broken, { isTerminal: true });
    expect(terminal.stdout).toContain('\u001b[32m✔\u001b[0m configuration:');
    expect(terminal.stdout).toContain('\u001b[31m✖\u001b[0m Management API:');
    expect(terminal.stdout).toContain('\u001b[2m○\u001b[0m Action:');
    expect(terminal.status).toBe(1);
    for (const run of [await doctor([], broken), await doctor([], { ...broken, NO_COLOR: '1' }, { isTerminal: true })]) {
      expect(run.stdout).not.toMatch(/\u001b\[/u);
      expect(run.stdout).toContain('✖ Management API: the tenant refused AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET');
      expect(run.stdout).toMatch(/\n1 problem to fix, 3 not checked\.\n$/u);
    }
  });
});

describe('doctor, before the Action is installed', () => {
  it('fails the Action line when the tenant has no Action of that name', async () => {
    const { run, checks, check } = await diagnose();
    expect(run.status).toBe(1);
    expect(check('action')).toMatchObject({
      status: 'fail',
      message: 'the tenant has no Action named "Progressive Profile"',
      fix: 'install it: run `progressive-profile deploy-action` with the Action’s secrets in the environment (see docs/DEPLOY.md)',
    });
    expectStatuses(checks, { fail: ['action'], skip: ['action_binding', 'action_secrets'] });
  });

  it('fails the Action line when the Action exists but was never deployed', async () => {
    await actionsApi('POST', '/actions', {
      name: 'Progressive Profile',
      code: 'exports.onExecutePostLogin = async () => {};',
      supported_triggers: [{ id: 'post-login', version: 'v3' }],
      secrets: [
        { name: 'SESSION_TOKEN_SECRET', value: SESSION_SECRET },
        { name: 'PROFILE_FORM_URL', value: `${serverOrigin}/` },
        { name: 'PROFILE_FIELDS', value: 'company_name,job_title' },
      ],
    });
    const { checks, check } = await diagnose();
    expect(check('action').message).toBe('"Progressive Profile" exists but was never deployed');
    expectStatuses(checks, { fail: ['action'], skip: ['action_binding'] });
  });
});

describe('doctor, the command', () => {
  it('prints its usage for --help, through the progressive-profile command too', async () => {
    const run = await doctor(['--help']);
    expect(run).toEqual({ status: 0, stdout: `${DOCTOR_USAGE}\n`, stderr: '' });
    let stdout = '';
    expect(await runCli(['doctor', '-h'], {}, { stdout: (text) => void (stdout += text), stderr: () => undefined })).toBe(0);
    expect(stdout).toBe(`${DOCTOR_USAGE}\n`);
  });

  it('refuses an unknown option or a form URL that is not one with exit status 2', async () => {
    for (const argv of [['--frobnicate'], ['--form-url', 'not a url'], ['--server-url', 'https://profile.example.com/?x=1'], ['extra']]) {
      const run = await doctor(argv);
      expect(run.status, argv.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^progressive-profile doctor: .+\n\nUsage: progressive-profile doctor/u);
    }
  });
});
