// The start-time check of the M2M grant, for a configuration that needs more than plain writes
// (a form that links database identities, or has `unique` fields): a token is asked for, and the
// server stops, naming them, when the grant lacks scopes it needs. A tenant it cannot reach is a
// warning (the token's scopes are checked again whenever one is granted, management-api.ts). For
// linking, the connection is read when the grant allows (`read:connections`): its password rules
// go to GET /form, and whether it takes usernames to the linker.
import { ManagementError } from 'auth0';
import type { PasswordPolicy } from '../../common/wire.js';
import type { Clock } from '../clock.js';
import { ConfigError } from '../config.js';
import type { ServerForm } from '../fields/form-definition.js';
import { RequestError } from '../http/errors.js';
import { runWithinBudget } from './budget.js';
import { LINKING_SCOPES } from './identity-linker.js';
import type { ManagementApi } from './management-api.js';
import { readPasswordPolicy } from './password-policy.js';

/** Every configuration with M2M credentials reads and writes users. */
export const PROFILE_SCOPES = ['read:users', 'update:users'] as const;
/** Lets a linking form read its connection (its password rules, whether it takes usernames). */
export const CONNECTION_SCOPE = 'read:connections';
/** Seconds the start-time check may take before the tenant counts as unreachable. */
const START_CHECK_SECONDS = 10;

/** The scopes a form needs of the M2M grant. */
export function listRequiredScopes(form: ServerForm): string[] {
  return form.link_database_identity ? [...PROFILE_SCOPES, ...LINKING_SCOPES] : [...PROFILE_SCOPES];
}

/** Whether the start-time check applies: the form links identities or has `unique` fields. */
export function needsGrantCheck(form: ServerForm): boolean {
  return form.link_database_identity !== undefined || form.fields.some((field) => field.unique);
}

/** What the tenant said of the linking form's database connection. */
export interface DatabaseConnection {
  readonly id?: string;
  readonly passwordPolicy?: PasswordPolicy;
  readonly usesUsernames?: boolean;
}

export interface GrantCheck {
  /** Present when the form links identities and the connection could be read. */
  readonly connection?: DatabaseConnection;
  /** One line each, for the start log. */
  readonly warnings: readonly string[];
}

/**
 * Checks the grant for `form`. Throws `ConfigError` naming the variable when the credentials are
 * refused, the grant lacks a scope (naming every missing one) or the linking connection is not a
 * database connection of the tenant; answers warnings when the tenant cannot be reached.
 */
export async function checkManagementGrant(api: ManagementApi, form: ServerForm, clock: Clock): Promise<GrantCheck> {
  const warnings: string[] = [];
  const required = listRequiredScopes(form);
  let scopes: ReadonlySet<string>;
  try {
    scopes = await runWithinBudget(START_CHECK_SECONDS, clock, (budget) => api.readGrantedScopes(budget));
  } catch (error) {
    const status = findManagementStatus(error);
    if (status === 401) throw new ConfigError('AUTH0_CLIENT_SECRET', 'the tenant refused these M2M credentials (check AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET)');
    if (status === 403) {
      throw new ConfigError('AUTH0_CLIENT_ID', `the application has no grant on the Management API: grant it ${required.join(' ')}`);
    }
    warnings.push('AUTH0_DOMAIN: the tenant could not be reached at start to check the M2M grant; it is checked again on first use');
    return { warnings };
  }
  const missing = required.filter((scope) => !scopes.has(scope));
  if (missing.length > 0) {
    throw new ConfigError('AUTH0_CLIENT_ID', `the application's Management API grant lacks ${missing.join(' ')} (this form needs ${required.join(' ')})`);
  }
  const link = form.link_database_identity;
  if (!link) return { warnings };
  if (!scopes.has(CONNECTION_SCOPE)) {
    warnings.push(`AUTH0_CLIENT_ID: grant ${CONNECTION_SCOPE} so the form can show the connection's password rules before the user types`);
    return { warnings };
  }
  try {
    const page = await runWithinBudget(START_CHECK_SECONDS, clock, (budget) =>
      api.call('list_connections', (requestOptions) => api.client.connections.list({ name: link.connection, strategy: ['auth0'] }, requestOptions), budget),
    );
    const found = page.data.find((connection) => connection.name === link.connection);
    if (!found) {
      throw new ConfigError('PROFILE_FIELDS_FILE', `link_database_identity: the tenant has no database connection named "${link.connection}"`);
    }
    const options = found.options as { requires_username?: unknown } | undefined;
    const passwordPolicy = readPasswordPolicy(options);
    return {
      connection: {
        ...(typeof found.id === 'string' ? { id: found.id } : {}),
        ...(passwordPolicy ? { passwordPolicy } : {}),
        ...(typeof options?.requires_username === 'boolean' ? { usesUsernames: options.requires_username } : {}),
      },
      warnings,
    };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    warnings.push(`PROFILE_FIELDS_FILE: the connection "${link.connection}" could not be read at start; the form shows no password rules`);
    return { warnings };
  }
}

/** The HTTP status of a Management API or token endpoint refusal under a `RequestError`. */
function findManagementStatus(error: unknown): number | undefined {
  const cause = error instanceof RequestError ? error.cause : error;
  return cause instanceof ManagementError ? cause.statusCode : undefined;
}
