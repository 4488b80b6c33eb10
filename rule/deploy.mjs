#!/usr/bin/env node
// Installs rule/action.js as the post-login Action "Progressive Profile" on an Auth0 tenant:
// creates or updates the Action (code, runtime node22, trigger post-login v3, secrets), deploys it,
// and binds it to the post-login trigger, keeping every existing binding and never binding it twice.
// Run as `node rule/deploy.mjs [--dry-run]` or `progressive-profile deploy-action [--dry-run]`
// (which calls main()); `--help` prints the variables, flags and scopes.
//
// The Action's secrets are checked with the Action's own readSettings before anything is sent,
// so a value the Action would refuse at login never reaches the tenant. Secret values are sent
// to Auth0 only, never printed.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const { readSettings } = createRequire(import.meta.url)('./action.js');

const ACTION_NAME = 'Progressive Profile';
const TRIGGER = { id: 'post-login', version: 'v3' };
const RUNTIME = 'node22';
/** Every secret the Action reads, in the order its header lists them. */
export const SECRET_NAMES = [
  'SESSION_TOKEN_SECRET',
  'CONTINUE_TOKEN_SECRET',
  'PROFILE_FORM_URL',
  'PROFILE_FIELDS',
  'PROFILE_OPTIONAL_FIELDS',
  'PROFILE_FIELDS_BY_CLIENT',
  'PROFILE_CLIENTS',
  'PROFILE_MAX_FIELDS',
  'PROFILE_LOGIN_COUNT',
  'PROFILE_SNOOZE_DAYS',
  'PROFILE_MAX_SKIPS',
  'PROFILE_DATABASE_CONNECTION',
];
// The Management API scopes Auth0 documents for these endpoints (reference §1.6).
const SCOPE = { read: 'read:actions', create: 'create:actions', update: 'update:actions' };
export const REQUIRED_SCOPES = [SCOPE.read, SCOPE.create, SCOPE.update];
const BUILD_WAIT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 15_000;

export const USAGE = `Usage: progressive-profile deploy-action [--dry-run]
       node rule/deploy.mjs [--dry-run]

Installs rule/action.js as the post-login Action "${ACTION_NAME}": creates it (or updates the
Action of that name), deploys it, and binds it to the post-login trigger after the bindings
already there (never twice). Every Action secret set in the environment becomes a secret of the
Action; one left unset is removed from it. Values are sent to Auth0 only, never printed.

Options:
  --dry-run    check the environment and print the plan; nothing is sent anywhere
  -h, --help   print this help

Tenant:
  AUTH0_DOMAIN                 the tenant's host, e.g. acme.eu.auth0.com
                               (http://127.0.0.1:PORT or http://localhost:PORT for the local emulator)
  AUTH0_CLIENT_ID              a machine-to-machine application authorized for the Auth0
  AUTH0_CLIENT_SECRET          Management API with the scopes ${REQUIRED_SCOPES.join(', ')}

Action secrets (checked as the Action checks them; see the header of rule/action.js):
  SESSION_TOKEN_SECRET         required; at least 32 bytes, shared with the profile server
  CONTINUE_TOKEN_SECRET        at least 32 bytes; verifies the form's answer (default: the above)
  PROFILE_FORM_URL             required; https URL of the form page (http only for localhost)
  PROFILE_FIELDS               comma list of required field ids (app_metadata: prefix, id@version
                               for a consent); may be unset with one of the next two
  PROFILE_FIELDS_BY_CLIENT     JSON {"client_id": "comma list"} replacing PROFILE_FIELDS per application
  PROFILE_DATABASE_CONNECTION  database connection in which to link an identity (asks a password)
  PROFILE_OPTIONAL_FIELDS      comma list of optional field ids, stored when given
  PROFILE_CLIENTS              comma list of client ids to prompt for (default: every application)
  PROFILE_MAX_FIELDS           questions per login at most (default: all)
  PROFILE_LOGIN_COUNT          first login that prompts (default 2)
  PROFILE_SNOOZE_DAYS          days a skip leaves the questions asked alone (default 7)
  PROFILE_MAX_SKIPS            skips allowed in all (default: unlimited)

Exit status: 0 done (or planned), 1 failed, 2 wrong usage.`;

export class DeployError extends Error {}

/** The tenant's origin from AUTH0_DOMAIN: https for any host, http only for this machine. */
export function readTenantOrigin(domain) {
  const text = String(domain ?? '').trim().replace(/\/+$/, '');
  if (text === '') throw new DeployError('AUTH0_DOMAIN is not set');
  let url;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw new DeployError('AUTH0_DOMAIN is not a domain');
  }
  const isLoopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol === 'http:' && !isLoopback) throw new DeployError('AUTH0_DOMAIN: plain http is only for 127.0.0.1 or localhost');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DeployError('AUTH0_DOMAIN is not a domain');
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new DeployError('AUTH0_DOMAIN must be a bare domain, without path or credentials');
  }
  return url.origin;
}

