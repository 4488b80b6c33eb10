// The whole flow on one machine: the Auth0 tenant emulator (running rule/action.js or rule/rule.js),
// the profile server and the demo site, each on its own loopback port, in one process. Used by
// `npm run demo`, the end-to-end tests and the benchmarks. The Action is installed as a site owner
// installs it: rule/deploy.mjs's deploy() creates, deploys and binds it through the tenant's Actions
// API with the Action's secrets, and the tenant runs what was deployed. The doctor reads the Action
// with an application of its own (DOCTOR_CLIENT_ID, read:actions only): the server's grant stays
// what the server needs.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.js';
import { loadConfig, type Config } from '../server/config.js';
import { createServerDeps } from '../server/deps.js';
import type { Clock } from '../server/clock.js';
import { runDoctor, type DoctorReport } from '../server/ops/doctor.js';
import { formatLine } from '../server/ops/doctor/report.js';
import { buildMetricsApp, createMetrics } from '../server/ops/metrics.js';
import { createEmulator, type Emulator } from './emulator/emulator.js';
import { createSeedUsers, DEMO_PASSWORD } from './emulator/seed-users.js';
import type { EmulatedConnection } from './emulator/connections.js';
import type { DemoScenario } from './flags.js';
import { DEFAULT_DATABASE_CONNECTION, type EmulatedUser } from './emulator/user-store.js';
import { findFreePort } from './free-port.js';
// A variable specifier: the installer is plain JavaScript without type declarations.
const DEPLOY_SCRIPT = fileURLToPath(new URL('../rule/deploy.mjs', import.meta.url));
const { deploy } = (await import(DEPLOY_SCRIPT)) as {
  deploy(options: { env: Record<string, string>; log: (line: string) => void }): Promise<unknown>;
};
import { buildDemoSite } from './site.js';
import { startValidationHookReceiver, type RunningReceiver } from './validation-hook.js';

export type WriteMode = 'management' | 'action';

/** An application of the demo site, signing in through the tenant with its own client id. */
export interface DemoApp {
  readonly clientId: string;
  readonly name: string;
}

export interface DemoStackOptions {
  /** `management` (default): the server writes through the Management API. `action`: the Action writes from T2. */
  writeMode?: WriteMode;
  /** Which extension the tenant runs: the post-login Action (default) or the legacy Rule. */
  extension?: 'action' | 'rule';
  /** 0 or unset: a free port each. `metrics`: the server's METRICS_PORT. */
  ports?: { tenant?: number; server?: number; site?: number; metrics?: number };
  host?: string;
  users?: EmulatedUser[];
  /** The free tier's 2 requests/s on the Management API. */
  freeTierRateLimit?: boolean;
  /** Extra server variables (e.g. RATE_LIMIT, CONTINUE_TOKEN_TTL). */
  serverEnv?: Record<string, string>;
  /** Extra Action secrets (e.g. PROFILE_LOGIN_COUNT). */
  actionSecrets?: Record<string, string>;
  /** Log requests of the server (the demo turns it on; tests leave it off). */
  logger?: boolean;
  /** The server's clock (tests move it to expire a session token). */
  serverClock?: Clock;
  /** `link`: account linking; `apps`: two applications asking different fields, one at a time. */
  scenario?: DemoScenario;
  /** Start the demo's validation hook and point the server at it. */
  hook?: boolean;
  /** Page origins allowed besides the demo site's (a React or Vue app of your own). */
  extraAllowedOrigins?: readonly string[];
}

export interface DemoStack {
  readonly tenantOrigin: string;
  readonly serverOrigin: string;
  readonly siteOrigin: string;
  /** Where the server's Prometheus metrics are: `${metricsOrigin}/metrics`. */
  readonly metricsOrigin: string;
  /** The form page of the demo site (the Action's PROFILE_FORM_URL). */
  readonly formUrl: string;
  /**
   * The server's environment, as `progressive-profile doctor` reads it: the server's variables, the
   * Action's field lists (for the doctor's Action fields line) and, with the Action, the doctor's own
   * application (DOCTOR_CLIENT_ID, read:actions) to read the Action with. Holds secrets: never print it.
   */
  readonly doctorEnv: Readonly<Record<string, string>>;
  readonly emulator: Emulator;
  readonly server: FastifyInstance;
  readonly site: FastifyInstance;
  readonly config: Config;
  readonly writeMode: WriteMode;
  /** The applications of the demo site. */
  readonly apps: readonly DemoApp[];
  /** What to do first, in one sentence ("sign in as …"). */
  readonly instructions: string;
  /** The validation hook's origin, when started. */
  readonly hookOrigin?: string;
  /** The company names the demo's hook refuses. */
  readonly hookBlockList: readonly string[];
  close(): Promise<void>;
}

