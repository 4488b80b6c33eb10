// With a form that links identities (`link_database_identity`): the connection it names exists and
// is a database connection, read as the server reads it at start (GET /api/v2/connections?name=,
// with read:connections), and whether the form can show its password rules before the user types.
import type { Config } from '../../config.js';
import { readPasswordPolicy } from '../../upstream/password-policy.js';
import { CONNECTION_SCOPE } from '../../upstream/management-grant.js';
import { NetworkFailure, type DoctorHttp } from './http.js';
import type { ManagementAccess } from './management-api.js';
import { printable, type CheckResult } from './report.js';

const ID = 'linking_connection';
const LABEL = 'linking connection';

/** The line, skipped with `reason` when there is no token to read the tenant with. */
export function skipLinkingCheck(reason: string): CheckResult {
  return { id: ID, label: LABEL, status: 'skip', message: `not checked: ${reason}` };
}

export async function checkLinkingConnection(http: DoctorHttp, config: Config, access: ManagementAccess): Promise<CheckResult> {
  const name = config.form.link_database_identity?.connection;
  if (name === undefined) throw new TypeError('checkLinkingConnection: the form links no identities');
  const withoutScope = skipLinkingCheck(
    `the token has no ${CONNECTION_SCOPE} (grant it so the server reads "${name}" at start and the form shows its password rules; without it the form shows none, and a missing connection shows only when the first user links)`,
  );
  if (access.scopes !== undefined && !access.scopes.has(CONNECTION_SCOPE)) return withoutScope;
  const fail = (message: string, fix: string): CheckResult => ({ id: ID, label: LABEL, status: 'fail', message, fix });
  const fileFix = `create it (Authentication > Database > Create DB Connection) or set "link_database_identity": {"connection": NAME} in PROFILE_FIELDS_FILE to an existing database connection`;

  let status: number;
  let body: unknown;
  try {
    const response = await http.request(`${config.tenant.origin}/api/v2/connections?name=${encodeURIComponent(name)}`, {
      headers: { authorization: `Bearer ${access.accessToken}`, accept: 'application/json' },
    });
    status = response.status;
    body = await http.readJson(response);
  } catch (error) {
    if (error instanceof NetworkFailure) return fail(`${error.message} (GET /api/v2/connections)`, 'run doctor again; if it lasts, check the tenant’s status');
    throw error;
  }
  if (status === 403) return withoutScope;
  if (status !== 200) return fail(`GET /api/v2/connections answered ${status}`, 'run doctor again; if it lasts, check the tenant’s status');
  // A plain array, or `{connections: [...]}` when paginated.
  const list = Array.isArray(body) ? body : (body as { connections?: unknown } | undefined)?.connections;
  const found = (Array.isArray(list) ? (list as Array<Record<string, unknown>>) : []).find((connection) => connection?.name === name);
  if (!found) {
    return fail(`the tenant has no connection named "${name}" (link_database_identity): the server refuses to start`, fileFix);
  }
  if (found.strategy !== 'auth0') {
    const strategy = typeof found.strategy === 'string' ? printable(found.strategy) : 'unknown';
    return fail(`"${name}" is a ${strategy} connection, not a database connection (strategy auth0): no password can be added to it`, fileFix);
  }
  const options = found.options as { requires_username?: unknown } | undefined;
  const usernames = options?.requires_username === true ? '; it takes usernames, so users may sign in with one' : '';
  const policy = readPasswordPolicy(options);
  if (!policy) {
    return {
      id: ID,
      label: LABEL,
      status: 'warn',
      message: `"${name}" is a database connection${usernames}, but it names no password strength level the form knows: the form cannot show its password rules, and users learn them only when Auth0 refuses a password`,
      fix: `set the connection's Password Policy (Authentication > Database > ${name} > Authentication Methods > Password)`,
    };
  }
  return {
    id: ID,
    label: LABEL,
    status: 'pass',
    message: `"${name}" is a database connection${usernames}; the form shows its password rules (${policy.policy}, at least ${policy.min_length} characters)`,
  };
}
