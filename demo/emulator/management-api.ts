// The Auth0 Management API pieces this project touches, emulated for the demo and the tests:
// the client-credentials token endpoint, read, PATCH and search of users, Auth0's error bodies and
// the free tier's rate limit (burst 2, 2 requests/s tenant-wide). A control surface under
// /__emulator/ queues faults (5xx, 429, hangs, dropped connections) and reports counters, so tests
// drive the real `auth0` SDK through every failure the server must survive.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UserStore, type EmulatedUser, type Metadata, type MetadataPatch } from './user-store.js';

export interface EmulatedClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Scopes its client grant allows; default `read:users update:users`. */
  readonly scope?: string;
}

/** Answers a `POST /oauth/token` grant other than client_credentials (the login side adds these). */
export type GrantHandler = (body: Record<string, unknown>) => Promise<{ status: number; body: unknown }>;

export interface ManagementApiOptions {
  users: UserStore;
  clients: readonly EmulatedClient[];
  /** The emulator's own origin, e.g. `http://127.0.0.1:4010`: the audience is `${origin}/api/v2/`. */
  origin: string;
  /** Starts with Auth0's free-tier limit on /api/v2 (burst 2, 2/s); switchable at runtime. */
  freeTierRateLimit?: boolean;
  otherGrants?: Record<string, GrantHandler>;
  /** Epoch milliseconds; injected so tests step the rate limiter and token expiry without sleeping. */
  clock?: { now(): number };
}

/** One queued answer: a status (with optional rate-limit headers), a hang, or a dropped connection. */
export type EmulatedFault =
  | {
      status: number;
      /** `Retry-After`: seconds, or an HTTP date. */
      retryAfter?: number | string;
      /** Sends `x-ratelimit-reset` this many seconds from now (unix seconds, as Auth0 does). */
      resetInSeconds?: number;
      body?: unknown;
    }
  | { hang: true }
  | { drop: true };

export type FaultTarget = 'api' | 'token';

export interface EmulatorStats {
  tokenRequests: number;
  apiRequests: number;
  patches: number;
  searches: number;
  rateLimited: number;
}

const DEFAULT_SCOPE = 'read:users update:users';
const ACCESS_TOKEN_LIFETIME_SECONDS = 86_400;
const FREE_TIER = { burst: 2, perSecond: 2 } as const;
const MAX_PER_PAGE = 100;
const MAX_QUEUED_FAULTS = 100;
const PATCHABLE_KEYS = new Set(['user_metadata', 'app_metadata']);

/**
 * Registers the emulated Management API: `app.register(managementApi, options)`. Hung requests
 * are destroyed when the app closes; create the host app with `forceCloseConnections: true` too,
 * since undici may hold a connection that never sent a request, which Node's close waits for.
 */
