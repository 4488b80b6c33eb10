// `progressive-profile doctor` (`npm run doctor`): checks a deployment one line at a time, each
// failure with its fix, reading the server's environment (and ./.env) as the server does. The
// checks themselves live in ops/doctor/, one file each; this file parses the options, runs them in
// order and prints the lines.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { mergeEnv, readEnvFile } from '../env-file.js';
import { checkAction, skipActionChecks } from './doctor/action.js';
import { checkActionFields } from './doctor/action-fields.js';
import { checkFormPage } from './doctor/form-page.js';
import { createDoctorHttp, DEFAULT_TIMEOUT_MS, type DoctorHttp } from './doctor/http.js';
import { checkLinkingConnection, skipLinkingCheck } from './doctor/linking.js';
import { checkManagementApi, readDoctorCredentials, requestDoctorAccess, skipManagementCheck, type ManagementAccess } from './doctor/management-api.js';
import { formatJson, formatText, isFailing, shouldColour, type CheckResult } from './doctor/report.js';
import { checkStore } from './doctor/store.js';
import { checkDiscovery } from './doctor/tenant.js';
import { checkValidationHook } from './doctor/validation-hook.js';

export type { CheckResult, CheckStatus, DoctorReport } from './doctor/report.js';

export const DOCTOR_USAGE = `Usage: progressive-profile doctor [--form-url URL] [--server-url URL] [--json]

Reads the server's environment (and ./.env, as the server does) and checks, one line each:
  configuration     the variables, as the server validates them at start
  token store       REDIS_URL (when set) answers, persists, and does not evict used tokens
  validation hook   VALIDATION_HOOK_URL (when set) answers a signed probe with a valid answer
                    within VALIDATION_HOOK_TIMEOUT, so it accepts VALIDATION_HOOK_SECRET
  tenant            AUTH0_DOMAIN (and AUTH0_CUSTOM_DOMAIN) answer OpenID discovery as that issuer
  Management API    AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET get a token with the scopes this
                    configuration needs (read:users update:users; a form that links identities
                    also create:users delete:users, and read:connections to show password rules)
  linking connection
                    for a form that links identities, with read:connections: its connection is
                    a database connection of the tenant, and whether the form can show its
                    password rules
  Action            with read:actions in that token (or in DOCTOR_CLIENT_ID's, when set):
                    "Progressive Profile" is deployed, bound to post-login and has the secrets it
                    needs (names only: Auth0 never returns values)
  Action fields     the ids in PROFILE_FIELDS, PROFILE_OPTIONAL_FIELDS, PROFILE_FIELDS_BY_CLIENT
                    and PROFILE_DATABASE_CONNECTION (when set here, as for deploy-action) are fields
                    of this server's form, stored in the same metadata, consents at the same version
  form page         the page at the form URL answers, loads the widget from this server, points
                    <progressive-profile endpoint> at it, sends Referrer-Policy: no-referrer, and
                    its origin may call the server (same origin, or in ALLOWED_ORIGINS)

Each failure (✖) comes with a sentence on how to fix it; a warning (⚠) does not fail; a line
marked ○ was not checked and says why. Exit status: 0 no failure, 1 a check failed, 2 wrong usage.

DOCTOR_CLIENT_ID / DOCTOR_CLIENT_SECRET (read by doctor only, never by the server): an application
of its own, granted read:actions, to read the Action with instead of the server's credentials.

Options:
  --form-url URL     the page that hosts the widget (default: PROFILE_FORM_URL, when set)
  --server-url URL   this server's public address, as pages load it, with its path prefix if it
                     is mounted under one (default: http://HOST:PORT from the environment)
  --json             print {"ok", "checks": [{"id", "label", "status", "message", "fix"?}]}
  -h, --help         print this help

Colour only on a terminal, and never with NO_COLOR set. Secrets and tokens are never printed.`;

export interface DoctorIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout is a terminal (colour); default false. */
  isTerminal?: boolean;
}

export interface DoctorOptions {
  /** Where `.env` and a relative PROFILE_FIELDS_FILE are read; default `process.cwd()`. */
  cwd?: string;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Milliseconds one request may take; default 5000. */
  timeoutMs?: number;
}

interface DoctorArguments {
  formUrl?: URL;
  serverUrl?: URL;
  isJson: boolean;
}