export const DEMO_CLIENT_ID = 'demo-app';
export const DEMO_FIELDS_FILE = fileURLToPath(new URL('./fields.json', import.meta.url));
export const DEMO_LINK_FIELDS_FILE = fileURLToPath(new URL('./fields-link.json', import.meta.url));
const REQUIRED_FIELDS = 'company_name,job_title,app_metadata:terms@2026-11';
const OPTIONAL_FIELDS = 'team_size,interests,phone,newsletter';
const SERVER_SCOPES = 'read:users update:users';
/** What the demo's validation hook refuses as a company name. */
const HOOK_BLOCK_LIST = ['Acme', 'Example Inc'];
const LINKING_SCOPES = 'read:users update:users create:users delete:users read:connections';
/** The installer's grant (deploy-action's documented scopes) and the doctor's (reading the Action only). */
const INSTALLER_SCOPES = 'read:actions create:actions update:actions';
const DOCTOR_SCOPES = 'read:actions';
// Not the working directory: a developer's own .env (their real tenant) must not leak in.
const DEMO_DIR = fileURLToPath(new URL('.', import.meta.url));

/** What a scenario changes: the form, the Action's secrets, the applications, the server's grant. */
interface ScenarioPlan {
  fieldsFile: string;
  actionSecrets: Record<string, string>;
  apps: DemoApp[];
  serverScope: string;
  connections?: EmulatedConnection[];
  instructions: string;
}

function planScenario(scenario: DemoScenario | undefined): ScenarioPlan {
  const defaultApp = { clientId: DEMO_CLIENT_ID, name: 'Acme demo app' };
  switch (scenario) {
    case 'link':
      return {
        fieldsFile: DEMO_LINK_FIELDS_FILE,
        actionSecrets: {
          PROFILE_FIELDS: 'app_metadata:username',
          PROFILE_OPTIONAL_FIELDS: '',
          PROFILE_DATABASE_CONNECTION: DEFAULT_DATABASE_CONNECTION,
          PROFILE_LOGIN_COUNT: '1',
        },
        apps: [defaultApp],
        serverScope: LINKING_SCOPES,
        // Usernames sign in too; Auth0's "fair" policy: 8 characters, lower and upper case and a digit.
        connections: [
          { name: DEFAULT_DATABASE_CONNECTION, strategy: 'auth0', passwordPolicy: 'fair', minLength: 8, requiresUsername: true },
          { name: 'github', strategy: 'github' },
        ],
        instructions:
          'choose "Continue with GitHub" as Katherine Johnson, pick a username and a password, sign out, then sign in with that username and password: the same user, now with two identities.',
      };
    case 'apps':
      return {
        fieldsFile: DEMO_FIELDS_FILE,
        actionSecrets: {
          PROFILE_FIELDS: 'company_name,job_title',
          PROFILE_FIELDS_BY_CLIENT: JSON.stringify({ 'demo-shop': 'company_name' }),
          PROFILE_MAX_FIELDS: '1',
        },
        apps: [
          { clientId: 'demo-crm', name: 'Acme CRM' },
          { clientId: 'demo-shop', name: 'Acme Shop' },
        ],
        serverScope: SERVER_SCOPES,
        instructions:
          'sign in to the CRM as grace@example.com (password: demo-password): one question per sign-in, company then job title; the shop only ever asks for the company.',
      };
    default:
      return {
        fieldsFile: DEMO_FIELDS_FILE,
        actionSecrets: {},
        apps: [defaultApp],
        serverScope: SERVER_SCOPES,
        instructions: 'sign in as grace@example.com (password: demo-password).',
      };
  }
}