export async function managementApi(app: FastifyInstance, options: ManagementApiOptions): Promise<void> {
  const settings = validateOptions(options);
  const { users, clock } = settings;
  const audience = `${settings.origin}/api/v2/`;
  const accessTokens = new Map<string, { clientId: string; scopes: Set<string>; expiresAt: number }>();
  const faults: Record<FaultTarget, EmulatedFault[]> = { api: [], token: [] };
  const limiter = new TokenBucket(FREE_TIER.burst, FREE_TIER.perSecond, clock);
  let isRateLimited = settings.freeTierRateLimit;
  const stats: EmulatorStats = emptyStats();
  const hungSockets = new Set<Socket>();

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // A hung request never answers; closing the app must not wait for it.
  app.addHook('preClose', (done) => {
    for (const socket of hungSockets) socket.destroy();
    hungSockets.clear();
    done();
  });

  /** Plays the next queued fault for `target`; true when it answered (or will never answer). */
  function playFault(target: FaultTarget, request: FastifyRequest, reply: FastifyReply): boolean {
    const fault = faults[target].shift();
    if (!fault) return false;
    if ('hang' in fault || 'drop' in fault) {
      reply.hijack();
      const socket = request.raw.socket;
      if ('drop' in fault) {
        socket.destroy();
      } else {
        hungSockets.add(socket);
        socket.once('close', () => hungSockets.delete(socket));
      }
      return true;
    }
    if (fault.retryAfter !== undefined) reply.header('retry-after', String(fault.retryAfter));
    if (fault.resetInSeconds !== undefined) {
      reply.header('x-ratelimit-reset', String(Math.ceil(clock.now() / 1000) + fault.resetInSeconds));
    }
    const body =
      fault.body ?? (target === 'token' ? oauthError(fault.status) : apiErrorBody(fault.status, 'Emulated fault', 'emulated_fault'));
    void reply.code(fault.status).send(body);
    return true;
  }

  app.post('/oauth/token', async (request, reply) => {
    stats.tokenRequests += 1;
    if (playFault('token', request, reply)) return reply;
    reply.header('cache-control', 'no-store');
    const body = isRecord(request.body) ? request.body : {};
    const grantType = typeof body.grant_type === 'string' ? body.grant_type : '';
    if (grantType === 'client_credentials') return handleClientCredentials(request, reply, body);
    const otherGrant = settings.otherGrants[grantType];
    if (otherGrant) {
      const answer = await otherGrant(body);
      return reply.code(answer.status).send(answer.body);
    }
    if (!grantType) return reply.code(400).send({ error: 'invalid_request', error_description: 'Missing required parameter: grant_type' });
    return reply.code(400).send({ error: 'unsupported_grant_type', error_description: `Unsupported grant type: ${grantType}` });
  });

  function handleClientCredentials(request: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>) {
    const credentials = readClientCredentials(request, body);
    if (!credentials) {
      return reply.code(401).send({ error: 'invalid_client', error_description: 'Client authentication is required' });
    }
    const client = settings.clients.find((candidate) => candidate.clientId === credentials.clientId);
    if (!client || !isSameSecret(client.clientSecret, credentials.clientSecret)) {
      return reply.code(401).send({ error: 'access_denied', error_description: 'Unauthorized' });
    }
    if (typeof body.audience !== 'string' || body.audience === '') {
      return reply.code(403).send({
        error: 'access_denied',
        error_description: 'No audience parameter was provided, and no default audience has been configured',
      });
    }
    if (body.audience !== audience) {
      return reply.code(403).send({ error: 'access_denied', error_description: `Service not found: ${body.audience}` });
    }
    const now = clock.now();
    for (const [token, grant] of accessTokens) if (grant.expiresAt <= now) accessTokens.delete(token);
    const accessToken = randomBytes(32).toString('base64url');
    const scope = client.scope ?? DEFAULT_SCOPE;
    accessTokens.set(accessToken, {
      clientId: client.clientId,
      scopes: new Set(scope.split(' ').filter(Boolean)),
      expiresAt: now + ACCESS_TOKEN_LIFETIME_SECONDS * 1000,
    });
    return reply.send({ access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_LIFETIME_SECONDS, scope });
  }

  await app.register(async (api) => {
    // Order as a tenant shows it: an outage or a hang first, then authentication, then the
    // tenant-wide bucket (unauthenticated calls do not spend it).
    api.addHook('onRequest', async (request, reply) => {
      stats.apiRequests += 1;
      if (playFault('api', request, reply)) return reply;
      const scope = request.method === 'GET' ? 'read:users' : 'update:users';
      const denial = authorize(request.headers.authorization, scope);
      if (denial) return reply.code(denial.statusCode).send(denial);
      if (isRateLimited) {
        const outcome = limiter.take();
        reply.headers({
          'x-ratelimit-limit': String(FREE_TIER.burst),
          'x-ratelimit-remaining': String(outcome.remaining),
          'x-ratelimit-reset': String(outcome.resetAt),
        });
        if (!outcome.isAllowed) {
          stats.rateLimited += 1;
          return reply.code(429).send(apiErrorBody(429, 'Global limit has been reached', 'too_many_requests'));
        }
      }
      return undefined;
    });

    api.get<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
      const user = users.get(request.params.id);
      if (!user) return reply.code(404).send(apiErrorBody(404, 'The user does not exist.', 'inexistent_user'));
      return toPublicUser(user);
    });

    api.patch<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
      const problem = findPatchProblem(request.body);
      if (problem) return reply.code(400).send(apiErrorBody(400, problem, 'invalid_body'));
      const user = users.patch(request.params.id, request.body as MetadataPatch, new Date(clock.now()));
      if (!user) return reply.code(404).send(apiErrorBody(404, 'The user does not exist.', 'inexistent_user'));
      stats.patches += 1;
      return toPublicUser(user);
    });

    api.get<{ Querystring: Record<string, string | undefined> }>(
      '/users',
      async (request, reply) => {
        const query = request.query;
        if (query.search_engine !== undefined && query.search_engine !== 'v3') {
          return reply
            .code(400)
            .send(apiErrorBody(400, 'Only search_engine=v3 is supported by this emulator.', 'invalid_query_string'));
        }
        let matcher: (user: EmulatedUser) => boolean = () => true;
        if (query.q !== undefined && query.q.trim() !== '') {
          const parsed = parseMetadataQuery(query.q);
          if (!parsed) {
            return reply
              .code(400)
              .send(apiErrorBody(400, 'The emulator supports metadata exact-match queries only.', 'invalid_query_string'));
          }
          matcher = (user) => matchesValue(user[parsed.target][parsed.key], parsed.value);
        }
        const perPage = clampInteger(query.per_page, 50, 1, MAX_PER_PAGE);
        const page = clampInteger(query.page, 0, 0, 1000);
        const found = users.list().filter(matcher);
        const pageOfUsers = found
          .slice(page * perPage, (page + 1) * perPage)
          .map((user) => selectFields(toPublicUser(user), query.fields, query.include_fields !== 'false'));
        stats.searches += 1;
        if (query.include_totals === 'true') {
          return { start: page * perPage, limit: perPage, length: pageOfUsers.length, total: found.length, users: pageOfUsers };
        }
        return pageOfUsers;
      },
    );
  }, { prefix: '/api/v2' });

  function authorize(header: string | undefined, scope: string) {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) return apiErrorBody(401, 'Missing authentication', 'missing_authentication');
    const grant = accessTokens.get(match[1]);
    if (!grant || grant.expiresAt <= clock.now()) return apiErrorBody(401, 'Invalid token', 'invalid_token');
    if (!grant.scopes.has(scope)) return apiErrorBody(403, `Insufficient scope, expected any of: ${scope}`, 'insufficient_scope');
    return undefined;
  }

  app.post<{ Body: unknown }>('/__emulator/faults', async (request, reply) => {
    const body = request.body;
    if (!isRecord(body) || (body.target !== 'api' && body.target !== 'token') || !Array.isArray(body.responses)) {
      return reply.code(400).send({ error: 'invalid_request', message: 'Expected {target: "api" | "token", responses: [...]}.' });
    }
    const queued = faults[body.target];
    if (queued.length + body.responses.length > MAX_QUEUED_FAULTS) {
      return reply.code(400).send({ error: 'invalid_request', message: `At most ${MAX_QUEUED_FAULTS} faults may wait.` });
    }
    const parsed = body.responses.map(parseFault);
    if (parsed.some((fault) => fault === undefined)) {
      return reply.code(400).send({
        error: 'invalid_request',
        message: 'Each response is {status: 100-599, retryAfter?, resetInSeconds?, body?}, {hang: true} or {drop: true}.',
      });
    }
    queued.push(...(parsed as EmulatedFault[]));
    return { target: body.target, queued: queued.length };
  });

  app.delete('/__emulator/faults', async () => {
    faults.api.length = 0;
    faults.token.length = 0;
    return { queued: 0 };
  });

  app.post<{ Body: unknown }>('/__emulator/rate-limit', async (request, reply) => {
    const body = request.body;
    if (!isRecord(body) || typeof body.enabled !== 'boolean') {
      return reply.code(400).send({ error: 'invalid_request', message: 'Expected {enabled: boolean}.' });
    }
    isRateLimited = body.enabled;
    limiter.refill();
    return { enabled: isRateLimited };
  });

  app.get('/__emulator/stats', async () => ({ ...stats }));

  app.post('/__emulator/stats/reset', async () => {
    Object.assign(stats, emptyStats());
    return { ...stats };
  });
}

