// The Management API's users endpoints, with Auth0's scopes, bodies and error shapes:
//   GET    /users/{id}   read:users    immediately consistent; 404 inexistent_user
//   PATCH  /users/{id}   update:users  metadata only, Auth0's merge rules
//   DELETE /users/{id}   delete:users  204, also for an unknown id
//   POST   /users        create:users  a database user; 400 PasswordStrengthError, 409 "The user already exists."
//   GET    /users        read:users    v3 search through the lagging index (metadata and username
//                                      exact matches, joined by OR); per_page at most 50
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sendApiError } from './api-errors.js';
import { USERNAME_LENGTH, type Connection } from './connections.js';
import { meetsPasswordPolicy } from './password-policy.js';
import { matchesSearchQuery, parseSearchQuery, type SearchIndex } from './search-index.js';
import { toPublicUser, type EmulatedUser, type Metadata, type MetadataPatch, type StoredUser, type UserStore } from './user-store.js';
import { describeType, isRecord, selectFields } from './values.js';

export interface UsersApiOptions {
  readonly users: UserStore;
  readonly connections: readonly Connection[];
  readonly search: SearchIndex;
  readonly clock: { now(): number };
  readonly count: (event: 'patches' | 'searches' | 'creates' | 'deletes') => void;
}

// Auth0's public cloud pages user search by at most 50 and never past the 1000th user.
export const MAX_PER_PAGE = 50;
const MAX_SEARCH_RESULTS = 1000;
const PATCHABLE_KEYS = new Set(['user_metadata', 'app_metadata']);
const CREATABLE_KEYS = ['connection', 'email', 'password', 'username', 'email_verified', 'verify_email', 'name', 'user_metadata', 'app_metadata'];
// Auth0's username characters (letters are stored lower-case).
const USERNAME_CHARACTERS = /^[a-z0-9_+\-.!#$'^`~@]+$/u;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

/** Registers the users routes under the Management API prefix; the caller's hook checks each route's scope. */
export function registerUsersRoutes(api: FastifyInstance, options: UsersApiOptions): void {
  const { users, connections, search, clock, count } = options;

  api.get<{ Params: { id: string } }>('/users/:id', { config: { scope: 'read:users' } }, async (request, reply) => {
    const user = users.get(request.params.id);
    if (!user) return sendApiError(reply, 404, 'The user does not exist.', 'inexistent_user');
    return toPublicUser(user);
  });

  api.patch<{ Params: { id: string } }>('/users/:id', { config: { scope: 'update:users' } }, async (request, reply) => {
    const problem = findPatchProblem(request.body);
    if (problem) return sendApiError(reply, 400, problem, 'invalid_body');
    const user = users.patch(request.params.id, request.body as MetadataPatch, new Date(clock.now()));
    if (!user) return sendApiError(reply, 404, 'The user does not exist.', 'inexistent_user');
    count('patches');
    return toPublicUser(user);
  });

  api.delete<{ Params: { id: string } }>('/users/:id', { config: { scope: 'delete:users' } }, async (request, reply) => {
    // Auth0 answers 204 whether or not the user existed.
    if (users.delete(request.params.id)) count('deletes');
    return reply.code(204).send();
  });

  api.post('/users', { config: { scope: 'create:users' } }, async (request, reply) => {
    const created = createUser(request.body, reply);
    if (!created) return reply;
    count('creates');
    return reply.code(201).send(toPublicUser(created));
  });

  api.get<{ Querystring: Record<string, string | undefined> }>('/users', { config: { scope: 'read:users' } }, async (request, reply) => {
    const query = request.query;
    if (query.search_engine !== undefined && query.search_engine !== 'v3') {
      return sendApiError(reply, 400, 'Only search_engine=v3 is supported by this emulator.', 'invalid_query_string');
    }
    const perPage = readPaging(reply, query.per_page, 'per_page', 'Number of results per page.', MAX_PER_PAGE, 50);
    if (perPage === undefined) return reply;
    const page = readPaging(reply, query.page, 'page', 'Page index of the results to return. First page is 0.', Number.MAX_SAFE_INTEGER, 0);
    if (page === undefined) return reply;
    if ((page + 1) * perPage > MAX_SEARCH_RESULTS) {
      return sendApiError(
        reply,
        400,
        `You can only page through the first ${MAX_SEARCH_RESULTS} records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation`,
        'invalid_paging',
      );
    }
    let matches: (user: StoredUser) => boolean = () => true;
    if (query.q !== undefined && query.q.trim() !== '') {
      const parsed = parseSearchQuery(query.q);
      if (!parsed) {
        return sendApiError(
          reply,
          400,
          'The emulator supports exact-match queries on metadata keys and username only, alone or joined by OR.',
          'invalid_query_string',
        );
      }
      matches = (user) => matchesSearchQuery(user, parsed);
    }
    const found = search.search(matches);
    const pageOfUsers = found
      .slice(page * perPage, (page + 1) * perPage)
      .map((user) => selectFields(toPublicUser(user), query.fields, query.include_fields !== 'false'));
    count('searches');
    if (query.include_totals === 'true') {
      return { start: page * perPage, limit: perPage, length: pageOfUsers.length, total: found.length, users: pageOfUsers };
    }
    return pageOfUsers;
  });

  /** Validates a create body as Auth0 does, in its order; sends the refusal and answers undefined, or adds the user. */
  function createUser(body: unknown, reply: FastifyReply) {
    const refuse = (status: number, message: string, errorCode?: string) => {
      void sendApiError(reply, status, message, errorCode);
      return undefined;
    };
    const problem = findCreateProblem(body);
    if (problem) return refuse(400, problem, 'invalid_body');
    const input = body as Record<string, unknown>;
    const connection = connections.find((candidate) => candidate.name === input.connection);
    if (!connection) return refuse(400, 'The connection does not exist.', 'inexistent_connection');
    if (!connection.isDatabase) {
      return refuse(
        400,
        'Connection does not support user creation through the API. It must either be a database or passwordless connection.',
        'operation_not_supported',
      );
    }
    const email = typeof input.email === 'string' ? input.email.trim().toLowerCase() : undefined;
    if (email === undefined) return refuse(400, "Payload validation error: 'Missing required property: email'.", 'invalid_body');
    if (!EMAIL.test(email)) {
      return refuse(400, `Payload validation error: 'Object didn't pass validation for format email: ${input.email}' on property email (The user's email).`, 'invalid_body');
    }
    if (typeof input.password !== 'string') return refuse(400, "Payload validation error: 'Missing required property: password'.", 'invalid_body');
    const username = typeof input.username === 'string' ? input.username.toLowerCase() : undefined;
    if (!connection.requiresUsername && input.username !== undefined) {
      return refuse(400, 'Cannot set username for connection without requires_username', 'invalid_body');
    }
    if (connection.requiresUsername) {
      const usernameProblem = findUsernameProblem(username);
      if (usernameProblem) return refuse(400, usernameProblem, 'invalid_body');
    }
    // Auth0's own message carries no detail (the Authentication API's signup has the rules).
    if (!meetsPasswordPolicy(input.password, connection.passwordPolicy, connection.minLength)) {
      return refuse(400, 'PasswordStrengthError: Password is too weak');
    }
    if (users.findDatabaseLogin(connection.name, email)) return refuse(409, 'The user already exists.', 'auth0_idp_error');
    if (username !== undefined && users.findDatabaseLogin(connection.name, username)) {
      return refuse(400, 'The username provided is in use already.');
    }
    const id = randomBytes(12).toString('hex');
    const now = new Date(clock.now()).toISOString();
    const user: EmulatedUser = {
      user_id: `auth0|${id}`,
      email,
      email_verified: input.email_verified === true,
      ...(username !== undefined ? { username } : {}),
      name: typeof input.name === 'string' ? input.name : email,
      identities: [{ connection: connection.name, provider: 'auth0', user_id: id, isSocial: false, password: input.password }],
      logins_count: 0,
      user_metadata: (input.user_metadata as Metadata | undefined) ?? {},
      app_metadata: (input.app_metadata as Metadata | undefined) ?? {},
      created_at: now,
      updated_at: now,
    };
    users.create(user);
    return users.get(user.user_id);
  }
}

/** Reads `page` or `per_page`; sends Auth0's query validation error and answers undefined when bad. */
function readPaging(reply: FastifyReply, text: string | undefined, name: string, description: string, max: number, fallback: number) {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  let problem: string | undefined;
  if (!/^\d+$/u.test(text) || !Number.isSafeInteger(value)) problem = `Expected type integer but found type string`;
  else if (value > max) problem = `Value ${value} is greater than maximum ${max}`;
  if (problem === undefined) return value;
  void sendApiError(reply, 400, `Query validation error: '${problem}' on property ${name} (${description}).`, 'invalid_query_string');
  return undefined;
}

/** Why a PATCH body is refused, as Auth0 would refuse it; undefined when it is acceptable. */
function findPatchProblem(body: unknown): string | undefined {
  if (!isRecord(body)) return `Payload validation error: 'Expected type object but found type ${describeType(body)}'.`;
  const keys = Object.keys(body);
  if (keys.length === 0) return "Payload validation error: 'Too few properties defined (0), minimum 1'.";
  const extra = keys.filter((key) => !PATCHABLE_KEYS.has(key));
  if (extra.length > 0) {
    return `Payload validation error: 'Additional properties not allowed: ${extra.join(',')}' (this emulator accepts user_metadata and app_metadata only).`;
  }
  return findMetadataProblem(body, keys);
}

/** Why a create body is refused before its connection is looked at; undefined when its shape is acceptable. */
function findCreateProblem(body: unknown): string | undefined {
  if (!isRecord(body)) return `Payload validation error: 'Expected type object but found type ${describeType(body)}'.`;
  const extra = Object.keys(body).filter((key) => !CREATABLE_KEYS.includes(key));
  if (extra.length > 0) {
    return `Payload validation error: 'Additional properties not allowed: ${extra.join(',')}' (this emulator accepts ${CREATABLE_KEYS.join(', ')}).`;
  }
  if (body.connection === undefined) return "Payload validation error: 'Missing required property: connection'.";
  for (const key of ['connection', 'email', 'password', 'username', 'name']) {
    if (body[key] !== undefined && typeof body[key] !== 'string') {
      return `Payload validation error: 'Expected type string but found type ${describeType(body[key])}' on property ${key}.`;
    }
  }
  for (const key of ['email_verified', 'verify_email']) {
    if (body[key] !== undefined && typeof body[key] !== 'boolean') {
      return `Payload validation error: 'Expected type boolean but found type ${describeType(body[key])}' on property ${key}.`;
    }
  }
  return findMetadataProblem(body, ['user_metadata', 'app_metadata'].filter((key) => body[key] !== undefined));
}

function findMetadataProblem(body: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = body[key];
    if (!isRecord(value)) {
      return `Payload validation error: 'Expected type object but found type ${describeType(value)}' on property ${key}.`;
    }
    const badKey = findBadKey(value, key);
    if (badKey) return `Payload validation error: metadata keys may not contain '.' or '$' (${badKey}).`;
  }
  return undefined;
}

function findUsernameProblem(username: string | undefined): string | undefined {
  if (username === undefined) return "Payload validation error: 'Missing required property: username'.";
  if (username.length < USERNAME_LENGTH.min || username.length > USERNAME_LENGTH.max) {
    return `The username must have between ${USERNAME_LENGTH.min} and ${USERNAME_LENGTH.max} characters.`;
  }
  if (!USERNAME_CHARACTERS.test(username)) return 'The username has invalid characters.';
  if (EMAIL.test(username)) return 'The username cannot be an email.';
  return undefined;
}

function findBadKey(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const bad = findBadKey(item, path);
      if (bad) return bad;
    }
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes('.') || key.includes('$')) return `${path} key ${JSON.stringify(key)}`;
    const bad = findBadKey(child, `${path}.${key}`);
    if (bad) return bad;
  }
  return undefined;
}
