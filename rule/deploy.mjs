#!/usr/bin/env node
// Installs rule/action.js as the post-login Action "Progressive Profile" on an Auth0 tenant:
// creates or updates the Action (code, runtime node22, trigger post-login v3, secrets), deploys it,
// and binds it to the post-login trigger, keeping every existing binding and never binding it twice.
//
//   AUTH0_DOMAIN=acme.eu.auth0.com AUTH0_CLIENT_ID=... AUTH0_CLIENT_SECRET=... \
//   SESSION_TOKEN_SECRET=... PROFILE_FORM_URL=https://app.example.com/complete-profile \
//   PROFILE_FIELDS=company_name,job_title node rule/deploy.mjs [--dry-run]
//
// The M2M application needs create:actions, update:actions, read:actions, update:triggers and
// read:triggers. --dry-run looks the tenant up and prints what it would change, without writing.
// Secret values are sent to Auth0 only, never printed. AUTH0_DOMAIN may be an
// http://127.0.0.1:PORT (or localhost) URL for the local tenant emulator.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ACTION_NAME = 'Progressive Profile';
const TRIGGER = { id: 'post-login', version: 'v3' };
const RUNTIME = 'node22';
const SECRET_NAMES = [
  'SESSION_TOKEN_SECRET',
  'CONTINUE_TOKEN_SECRET',
  'PROFILE_FORM_URL',
  'PROFILE_FIELDS',
  'PROFILE_OPTIONAL_FIELDS',
  'PROFILE_LOGIN_COUNT',
  'PROFILE_SNOOZE_DAYS',
];
const REQUIRED_SECRETS = ['SESSION_TOKEN_SECRET', 'PROFILE_FORM_URL', 'PROFILE_FIELDS'];
const MIN_SECRET_BYTES = 32;
const BUILD_WAIT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 15_000;

class DeployError extends Error {}

/** The tenant's origin from AUTH0_DOMAIN: https for any host, http only for this machine. */
export function readTenantOrigin(domain) {
  const text = String(domain ?? '').trim().replace(/\/+$/, '');
  if (text === '') throw new DeployError('AUTH0_DOMAIN: not set');
  const url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
  const isLoopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol === 'http:' && !isLoopback) throw new DeployError('AUTH0_DOMAIN: plain http is only for 127.0.0.1 or localhost');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DeployError('AUTH0_DOMAIN: not a domain');
  if (url.pathname !== '/' || url.search || url.username) throw new DeployError('AUTH0_DOMAIN: a bare domain, without path or credentials');
  return url.origin;
}

/** The Action's secrets from the environment: the required ones must be present, secrets long enough. */
export function readActionSecrets(env) {
  for (const name of REQUIRED_SECRETS) if (!env[name]) throw new DeployError(`${name}: not set`);
  for (const name of ['SESSION_TOKEN_SECRET', 'CONTINUE_TOKEN_SECRET']) {
    if (env[name] && Buffer.byteLength(env[name], 'utf8') < MIN_SECRET_BYTES) {
      throw new DeployError(`${name}: shorter than ${MIN_SECRET_BYTES} bytes`);
    }
  }
  return SECRET_NAMES.filter((name) => env[name]).map((name) => ({ name, value: env[name] }));
}

