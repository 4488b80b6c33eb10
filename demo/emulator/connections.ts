// The tenant's connections: database connections (strategy `auth0`) with Auth0's password policy
// and username options, and social ones (here `github`, emulated without GitHub). Read through
// `GET /api/v2/connections` (scope `read:connections`) in Auth0's shape.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendApiError } from './api-errors.js';
import { MAX_MIN_LENGTH, PASSWORD_POLICIES, type PasswordPolicy } from './password-policy.js';
import { DEFAULT_DATABASE_CONNECTION } from './user-store.js';
import { selectFields } from './values.js';

export type ConnectionStrategy = 'auth0' | 'github';

export interface EmulatedConnection {
  readonly name: string;
  readonly strategy: ConnectionStrategy;
  /** Auth0's id, `con_` and 16 letters or digits; default: derived from the name. */
  readonly id?: string;
  /** Database connections: the password strength level; default `good`. */
  readonly passwordPolicy?: PasswordPolicy;
  /** Database connections: `password_complexity_options.min_length` (1-72); unset: the level's own minimum. */
  readonly minLength?: number;
  /** Database connections: whether a user needs a username (then also signs in with it). */
  readonly requiresUsername?: boolean;
}

/** A connection with its defaults filled in. */
export interface Connection {
  readonly id: string;
  readonly name: string;
  readonly strategy: ConnectionStrategy;
  readonly isDatabase: boolean;
  readonly passwordPolicy: PasswordPolicy;
  readonly minLength?: number;
  readonly requiresUsername: boolean;
}

// Auth0's default allowed username length.
export const USERNAME_LENGTH = { min: 1, max: 15 } as const;

/** Auth0's connection ids: `con_` and 16 letters or digits. */
export const CONNECTION_ID = /^con_[A-Za-z0-9]{16}$/u;
const MAX_TAKE = 100;

/** The tenant a new Auth0 account starts with: the database connection and GitHub. */
export function createDefaultConnections(): EmulatedConnection[] {
  return [
    { name: DEFAULT_DATABASE_CONNECTION, strategy: 'auth0', passwordPolicy: 'good', minLength: 8 },
    { name: 'github', strategy: 'github' },
  ];
}

/** Checks the `connections` option and fills in defaults; throws a TypeError naming the problem. */
export function resolveConnections(connections: readonly EmulatedConnection[], where = 'option "connections"'): Connection[] {
  if (!Array.isArray(connections)) throw new TypeError(`${where} must be an array of connections`);
  const resolved: Connection[] = [];
  for (const connection of connections) {
    const label = `${where}: connection ${JSON.stringify(connection?.name)}`;
    if (typeof connection !== 'object' || connection === null || typeof connection.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/u.test(connection.name)) {
      throw new TypeError(`${where}: each connection needs a name of letters, digits and dashes`);
    }
    if (connection.strategy !== 'auth0' && connection.strategy !== 'github') {
      throw new TypeError(`${label} must have the strategy "auth0" or "github"`);
    }
    if (resolved.some((other) => other.name === connection.name)) throw new TypeError(`${label} is listed twice`);
    const id = connection.id ?? deriveId(connection.name);
    if (!CONNECTION_ID.test(id)) throw new TypeError(`${label} needs an id of the form con_ and 16 letters or digits`);
    const isDatabase = connection.strategy === 'auth0';
    const policy = connection.passwordPolicy ?? 'good';
    if (!PASSWORD_POLICIES.includes(policy)) throw new TypeError(`${label}: passwordPolicy must be one of ${PASSWORD_POLICIES.join(', ')}`);
    const { minLength } = connection;
    if (minLength !== undefined && (!Number.isInteger(minLength) || minLength < 1 || minLength > MAX_MIN_LENGTH)) {
      throw new TypeError(`${label}: minLength must be an integer from 1 to ${MAX_MIN_LENGTH}`);
    }
    if (!isDatabase && (connection.passwordPolicy !== undefined || minLength !== undefined || connection.requiresUsername !== undefined)) {
      throw new TypeError(`${label}: password and username options belong to database connections`);
    }
    resolved.push({ id, name: connection.name, strategy: connection.strategy, isDatabase, passwordPolicy: policy, minLength, requiresUsername: connection.requiresUsername === true });
  }
  if (!resolved.some((connection) => connection.isDatabase)) throw new TypeError(`${where} must hold a database connection`);
  return resolved;
}

/** The connection as `GET /api/v2/connections` answers it. */
export function toPublicConnection(connection: Connection): Record<string, unknown> {
  const options: Record<string, unknown> = connection.isDatabase
    ? {
        passwordPolicy: connection.passwordPolicy,
        ...(connection.minLength !== undefined ? { password_complexity_options: { min_length: connection.minLength } } : {}),
        requires_username: connection.requiresUsername,
        ...(connection.requiresUsername ? { validation: { username: { ...USERNAME_LENGTH } } } : {}),
        brute_force_protection: true,
      }
    : { scope: ['user:email'] };
  return {
    id: connection.id,
    name: connection.name,
    display_name: connection.name,
    strategy: connection.strategy,
    options,
    is_domain_connection: false,
    realms: [connection.name],
  };
}

/** `GET /connections` under the Management API prefix; the caller's hook has checked `read:connections`. */
export function registerConnectionsRoutes(api: FastifyInstance, connections: readonly Connection[]): void {
  api.get<{ Querystring: Record<string, string | string[] | undefined> }>(
    '/connections',
    { config: { scope: 'read:connections' } },
    async (request, reply) => {
      const query = request.query;
      const strategies = query.strategy === undefined ? undefined : [query.strategy].flat();
      const take = query.take === undefined ? undefined : Number(query.take);
      if (take !== undefined && (!Number.isInteger(take) || take < 1 || take > MAX_TAKE)) {
        return sendApiError(
          reply,
          400,
          `Query validation error: 'Invalid value ${JSON.stringify(query.take)}; take must be an integer from 1 to ${MAX_TAKE}' on property take.`,
          'invalid_query_string',
        );
      }
      const found = connections
        .filter((connection) => query.name === undefined || connection.name === query.name)
        .filter((connection) => strategies === undefined || strategies.includes(connection.strategy));
      const answer = (page: readonly Connection[]) =>
        page.map((connection) => selectFields(toPublicConnection(connection), query.fields, query.include_fields !== 'false'));
      // Checkpoint pagination (`from`/`take`, what the v7 SDK sends) or offset pagination.
      if (take !== undefined || query.from !== undefined) {
        const start = Math.max(0, found.findIndex((connection) => connection.id === query.from));
        const page = found.slice(start, start + (take ?? 50));
        const next = found[start + page.length]?.id;
        return next === undefined ? { connections: answer(page) } : { connections: answer(page), next };
      }
      if (query.include_totals === 'true') return { start: 0, limit: found.length, total: found.length, connections: answer(found) };
      return answer(found);
    },
  );
}


function deriveId(name: string): string {
  return `con_${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}
