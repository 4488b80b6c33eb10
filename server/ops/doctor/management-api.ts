// Check 3: the M2M credentials (AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET) get a Management API token
// through the client-credentials grant, and the token carries every scope this configuration
// needs. The token is kept for the Action checks and never printed.
import type { Config } from '../../config.js';
import { CONNECTION_SCOPE, listRequiredScopes } from '../../upstream/management-grant.js';
import { NetworkFailure, type DoctorHttp } from './http.js';
import { printable, type CheckResult, type CheckStatus } from './report.js';

export interface ManagementAccess {
  readonly accessToken: string;
  /** The granted scopes; undefined when the tenant did not say (then nothing is assumed). */
  readonly scopes: ReadonlySet<string> | undefined;
}

export interface ScopeNeeds {
  readonly required: readonly string[];
  /** Scopes the configuration uses when granted, each with what it is for. */
  readonly optional: ReadonlyArray<{ readonly scope: string; readonly use: string }>;
}

const LABEL = 'Management API';
const GRANT_PATH = 'Applications > APIs > Auth0 Management API > Machine To Machine Applications';

/**
 * The scopes the server's own work needs, from the server's own list (`listRequiredScopes`, which
 * its start-time check and its token check use): reading and writing users' metadata, and for a
 * form that links identities, creating and (when linking fails) deleting a database user; such a
 * form reads the connection's password rules when read:connections is granted.
 */
export function listNeededScopes(config: Pick<Config, 'form'>): ScopeNeeds {
  return {
    required: listRequiredScopes(config.form),
    optional: config.form.link_database_identity ? [{ scope: CONNECTION_SCOPE, use: 'to show the connection’s password rules' }] : [],
  };
}

/** The line when the check cannot run: `not checked: ${reason}`. */
export function skipManagementCheck(reason: string): CheckResult {
  return toResult('skip', `not checked: ${reason}`);
}

/** Asks the tenant for a token as the server will; the result line and, when a token came, the access. */
export async function checkManagementApi(
  http: DoctorHttp,
  config: Config,
): Promise<{ result: CheckResult; access?: ManagementAccess }> {
  if (!config.management) {
    return {
      result: skipManagementCheck(
        'AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET are not set, so the Action writes the metadata (set them, with read:users update:users, for the server to write it)',
      ),
    };
  }
  const fail = (message: string, fix: string) => ({ result: toResult('fail', message, fix) });
  const needs = listNeededScopes(config);
  const grantFix = `authorize this application for the Auth0 Management API with ${needs.required.join(' ')}: ${GRANT_PATH}`;
  let status: number;
  let answer: Record<string, unknown>;
  try {
    ({ status, answer } = await requestClientCredentials(http, config, config.management));
  } catch (error) {
    if (error instanceof NetworkFailure) {
      return fail(`${error.message} (POST /oauth/token)`, 'check the network between this machine and the tenant, then run doctor again');
    }
    throw error;
  }
  const errorCode = typeof answer.error === 'string' ? printable(answer.error) : undefined;
  if (status === 401) {
    return fail(
      `the tenant refused AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (401${errorCode ? ` ${errorCode}` : ''}): a wrong client secret, or no such application`,
      'copy the Client ID and Client Secret again from Applications > Applications > your machine-to-machine application > Settings',
    );
  }
  if (status === 403) {
    return fail(`AUTH0_CLIENT_ID may not call the Management API (403${errorCode ? ` ${errorCode}` : ''})`, grantFix);
  }
  if (status === 429) {
    return fail(
      'the tenant is rate limiting token requests (429)',
      'wait a minute and run doctor again; if it lasts, look for a process asking for tokens in a loop',
    );
  }
  if (status !== 200 || typeof answer.access_token !== 'string') {
    return fail(
      `POST /oauth/token answered ${status}${errorCode ? ` ${errorCode}` : ''} without a token`,
      'check the tenant’s status and AUTH0_DOMAIN, then run doctor again',
    );
  }
  const scopes = readGrantedScopes(answer);
  const access: ManagementAccess = { accessToken: answer.access_token, scopes };
  if (scopes === undefined) {
    return {
      access,
      result: toResult(
        'warn',
        'AUTH0_CLIENT_ID gets a token, but the tenant did not say which scopes it carries',
        `make sure the application has ${needs.required.join(' ')} in ${GRANT_PATH}`,
      ),
    };
  }
  const missing = needs.required.filter((scope) => !scopes.has(scope));
  if (missing.length > 0) {
    const plural = missing.length > 1 ? 's' : '';
    return {
      access,
      result: toResult(
        'fail',
        `AUTH0_CLIENT_ID's token lacks the scope${plural} ${missing.join(', ')} (this configuration needs ${needs.required.join(' ')})`,
        `grant ${missing.join(' ')} in ${GRANT_PATH} > your application > Permissions`,
      ),
    };
  }
  const missingOptional = needs.optional.filter((option) => !scopes.has(option.scope));
  if (missingOptional.length > 0) {
    return {
      access,
      result: toResult(
        'warn',
        `AUTH0_CLIENT_ID gets a token with ${needs.required.join(' ')}, but not ${missingOptional.map((option) => `${option.scope} (${option.use})`).join(', ')}`,
        `grant ${missingOptional.map((option) => option.scope).join(' ')} in ${GRANT_PATH} > your application > Permissions`,
      ),
    };
  }
  const extra = scopes.has('read:actions') ? ' (and read:actions, so the Action is checked too)' : '';
  return { access, result: toResult('pass', `AUTH0_CLIENT_ID gets a token with ${needs.required.join(' ')}${extra}`) };
}