/** Runs the checks, prints them and answers the exit status: 0 no failure, 1 a failure, 2 wrong usage. */
export async function runDoctor(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: DoctorIo,
  options: DoctorOptions = {},
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`${DOCTOR_USAGE}\n`);
    return 0;
  }
  let args: DoctorArguments;
  try {
    args = parseDoctorArguments(argv);
  } catch (error) {
    io.stderr(`progressive-profile doctor: ${(error as Error).message}\n\n${DOCTOR_USAGE}\n`);
    return 2;
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const http = createDoctorHttp(fetchImpl, timeoutMs);
  const results = await collectChecks(http, fetchImpl, timeoutMs, env, args, options.cwd ?? process.cwd());
  io.stdout(args.isJson ? formatJson(results) : formatText(results, shouldColour(io.isTerminal, env)));
  return isFailing(results) ? 1 : 0;
}

function parseDoctorArguments(argv: readonly string[]): DoctorArguments {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { 'form-url': { type: 'string' }, 'server-url': { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    // parseArgs names the option; keep its first sentence only.
    throw new Error(String((error as Error).message).split('. ')[0]?.replace(/\.$/u, '') ?? 'wrong usage');
  }
  const { values } = parsed;
  return {
    formUrl: values['form-url'] === undefined ? undefined : readHttpUrl('--form-url', values['form-url']),
    serverUrl: values['server-url'] === undefined ? undefined : readServerUrl(values['server-url']),
    isJson: values.json === true,
  };
}

function readHttpUrl(option: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${option} must be an http or https URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${option} must be an http or https URL`);
  if (url.username !== '' || url.password !== '') throw new Error(`${option} must not carry credentials`);
  return url;
}

function readServerUrl(text: string): URL {
  const url = readHttpUrl('--server-url', text);
  if (url.search !== '' || url.hash !== '') throw new Error('--server-url must be the server’s address, without query or fragment');
  return url;
}

/** The server's public address without a trailing slash: `--server-url`, else http://HOST:PORT. */
function readServerBase(config: Config, serverUrl: URL | undefined): string {
  if (serverUrl) return `${serverUrl.origin}${serverUrl.pathname.replace(/\/+$/u, '')}`;
  // A server listening on every interface answers on loopback too.
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '[::1]' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

async function collectChecks(
  http: DoctorHttp,
  fetchImpl: typeof fetch,
  timeoutMs: number,
  env: Readonly<Record<string, string | undefined>>,
  args: DoctorArguments,
  cwd: string,
): Promise<CheckResult[]> {
  let fileEnv: Record<string, string> = {};
  try {
    fileEnv = readEnvFile(cwd);
  } catch {
    // loadConfig reports an unreadable .env as the configuration's failure.
  }
  const vars = mergeEnv(fileEnv, env);

  let config: Config;
  try {
    config = loadConfig(env, { cwd });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const skipped = 'not checked: the configuration is invalid';
    return [
      {
        id: 'configuration',
        label: 'configuration',
        status: 'fail',
        message: error.message,
        fix: `correct ${error.variable} in the environment or ./.env (docs/reference/server.md lists every variable)`,
      },
      { id: 'store', label: 'token store', status: 'skip', message: skipped },
      { id: 'tenant', label: 'tenant', status: 'skip', message: skipped },
      skipManagementCheck('the configuration is invalid'),
      ...skipActionChecks('the configuration is invalid'),
      { id: 'action_fields', label: 'Action fields', status: 'skip', message: skipped },
      { id: 'form_page', label: 'form page', status: 'skip', message: skipped },
    ];
  }

  const [store, hook, tenantResults, formResults] = await Promise.all([
    checkStore(config, timeoutMs),
    checkValidationHook(config, fetchImpl),
    checkTenant(http, config, vars),
    checkForm(http, config, vars, args),
  ]);
  const fieldsResult = await checkActionFields(vars, config, tenantResults.secretNames);
  return [describeConfiguration(config), store, ...(hook ? [hook] : []), ...tenantResults.results, fieldsResult, ...formResults];
}

function describeConfiguration(config: Config): CheckResult {
  const hosts = config.customDomain ? `${config.tenant.host} and ${config.customDomain.host}` : config.tenant.host;
  const count = config.form.fields.length;
  const writer = config.management ? 'the server writes metadata through the Management API' : 'the Action writes metadata';
  return {
    id: 'configuration',
    label: 'configuration',
    status: 'pass',
    message: `valid (tenant ${hosts}; ${count} form field${count === 1 ? '' : 's'}; ${writer})`,
  };
}

/**
 * Discovery, then the token, then the Action: each needs the one before it. The Action is read
 * with DOCTOR_CLIENT_ID's token when set (an application of the doctor's own), else the server's.
 */
async function checkTenant(
  http: DoctorHttp,
  config: Config,
  vars: Readonly<Record<string, string | undefined>>,
): Promise<{ results: CheckResult[]; secretNames?: ReadonlySet<string> }> {
  const discovery = await checkDiscovery(http, config.tenant, { id: 'tenant', variable: 'AUTH0_DOMAIN' });
  const customDomain = config.customDomain
    ? [await checkDiscovery(http, config.customDomain, { id: 'custom_domain', variable: 'AUTH0_CUSTOM_DOMAIN' })]
    : [];
  const isLinking = config.form.link_database_identity !== undefined;
  if (discovery.status === 'fail') {
    const reason = 'the tenant did not answer as expected';
    return {
      results: [
        discovery,
        ...customDomain,
        skipManagementCheck(reason),
        ...(isLinking ? [skipLinkingCheck(reason)] : []),
        ...skipActionChecks(reason),
      ],
    };
  }
  const [management, reader] = await Promise.all([checkManagementApi(http, config), readDoctorAccess(http, config, vars)]);
  let managementResult = management.result;
  if (!config.management && reader && 'access' in reader) {
    managementResult = {
      id: 'management_api',
      label: 'Management API',
      status: 'pass',
      message: 'the server does not call it (the Action writes the metadata); DOCTOR_CLIENT_ID gets a token to read the Action with',
    };
  }
  const linking = isLinking
    ? management.access
      ? await checkLinkingConnection(http, config, management.access)
      : skipLinkingCheck('no Management API token')
    : undefined;
  const head = [discovery, ...customDomain, managementResult, ...(linking ? [linking] : [])];
  if (reader && 'problem' in reader) {
    const fix = 'set DOCTOR_CLIENT_ID and DOCTOR_CLIENT_SECRET to an application of its own granted read:actions, or unset both';
    return {
      results: [...head, { id: 'action', label: 'Action', status: 'fail', message: reader.problem, fix }, ...skipActionChecks(reader.problem).slice(1)],
    };
  }
  const actionAccess = reader?.access ?? management.access;
  if (!actionAccess) {
    const reason = config.management
      ? 'no Management API token'
      : 'reading the Action needs AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (or DOCTOR_CLIENT_ID and DOCTOR_CLIENT_SECRET) with read:actions';
    return { results: [...head, ...skipActionChecks(reason)] };
  }
  const action = await checkAction(http, config, actionAccess, reader ? 'DOCTOR_CLIENT_ID' : 'AUTH0_CLIENT_ID');
  return { results: [...head, ...action.results], secretNames: action.secretNames };
}

/** DOCTOR_CLIENT_ID's token, or why there is none; undefined when neither variable is set. */
async function readDoctorAccess(
  http: DoctorHttp,
  config: Config,
  vars: Readonly<Record<string, string | undefined>>,
): Promise<{ access: ManagementAccess } | { problem: string } | undefined> {
  const credentials = readDoctorCredentials(vars);
  if (credentials === undefined || 'problem' in credentials) return credentials;
  return requestDoctorAccess(http, config, credentials);
}

async function checkForm(
  http: DoctorHttp,
  config: Config,
  vars: Readonly<Record<string, string | undefined>>,
  args: DoctorArguments,
): Promise<CheckResult[]> {
  let formUrl = args.formUrl;
  const configured = vars.PROFILE_FORM_URL?.trim();
  if (!formUrl && configured) {
    try {
      formUrl = new URL(configured);
    } catch {
      return [
        {
          id: 'form_page',
          label: 'form page',
          status: 'fail',
          message: 'PROFILE_FORM_URL is not a URL',
          fix: 'set it to the https address of the page that hosts <progressive-profile>',
        },
      ];
    }
  }
  if (!formUrl) {
    return [
      {
        id: 'form_page',
        label: 'form page',
        status: 'skip',
        message: 'not checked: pass --form-url URL (or set PROFILE_FORM_URL) to check the page that hosts the widget',
      },
    ];
  }
  return checkFormPage(http, config, formUrl, readServerBase(config, args.serverUrl));
}