function createClient(origin, log) {
  let accessToken;

  async function call(method, path, body, attempt = 1) {
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
      throw new DeployError(`${method} ${path}: could not reach the tenant (${error?.name ?? 'error'})`);
    }
    if (response.status === 429 && attempt < 4) {
      const waitSeconds = Math.min(10, Number(response.headers.get('retry-after')) || attempt);
      log(`  rate limited; waiting ${waitSeconds} s`);
      await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
      return call(method, path, body, attempt + 1);
    }
    const text = await response.text();
    let parsed;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const reason = parsed?.message ?? parsed?.error_description ?? parsed?.error ?? response.statusText;
      throw new DeployError(`${method} ${path}: ${response.status} ${reason}`);
    }
    return parsed;
  }

  return {
    async authenticate(clientId, clientSecret) {
      const answer = await call('POST', '/oauth/token', {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        audience: `${origin}/api/v2/`,
      });
      if (typeof answer?.access_token !== 'string') throw new DeployError('POST /oauth/token: no access token in the answer');
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
    const action = await client.call('GET', `/api/v2/actions/actions/${encodeURIComponent(actionId)}`);
    if (action?.status === 'built') return;
    if (action?.status === 'failed') throw new DeployError('the Action failed to build; see the tenant dashboard');
    if (Date.now() > deadline) throw new DeployError('the Action did not finish building within a minute');
    log(`  building (${action?.status ?? 'unknown'})...`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

export async function deploy({ env = process.env, isDryRun = false, log = console.log } = {}) {
  const origin = readTenantOrigin(env.AUTH0_DOMAIN);
  if (!env.AUTH0_CLIENT_ID) throw new DeployError('AUTH0_CLIENT_ID: not set');
  if (!env.AUTH0_CLIENT_SECRET) throw new DeployError('AUTH0_CLIENT_SECRET: not set');
  const secrets = readActionSecrets(env);
  const code = await readFile(new URL('./action.js', import.meta.url), 'utf8');

  log(`${isDryRun ? 'Plan for' : 'Installing'} "${ACTION_NAME}" on ${origin}`);
  log(`  code: rule/action.js (${Buffer.byteLength(code)} bytes), runtime ${RUNTIME}, trigger ${TRIGGER.id} ${TRIGGER.version}`);
  log(`  secrets: ${secrets.map((secret) => secret.name).join(', ')}`);

  const client = createClient(origin, log);
  await client.authenticate(env.AUTH0_CLIENT_ID, env.AUTH0_CLIENT_SECRET);
  const listed = await client.call('GET', `/api/v2/actions/actions?actionName=${encodeURIComponent(ACTION_NAME)}`);
  const existing = (listed?.actions ?? []).find((action) => action.name === ACTION_NAME);
  const definition = { code, runtime: RUNTIME, supported_triggers: [TRIGGER], dependencies: [], secrets };

  if (isDryRun) {
    log(existing ? `  would update the Action ${existing.id} and deploy it` : '  would create the Action and deploy it');
    const bound = await client.call('GET', `/api/v2/actions/triggers/${TRIGGER.id}/bindings`);
    const plan = existing ? planBindings(bound?.bindings ?? [], existing.id) : { isBound: false };
    log(plan.isBound ? '  already bound to post-login' : `  would bind it to post-login after ${(bound?.bindings ?? []).length} existing binding(s)`);
    return { actionId: existing?.id, created: false, bound: false };
  }

  let actionId;
  if (existing) {
    await client.call('PATCH', `/api/v2/actions/actions/${encodeURIComponent(existing.id)}`, definition);
    actionId = existing.id;
    log(`  updated the Action ${actionId}`);
  } else {
    const created = await client.call('POST', '/api/v2/actions/actions', { name: ACTION_NAME, ...definition });
    actionId = created?.id;
    if (typeof actionId !== 'string') throw new DeployError('POST /api/v2/actions/actions: no id in the answer');
    log(`  created the Action ${actionId}`);
  }
  await waitUntilBuilt(client, actionId, log);
  const version = await client.call('POST', `/api/v2/actions/actions/${encodeURIComponent(actionId)}/deploy`);
  log(`  deployed version ${version?.number ?? '?'}`);

  const bound = await client.call('GET', `/api/v2/actions/triggers/${TRIGGER.id}/bindings`);
  const plan = planBindings(bound?.bindings ?? [], actionId);
  if (plan.isBound) {
    log('  already bound to post-login');
  } else {
    await client.call('PATCH', `/api/v2/actions/triggers/${TRIGGER.id}/bindings`, { bindings: plan.bindings });
    log(`  bound to post-login (${plan.bindings.length} binding(s) in all)`);
  }
  return { actionId, created: !existing, bound: !plan.isBound };
}

const isMain = Boolean(process.argv[1]) && pathToFileURL(resolve(process.argv[1])).href === import.meta.url;
if (isMain) {
  deploy({ isDryRun: process.argv.includes('--dry-run') }).then(
    () => process.exit(0),
    (error) => {
      console.error(`deploy: ${error instanceof DeployError ? error.message : 'failed unexpectedly'}`);
      if (!(error instanceof DeployError)) console.error(error?.stack ?? String(error));
      process.exit(1);
    },
  );
}