/** Starts the three parts and answers once all listen. Secrets are random for each run. */
export async function startDemoStack(options: DemoStackOptions = {}): Promise<DemoStack> {
  const host = options.host ?? '127.0.0.1';
  const writeMode = options.writeMode ?? 'management';
  const sitePort = options.ports?.site || (await findFreePort(host));
  const serverPort = options.ports?.server || (await findFreePort(host));
  const metricsPort = options.ports?.metrics || (await findFreePort(host));
  const siteOrigin = `http://${host}:${sitePort}`;
  const serverOrigin = `http://${host}:${serverPort}`;
  const formUrl = `${siteOrigin}/complete-profile`;
  const sessionTokenSecret = randomSecret();
  const continueTokenSecret = randomSecret();
  const m2m = { clientId: 'progressive-profile-server', clientSecret: randomSecret() };
  const installer = { clientId: 'progressive-profile-installer', clientSecret: randomSecret() };
  const doctorApp = { clientId: 'progressive-profile-doctor', clientSecret: randomSecret() };
  const extension = options.extension ?? 'action';
  const plan = planScenario(options.scenario);

  const actionSecrets: Record<string, string> = {
    SESSION_TOKEN_SECRET: sessionTokenSecret,
    CONTINUE_TOKEN_SECRET: continueTokenSecret,
    PROFILE_FORM_URL: formUrl,
    PROFILE_FIELDS: REQUIRED_FIELDS,
    PROFILE_OPTIONAL_FIELDS: OPTIONAL_FIELDS,
    ...plan.actionSecrets,
    ...options.actionSecrets,
  };
  const emulator = createEmulator({
    port: options.ports?.tenant ?? 0,
    host,
    mode: extension,
    // The Action gets its secrets from deploy() below; the Rule reads them as its configuration.
    secrets: extension === 'rule' ? actionSecrets : {},
    clients: [
      ...plan.apps.map((app) => ({ clientId: app.clientId, callbacks: [`${siteOrigin}/callback`] })),
      { clientId: m2m.clientId, clientSecret: m2m.clientSecret, callbacks: [], scope: plan.serverScope },
      ...(extension === 'action'
        ? [
            { ...installer, callbacks: [], scope: INSTALLER_SCOPES },
            { ...doctorApp, callbacks: [], scope: DOCTOR_SCOPES },
          ]
        : []),
    ],
    users: options.users ?? createSeedUsers(),
    connections: plan.connections,
    freeTierRateLimit: options.freeTierRateLimit,
  });
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
  };

  try {
    const tenantOrigin = await emulator.listen();
    closers.push(() => emulator.close());
    if (extension === 'action') {
      await deploy({
        env: { AUTH0_DOMAIN: tenantOrigin, AUTH0_CLIENT_ID: installer.clientId, AUTH0_CLIENT_SECRET: installer.clientSecret, ...actionSecrets },
        log: () => undefined,
      });
    }

    let hook: RunningReceiver | undefined;
    const hookEnv: Record<string, string> = {};
    if (options.hook) {
      const secret = randomSecret();
      hook = await startValidationHookReceiver({ secret, host, blockedCompanies: HOOK_BLOCK_LIST });
      closers.push(() => hook!.close());
      Object.assign(hookEnv, { VALIDATION_HOOK_URL: hook.url, VALIDATION_HOOK_SECRET: secret });
    }

    const serverEnv: Record<string, string> = {
      AUTH0_DOMAIN: tenantOrigin,
      SESSION_TOKEN_SECRET: sessionTokenSecret,
      CONTINUE_TOKEN_SECRET: continueTokenSecret,
      PROFILE_FIELDS_FILE: plan.fieldsFile,
      ALLOWED_ORIGINS: [siteOrigin, ...(options.extraAllowedOrigins ?? [])].join(','),
      HOST: host,
      PORT: String(serverPort),
      METRICS_PORT: String(metricsPort),
      ...(writeMode === 'management' ? { AUTH0_CLIENT_ID: m2m.clientId, AUTH0_CLIENT_SECRET: m2m.clientSecret } : {}),
      ...hookEnv,
      ...options.serverEnv,
    };
    const config = loadConfig(serverEnv, { cwd: DEMO_DIR });
    const metrics = createMetrics();
    let log: FastifyBaseLogger | undefined;
    const deps = await createServerDeps(config, {
      clock: options.serverClock,
      warn: (details, message) => log?.warn(details, message),
      onManagementAttempt: metrics.countManagementAttempt,
    });
    closers.push(() => deps.close());
    const server = buildApp(config, { ...deps, metrics }, { logger: options.logger ? { level: 'info' } : false });
    log = server.log;
    await server.listen({ host, port: serverPort });
    closers.push(() => server.close());
    const metricsServer = buildMetricsApp(metrics);
    await metricsServer.listen({ host, port: config.metricsPort });
    closers.push(() => metricsServer.close());

    const site = buildDemoSite({
      tenantOrigin,
      serverOrigin,
      apps: plan.apps,
      origin: siteOrigin,
      demoPassword: DEMO_PASSWORD,
      demoUsers: describeUsers(emulator.users.list(), plan),
    });
    await site.listen({ host, port: sitePort });
    closers.push(() => site.close());

    return {
      tenantOrigin,
      serverOrigin,
      siteOrigin,
      metricsOrigin: `http://${host}:${metricsPort}`,
      formUrl,
      doctorEnv: {
        ...serverEnv,
        ...pickFieldLists(actionSecrets),
        ...(extension === 'action' ? { DOCTOR_CLIENT_ID: doctorApp.clientId, DOCTOR_CLIENT_SECRET: doctorApp.clientSecret } : {}),
      },
      emulator,
      server,
      site,
      config,
      writeMode,
      apps: plan.apps,
      instructions: plan.instructions,
      hookOrigin: hook ? new URL(hook.url).origin : undefined,
      hookBlockList: hook ? HOOK_BLOCK_LIST : [],
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The Action's settings the doctor compares with the server's form (as `deploy-action` reads them). */
function pickFieldLists(secrets: Readonly<Record<string, string>>): Record<string, string> {
  const names = ['PROFILE_FIELDS', 'PROFILE_OPTIONAL_FIELDS', 'PROFILE_FIELDS_BY_CLIENT', 'PROFILE_DATABASE_CONNECTION', 'PROFILE_FORM_URL'];
  return Object.fromEntries(names.flatMap((name) => (secrets[name] === undefined ? [] : [[name, secrets[name]]])));
}

/** What the doctor found when the demo ran it against itself: one line, or the lines to fix. */
export interface DemoDiagnosis {
  readonly ok: boolean;
  /** `doctor: all N checks pass (not checked: …)`, or how many failed and warned. */
  readonly summary: string;
  /** The failing and warning lines, as the doctor prints them. */
  readonly problems: readonly string[];
}

/**
 * Runs `progressive-profile doctor` in-process against the running stack: the server's
 * environment, `--form-url` the demo's form page, `--server-url` the demo server.
 */
export async function diagnoseDemoStack(stack: Pick<DemoStack, 'doctorEnv' | 'formUrl' | 'serverOrigin'>): Promise<DemoDiagnosis> {
  let output = '';
  let errors = '';
  await runDoctor(
    ['--json', '--form-url', stack.formUrl, '--server-url', stack.serverOrigin],
    stack.doctorEnv,
    { stdout: (text) => void (output += text), stderr: (text) => void (errors += text) },
    { cwd: DEMO_DIR },
  );
  if (output === '') return { ok: false, summary: `doctor: could not run: ${errors.trim()}`, problems: [] };
  const { checks } = JSON.parse(output) as DoctorReport;
  const count = (status: string) => checks.filter((check) => check.status === status).length;
  const problems = checks.filter((check) => check.status === 'fail' || check.status === 'warn').map((check) => formatLine(check));
  const passed = count('pass');
  const skippedLabels = checks.filter((check) => check.status === 'skip').map((check) => check.label);
  const skipped = skippedLabels.length > 0 ? ` (not checked: ${skippedLabels.join(', ')})` : '';
  const failed = count('fail');
  const warned = count('warn');
  if (failed > 0) {
    return { ok: false, summary: `doctor: ${failed} of ${checks.length - count('skip')} checks failed${warned > 0 ? `, ${warned} warned` : ''}${skipped}`, problems };
  }
  if (warned > 0) return { ok: true, summary: `doctor: ${passed} checks pass, ${warned} warned${skipped}`, problems };
  return { ok: true, summary: `doctor: all ${passed} checks pass${skipped}`, problems };
}

function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A line per seeded user for the demo site's home page: how to sign in and what they will see. */
function describeUsers(users: EmulatedUser[], plan: ScenarioPlan): Array<{ email: string; signIn: string; note: string }> {
  return users.map((user) => {
    const social = user.identities?.find((identity) => identity.isSocial);
    const signIn = social ? `“Continue with ${social.connection === 'github' ? 'GitHub' : social.connection}”` : 'password';
    if (plan.fieldsFile === DEMO_LINK_FIELDS_FILE) {
      let note = 'already has a password: never asked';
      if (social) note = user.email_verified === false ? 'email not verified: never asked (linking would be unsafe)' : 'adds a username and password';
      return { email: user.email, signIn, note };
    }
    const missing = ['company_name', 'job_title'].filter((id) => !user.user_metadata[id]);
    const snoozed = typeof user.app_metadata.progressive_profile_snoozed_until === 'string';
    const nextLogin = user.logins_count + 1;
    let note = missing.length === 0 ? 'profile complete: never sees the form' : `missing ${missing.join(', ')}`;
    if (missing.length > 0 && snoozed) note += '; chose "remind me later"';
    else if (missing.length > 0 && nextLogin < 2) note += '; first sign-in: not asked yet';
    return { email: user.email, signIn, note };
  });
}