/** This check's line: `fix` only when there is one. */
function toResult(status: CheckStatus, message: string, fix?: string): CheckResult {
  return { id: 'management_api', label: LABEL, status, message, ...(fix === undefined ? {} : { fix }) };
}

/** The doctor's own application for reading the Action (DOCTOR_CLIENT_ID / DOCTOR_CLIENT_SECRET), when both are set. */
export function readDoctorCredentials(
  vars: Readonly<Record<string, string | undefined>>,
): { clientId: string; clientSecret: string } | { problem: string } | undefined {
  const clientId = vars.DOCTOR_CLIENT_ID?.trim() || undefined;
  const clientSecret = vars.DOCTOR_CLIENT_SECRET?.trim() ? vars.DOCTOR_CLIENT_SECRET : undefined;
  if (clientId === undefined && clientSecret === undefined) return undefined;
  if (clientId === undefined) return { problem: 'DOCTOR_CLIENT_SECRET is set without DOCTOR_CLIENT_ID' };
  if (clientSecret === undefined) return { problem: 'DOCTOR_CLIENT_ID is set without DOCTOR_CLIENT_SECRET' };
  return { clientId, clientSecret };
}

/**
 * A token for the doctor's own application (DOCTOR_CLIENT_ID, granted read:actions), which reads
 * the Action instead of the server's credentials; or why there is none, as one sentence.
 */
export async function requestDoctorAccess(
  http: DoctorHttp,
  config: Config,
  credentials: { clientId: string; clientSecret: string },
): Promise<{ access: ManagementAccess } | { problem: string }> {
  try {
    const { status, answer } = await requestClientCredentials(http, config, credentials);
    if (status !== 200 || typeof answer.access_token !== 'string') {
      const errorCode = typeof answer.error === 'string' ? ` ${printable(answer.error)}` : '';
      return { problem: `the tenant gave DOCTOR_CLIENT_ID no token (${status}${errorCode})` };
    }
    return { access: { accessToken: answer.access_token, scopes: readGrantedScopes(answer) } };
  } catch (error) {
    if (error instanceof NetworkFailure) return { problem: `${error.message} (POST /oauth/token)` };
    throw error;
  }
}

/** POST /oauth/token for a Management API token of `credentials`: the status and the JSON answer (`{}` when not an object). */
async function requestClientCredentials(
  http: DoctorHttp,
  config: Config,
  credentials: { clientId: string; clientSecret: string },
): Promise<{ status: number; answer: Record<string, unknown> }> {
  const response = await http.request(`${config.tenant.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      audience: `${config.tenant.origin}/api/v2/`,
    }),
  });
  const body = await http.readJson(response);
  return { status: response.status, answer: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {} };
}

/** The answer's `scope`, else the `scope` claim of a JWT access token (read, not verified: it only names scopes). */
function readGrantedScopes(answer: Record<string, unknown>): Set<string> | undefined {
  if (typeof answer.scope === 'string') return toScopeSet(answer.scope);
  const payload = String(answer.access_token).split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { scope?: unknown };
    return typeof claims.scope === 'string' ? toScopeSet(claims.scope) : undefined;
  } catch {
    return undefined;
  }
}

function toScopeSet(scope: string): Set<string> {
  return new Set(scope.split(' ').filter((entry) => entry !== ''));
}