/**
 * The Action's secrets from the environment (those set, as `{name, value}`), checked by the
 * Action's own readSettings: throws a DeployError with the Action's sentence for a bad value.
 */
export function readActionSecrets(env) {
  const secrets = SECRET_NAMES.filter((name) => typeof env[name] === 'string' && env[name].trim() !== '').map((name) => ({
    name,
    value: env[name],
  }));
  const { problem } = readSettings(Object.fromEntries(secrets.map((secret) => [secret.name, secret.value])));
  if (problem) throw new DeployError(problem);
  return secrets;
}

/** Everything a run needs from the environment, checked before any network call. */
export function readDeployEnvironment(env) {
  const origin = readTenantOrigin(env.AUTH0_DOMAIN);
  if (!env.AUTH0_CLIENT_ID) throw new DeployError('AUTH0_CLIENT_ID is not set');
  if (!env.AUTH0_CLIENT_SECRET) throw new DeployError('AUTH0_CLIENT_SECRET is not set');
  return { origin, clientId: env.AUTH0_CLIENT_ID, clientSecret: env.AUTH0_CLIENT_SECRET, secrets: readActionSecrets(env) };
}

/** A sentence for a request that never got an answer: the host and the system's reason (ENOTFOUND, ECONNREFUSED...). */
export function describeNetworkFailure(error, host) {
  if (error?.name === 'TimeoutError') return `${host} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = error?.cause;
  const code =
    cause?.code ?? cause?.errors?.find((inner) => inner?.code)?.code ?? error?.code ?? cause?.name ?? error?.name ?? 'unknown error';
  return `could not reach ${host}: ${code}`;
}

function createClient(origin, { log, fetch }) {
  const host = new URL(origin).host;
  let accessToken;

  async function call(method, path, { body, scope } = {}, attempt = 1) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (accessToken) headers.authorization = `Bearer ${accessToken}`;
    let response;
    try {
      response = await fetch(`${origin}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new DeployError(describeNetworkFailure(error, host));
    }
    if (response.status === 429 && attempt < 4) {
      const waitSeconds = Math.min(10, Number(response.headers.get('retry-after')) || attempt);
      log(`  rate limited; waiting ${waitSeconds} s`);
      await new Promise((done) => setTimeout(done, waitSeconds * 1000));
      return call(method, path, { body, scope }, attempt + 1);
    }
    const text = await response.text();
    let parsed;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.status === 403 && scope) {
      throw new DeployError(`${method} ${path}: 403: AUTH0_CLIENT_ID lacks the scope ${scope} on the Management API`);
    }
    if (!response.ok) {
      const reason = parsed?.message ?? parsed?.error_description ?? parsed?.error ?? response.statusText;
      throw new DeployError(`${method} ${path}: ${response.status} ${reason}`);
    }
    return parsed;
  }

  return {
    /** Client credentials for the Management API; refuses a grant that lacks one of the scopes this script needs. */
    async authenticate(clientId, clientSecret) {
      const answer = await call('POST', '/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, audience: `${origin}/api/v2/` },
      });
      if (typeof answer?.access_token !== 'string') throw new DeployError('POST /oauth/token: no access token in the answer');
      if (typeof answer.scope === 'string') {
        const granted = new Set(answer.scope.split(' '));
        const missing = REQUIRED_SCOPES.filter((scope) => !granted.has(scope));
        if (missing.length > 0) {
          throw new DeployError(
            `AUTH0_CLIENT_ID lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')} on the Management API ` +
              `(it needs ${REQUIRED_SCOPES.join(', ')})`,
          );
        }
      }
      accessToken = answer.access_token;
    },
    call,
  };
}

/** The post-login bindings to write: the existing ones, plus ours at the end unless already bound. */
export function planBindings(existing, actionId) {
  const isBound = existing.some((binding) => binding.action?.id === actionId);
  const bindings = existing.map((binding) => ({
    ref: { type: 'action_id', value: binding.action?.id },
    display_name: binding.display_name,
  }));
  if (!isBound) bindings.push({ ref: { type: 'action_id', value: actionId }, display_name: ACTION_NAME });
  return { isBound, bindings };
}

async function waitUntilBuilt(client, actionId, log) {
  const deadline = Date.now() + BUILD_WAIT_MS;
  for (;;) {
    const action = await client.call('GET', `/api/v2/actions/actions/${encodeURIComponent(actionId)}`, { scope: SCOPE.read });
    if (action?.status === 'built') return;
    if (action?.status === 'failed') throw new DeployError('the Action failed to build; see the tenant dashboard');
    if (Date.now() > deadline) throw new DeployError('the Action did not finish building within a minute');
    log(`  building (${action?.status ?? 'unknown'})...`);
    await new Promise((done) => setTimeout(done, 1000));
  }
}

