// The emulated Auth0 Management API, assembled: the token endpoint (tokens.ts), the users
// (users-api.ts), account linking (identities.ts) and connections (connections.ts) under /api/v2,
// user search through a lagging index (search-index.ts), fault injection (faults.ts) and the free
// tier's rate limit (rate-limit.ts). Every /api/v2 request meets, in Auth0's order: a queued fault
// or hang, then its token and the route's scope, then the tenant-wide bucket (unauthenticated
// calls do not spend it). Control routes under /__emulator/: faults, rate-limit, revoke-tokens,
// search-lag, stats.
import type { FastifyInstance } from 'fastify';
import { createDefaultConnections, registerConnectionsRoutes, resolveConnections, type EmulatedConnection } from './connections.js';
import { registerFaults } from './faults.js';
import { registerIdentitiesRoutes } from './identities.js';
import { registerFreeTierLimit } from './rate-limit.js';
import { isSearchLag, MAX_LAG_MS, SearchIndex } from './search-index.js';
import { denialOf, registerTokenEndpoint, TokenRegistry, type EmulatedClient, type GrantHandler } from './tokens.js';
import { registerUsersRoutes } from './users-api.js';
import { UserStore } from './user-store.js';
import { isNonEmptyString, isRecord } from './values.js';

export type { EmulatedFault, FaultTarget } from './faults.js';
export type { EmulatedClient, GrantHandler } from './tokens.js';

export interface ManagementApiOptions {
  users: UserStore;
  clients: readonly EmulatedClient[];
  /** The emulator's own origin, e.g. `http://127.0.0.1:4010`: the audience is `${origin}/api/v2/`. */
  origin: string;
  /** Starts with Auth0's free-tier limit on /api/v2 (burst 2, 2/s); switchable at runtime. */
  freeTierRateLimit?: boolean;
  otherGrants?: Record<string, GrantHandler>;
  /** Epoch milliseconds; injected so tests step the rate limiter, token expiry and search lag without sleeping. */
  clock?: { now(): number };
  /** The tenant's connections; default: `Username-Password-Authentication` (policy `good`, min 8) and `github`. */
  connections?: readonly EmulatedConnection[];
  /** Milliseconds a write takes to show in user search (Auth0's is eventually consistent); default 0. */
  searchIndexLagMs?: number;
  /** The access-token registry, to share it with another API plugin (the Actions API); default: its own. */
  tokens?: TokenRegistry;
}

export interface EmulatorStats {
  tokenRequests: number;
  apiRequests: number;
  patches: number;
  searches: number;
  rateLimited: number;
  creates: number;
  deletes: number;
  links: number;
}

/**
 * Registers the emulated Management API: `app.register(managementApi, options)`. Create the host
 * app with `forceCloseConnections: true` so a hung request never holds its close (see faults.ts).
 */
export async function managementApi(app: FastifyInstance, options: ManagementApiOptions): Promise<void> {
  const settings = validateOptions(options);
  const { users, clock, connections } = settings;
  const stats: EmulatorStats = emptyStats();
  const search = new SearchIndex(users, { lagMs: settings.searchIndexLagMs, now: () => clock.now() });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const faults = registerFaults(app, clock);
  const limit = registerFreeTierLimit(app, {
    enabled: settings.freeTierRateLimit,
    clock,
    onLimited: () => {
      stats.rateLimited += 1;
    },
  });
  registerTokenEndpoint(app, {
    tokens: settings.tokens,
    clients: settings.clients,
    audience: `${settings.origin}/api/v2/`,
    faults,
    otherGrants: settings.otherGrants,
    onRequest: () => {
      stats.tokenRequests += 1;
    },
  });

  await app.register(
    async (api) => {
      api.addHook('onRequest', async (request, reply) => {
        stats.apiRequests += 1;
        if (faults.play('api', request, reply)) return reply;
        const scope = request.routeOptions.config?.scope;
        const verdict = settings.tokens.check(request.headers.authorization, scope);
        if (verdict !== 'ok') {
          const denial = denialOf(verdict, scope);
          return reply.code(denial.statusCode).send(denial);
        }
        if (!limit.admit(reply)) return reply;
        return undefined;
      });
      const count = (event: 'patches' | 'searches' | 'creates' | 'deletes' | 'links') => {
        stats[event] += 1;
      };
      registerUsersRoutes(api, { users, connections, search, clock, count });
      registerIdentitiesRoutes(api, { users, connections, clock, count });
      registerConnectionsRoutes(api, connections);
    },
    { prefix: '/api/v2' },
  );

  app.post<{ Body: unknown }>('/__emulator/search-lag', async (request, reply) => {
    const lagMs = isRecord(request.body) ? request.body.lagMs : undefined;
    if (!isSearchLag(lagMs)) return reply.code(400).send({ error: 'invalid_request', message: `Expected {lagMs: 0-${MAX_LAG_MS}}.` });
    search.setLag(lagMs);
    return { lagMs };
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
  connections: ReturnType<typeof resolveConnections>;
  searchIndexLagMs: number;
  tokens: TokenRegistry;
}

function validateOptions(options: ManagementApiOptions): ValidatedOptions {
  if (!(options?.users instanceof UserStore)) throw new TypeError('managementApi: option "users" must be a UserStore');
  if (
    !Array.isArray(options.clients) ||
    !options.clients.every(
      (client) =>
        isNonEmptyString(client?.clientId) &&
        isNonEmptyString(client?.clientSecret) &&
        (client.scope === undefined || typeof client.scope === 'string'),
    )
  ) {
    throw new TypeError('managementApi: option "clients" must be an array of {clientId, clientSecret, scope?} with non-empty strings');
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
  const lag = options.searchIndexLagMs ?? 0;
  if (!isSearchLag(lag)) throw new TypeError(`managementApi: option "searchIndexLagMs" must be a number of milliseconds from 0 to ${MAX_LAG_MS}`);
  if (options.tokens !== undefined && !(options.tokens instanceof TokenRegistry)) {
    throw new TypeError('managementApi: option "tokens" must be a TokenRegistry');
  }
  return {
    users: options.users,
    clients: options.clients,
    origin,
    freeTierRateLimit: options.freeTierRateLimit === true,
    otherGrants: { ...otherGrants },
    clock,
    connections: resolveConnections(options.connections ?? createDefaultConnections(), 'managementApi: option "connections"'),
    searchIndexLagMs: lag,
    tokens: options.tokens ?? new TokenRegistry(clock),
  };
}

function emptyStats(): EmulatorStats {
  return { tokenRequests: 0, apiRequests: 0, patches: 0, searches: 0, rateLimited: 0, creates: 0, deletes: 0, links: 0 };
}