interface ValidatedOptions {
  users: UserStore;
  clients: readonly EmulatedClient[];
  origin: string;
  freeTierRateLimit: boolean;
  otherGrants: Record<string, GrantHandler>;
  clock: { now(): number };
}

function validateOptions(options: ManagementApiOptions): ValidatedOptions {
  if (!(options?.users instanceof UserStore)) throw new TypeError('managementApi: option "users" must be a UserStore');
  if (
    !Array.isArray(options.clients) ||
    !options.clients.every((client) => isNonEmptyString(client?.clientId) && isNonEmptyString(client?.clientSecret))
  ) {
    throw new TypeError('managementApi: option "clients" must be an array of {clientId, clientSecret} with non-empty strings');
  }
  let origin: string;
  try {
    const url = new URL(options.origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    origin = url.origin;
  } catch {
    throw new TypeError('managementApi: option "origin" must be an http(s) origin such as http://127.0.0.1:4010');
  }
  const otherGrants = options.otherGrants ?? {};
  if (!isRecord(otherGrants) || !Object.values(otherGrants).every((handler) => typeof handler === 'function')) {
    throw new TypeError('managementApi: option "otherGrants" must map grant types to functions');
  }
  if ('client_credentials' in otherGrants) {
    throw new TypeError('managementApi: option "otherGrants" may not replace client_credentials');
  }
  const clock = options.clock ?? { now: () => Date.now() };
  if (typeof clock.now !== 'function') throw new TypeError('managementApi: option "clock" must have a now() method');
  return {
    users: options.users,
    clients: options.clients,
    origin,
    freeTierRateLimit: options.freeTierRateLimit === true,
    otherGrants: { ...otherGrants },
    clock,
  };
}

/** Auth0's token bucket: `burst` requests at once, refilled continuously at `perSecond`. */
class TokenBucket {
  #tokens: number;
  #updatedAt: number;
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #clock: { now(): number };

  constructor(burst: number, perSecond: number, clock: { now(): number }) {
    this.#burst = burst;
    this.#perSecond = perSecond;
    this.#clock = clock;
    this.#tokens = burst;
    this.#updatedAt = clock.now();
  }

  refill(): void {
    this.#tokens = this.#burst;
    this.#updatedAt = this.#clock.now();
  }

  take(): { isAllowed: boolean; remaining: number; resetAt: number } {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#perSecond);
    this.#updatedAt = now;
    const isAllowed = this.#tokens >= 1;
    if (isAllowed) this.#tokens -= 1;
    // When the next whole request is added to the bucket, in unix seconds (as x-ratelimit-reset).
    const missing = this.#tokens >= this.#burst ? 0 : Math.floor(this.#tokens) + 1 - this.#tokens;
    const resetAt = Math.ceil((now + (missing / this.#perSecond) * 1000) / 1000);
    return { isAllowed, remaining: Math.floor(this.#tokens), resetAt };
  }
}

function emptyStats(): EmulatorStats {
  return { tokenRequests: 0, apiRequests: 0, patches: 0, searches: 0, rateLimited: 0 };
}

/** Auth0's Management API error body. */
export function apiErrorBody(statusCode: number, message: string, errorCode: string) {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, errorCode };
}

function oauthError(status: number) {
  if (status === 429) return { error: 'too_many_requests', error_description: 'Global limit has been reached' };
  return { error: status >= 500 ? 'server_error' : 'invalid_request', error_description: STATUS_CODES[status] ?? 'Error' };
}

function parseFault(value: unknown): EmulatedFault | undefined {
  if (!isRecord(value)) return undefined;
  if (value.hang === true) return { hang: true };
  if (value.drop === true) return { drop: true };
  const { status, retryAfter, resetInSeconds, body } = value;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return undefined;
  if (retryAfter !== undefined && typeof retryAfter !== 'number' && typeof retryAfter !== 'string') return undefined;
  if (resetInSeconds !== undefined && (typeof resetInSeconds !== 'number' || !Number.isFinite(resetInSeconds))) return undefined;
  return { status, retryAfter, resetInSeconds, body } as EmulatedFault;
}

function readClientCredentials(request: FastifyRequest, body: Record<string, unknown>) {
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon)),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
      };
    }
  }
  if (isNonEmptyString(body.client_id) && isNonEmptyString(body.client_secret)) {
    return { clientId: body.client_id, clientSecret: body.client_secret };
  }
  return undefined;
}

function isSameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
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

/**
 * Parses `user_metadata.KEY:"value"` (or an unquoted value) as Auth0's v3 search accepts it,
 * undoing backslash escapes in the key and the value.
 */
export function parseMetadataQuery(q: string): { target: 'user_metadata' | 'app_metadata'; key: string; value: string } | undefined {
  const match = /^(user_metadata|app_metadata)\.((?:[^\s:\\"]|\\.)+):(?:"((?:[^"\\]|\\.)*)"|((?:[^\s"\\]|\\.)+))$/su.exec(q.trim());
  if (!match) return undefined;
  const unescape = (text: string) => text.replace(/\\(.)/gsu, '$1');
  return {
    target: match[1] as 'user_metadata' | 'app_metadata',
    key: unescape(match[2]),
    value: unescape(match[3] ?? match[4]),
  };
}

function matchesValue(stored: unknown, wanted: string): boolean {
  if (typeof stored === 'string') return stored === wanted;
  if (typeof stored === 'number' || typeof stored === 'boolean') return String(stored) === wanted;
  return false;
}

function toPublicUser(user: EmulatedUser): Omit<EmulatedUser, 'password'> {
  const { password: _password, ...rest } = user;
  return rest;
}

function selectFields(user: Record<string, unknown>, fields: string | undefined, isInclude: boolean): Record<string, unknown> {
  if (!fields) return user;
  const listed = new Set(fields.split(',').map((field) => field.trim()).filter(Boolean));
  return Object.fromEntries(Object.entries(user).filter(([key]) => listed.has(key) === isInclude));
}

function clampInteger(text: string | undefined, fallback: number, min: number, max: number): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> & Metadata {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