/**
 * Installs the Action. `isDryRun`: checks the environment and prints the plan without any
 * network call. Throws DeployError with a one-line reason.
 */
export async function deploy({ env = process.env, isDryRun = false, log = console.log, fetch = globalThis.fetch } = {}) {
  const { origin, clientId, clientSecret, secrets } = readDeployEnvironment(env);
  const code = await readFile(new URL('./action.js', import.meta.url), 'utf8');

  log(`${isDryRun ? 'Plan for' : 'Installing'} "${ACTION_NAME}" on ${origin}`);
  log(`  code: rule/action.js (${Buffer.byteLength(code)} bytes), runtime ${RUNTIME}, trigger ${TRIGGER.id} ${TRIGGER.version}`);
  log(`  secrets: ${secrets.map((secret) => secret.name).join(', ')}`);
  if (isDryRun) {
    log(`  would create the Action (or update the one named "${ACTION_NAME}"), deploy it, and bind it to post-login`);
    log(`  after the existing bindings unless it is bound already, as AUTH0_CLIENT_ID with ${REQUIRED_SCOPES.join(', ')}`);
    log('  dry run: the tenant was not contacted');
    return { actionId: undefined, created: false, bound: false };
  }

  const client = createClient(origin, { log, fetch });
  await client.authenticate(clientId, clientSecret);
  const listed = await client.call('GET', `/api/v2/actions/actions?actionName=${encodeURIComponent(ACTION_NAME)}`, {
    scope: SCOPE.read,
  });
  const existing = (listed?.actions ?? []).find((action) => action.name === ACTION_NAME);
  const definition = { code, runtime: RUNTIME, supported_triggers: [TRIGGER], dependencies: [], secrets };

  let actionId;
  if (existing) {
    await client.call('PATCH', `/api/v2/actions/actions/${encodeURIComponent(existing.id)}`, { body: definition, scope: SCOPE.update });
    actionId = existing.id;
    log(`  updated the Action ${actionId}`);
  } else {
    const created = await client.call('POST', '/api/v2/actions/actions', {
      body: { name: ACTION_NAME, ...definition },
      scope: SCOPE.create,
    });
    actionId = created?.id;
    if (typeof actionId !== 'string') throw new DeployError('POST /api/v2/actions/actions: no id in the answer');
    log(`  created the Action ${actionId}`);
  }
  await waitUntilBuilt(client, actionId, log);
  const version = await client.call('POST', `/api/v2/actions/actions/${encodeURIComponent(actionId)}/deploy`, { scope: SCOPE.create });
  log(`  deployed version ${version?.number ?? '?'}`);

  const bound = await client.call('GET', `/api/v2/actions/triggers/${TRIGGER.id}/bindings`, { scope: SCOPE.read });
  const plan = planBindings(bound?.bindings ?? [], actionId);
  if (plan.isBound) {
    log('  already bound to post-login');
  } else {
    await client.call('PATCH', `/api/v2/actions/triggers/${TRIGGER.id}/bindings`, {
      body: { bindings: plan.bindings },
      scope: SCOPE.update,
    });
    log(`  bound to post-login (${plan.bindings.length} binding(s) in all)`);
  }
  return { actionId, created: !existing, bound: !plan.isBound };
}

/**
 * The command: `argv` without node and the script, `env` the environment, `io` `{stdout, stderr}`
 * (anything with `write`) and optionally `fetch`. Resolves to the exit status; never exits itself.
 */
export async function main(argv = process.argv.slice(2), env = process.env, io = {}) {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const print = (stream) => (line) => stream.write(`${line}\n`);
  const unknown = argv.filter((arg) => !['--dry-run', '--help', '-h'].includes(arg));
  if (argv.includes('--help') || argv.includes('-h')) {
    print(stdout)(USAGE);
    return 0;
  }
  if (unknown.length > 0) {
    print(stderr)(`deploy: unknown argument ${JSON.stringify(unknown[0])}; see --help`);
    return 2;
  }
  try {
    await deploy({ env, isDryRun: argv.includes('--dry-run'), log: print(stdout), fetch: io.fetch ?? globalThis.fetch });
    return 0;
  } catch (error) {
    if (error instanceof DeployError) {
      print(stderr)(`deploy: ${error.message}`);
    } else {
      print(stderr)('deploy: failed unexpectedly');
      print(stderr)(error?.stack ?? String(error));
    }
    return 1;
  }
}

const isMain = Boolean(process.argv[1]) && pathToFileURL(resolve(process.argv[1])).href === import.meta.url;
if (isMain) {
  // process.exit: an idle keep-alive connection must not hold the command open.
  main().then((status) => process.exit(status));
}
