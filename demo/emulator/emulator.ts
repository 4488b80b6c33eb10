// A local Auth0 tenant on one Fastify app, assembled from its parts: the login side (authorize,
// social-login, continue, logout, over sessions and the login flow that runs the post-login Action
// or the legacy Rule), the Management API (management-api.ts: tokens, users, identities,
// connections, search, faults), the Actions endpoints the installer uses (actions-api.ts) and
// OpenID discovery. Its origin `http://127.0.0.1:PORT` is the tenant; tokens name it `127.0.0.1:PORT`.
import Fastify, { type FastifyInstance } from 'fastify';
import { actionsApi, createActionsStore } from './actions-api.js';
import { createActionRuntime } from './action-runtime.js';
import { registerAuthorizeRoutes } from './authorize.js';
import { isLoopbackCallback } from './clients.js';
import { createDefaultConnections, resolveConnections, type EmulatedConnection } from './connections.js';
import { registerContinueRoutes } from './continue.js';
import { registerDiscoveryRoutes } from './discovery.js';
import { createLoginFlow } from './login-flow.js';
import { createLoginGrants } from './login-grants.js';
import { registerLogoutRoute } from './logout.js';
import { managementApi } from './management-api.js';
import { createRuleRuntime } from './rule-runtime.js';
import { findFreePort } from '../free-port.js';
import { isSearchLag, MAX_LAG_MS } from './search-index.js';
import { createSeedUsers } from './seed-users.js';
import { createSessions } from './sessions.js';
import { registerSocialLoginRoutes } from './social-login.js';
import { TokenRegistry } from './tokens.js';
import { UserStore, type EmulatedUser } from './user-store.js';

export { isLoopbackCallback } from './clients.js';

export interface EmulatorClient {
  readonly clientId: string;
  /** Set for confidential clients: the server's M2M app, a web app exchanging codes, the installer. */
  readonly clientSecret?: string;
  /** Registered callbacks (http://127.0.0.1 or http://localhost only). */
  readonly callbacks: readonly string[];
  /** Scopes of its client-credentials grant (space-separated); default `read:users update:users`; `''`: no grant. */
  readonly scope?: string;
}

export interface EmulatorOptions {
  /** 0 or unset: a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Which extension runs at login: the Action (default) or the legacy Rule. */
  readonly mode?: 'action' | 'rule';
  /**
   * The Action's secrets (for the Rule, its configuration). An Action deployed and bound to
   * post-login through the Actions API runs with its own deployed secrets instead.
   */
  readonly secrets: Readonly<Record<string, string>>;
  readonly clients: readonly EmulatorClient[];
  /** Default: the seeded demo users. */
  readonly users?: readonly EmulatedUser[];
  /** Default: `Username-Password-Authentication` (password policy `good`, min length 8) and `github`. */
  readonly connections?: readonly EmulatedConnection[];
  /** Milliseconds a write takes to show in user search (Auth0's is eventually consistent); default 0. */
  readonly searchIndexLagMs?: number;
  readonly freeTierRateLimit?: boolean;
  /** Epoch milliseconds for the whole tenant (tokens, sessions, search lag, rate limit); default the system clock. */
  readonly clock?: { now(): number };
  readonly logger?: boolean;
}

export interface Emulator {
  readonly app: FastifyInstance;
  /** `http://127.0.0.1:PORT`; final once `listen()` resolved. */
  readonly origin: string;
  /** `127.0.0.1:PORT`, the tenant as tokens name it. */
  readonly host: string;
  readonly users: UserStore;
  listen(): Promise<string>;
  close(): Promise<void>;
}

// How long a login page, a suspended login and a code stay usable.
const TRANSACTION_LIFETIME_MS = 600_000;
const FORM_BODY_LIMIT = 64 * 1024;

export function createEmulator(options: EmulatorOptions): Emulator {
  validateOptions(options);
  const listenHost = options.host ?? '127.0.0.1';
  let port = options.port ?? 0;
  const tenant = () => {
    const host = `${listenHost}:${port}`;
    return { host, origin: `http://${host}` };
  };
  const clock = options.clock ?? { now: () => Date.now() };
  const now = () => clock.now();

  const users = new UserStore(options.users ?? createSeedUsers());
  const connectionList = options.connections ?? createDefaultConnections();
  const connections = resolveConnections(connectionList, 'createEmulator: option "connections"');
  // What is deployed and bound through the Actions API runs at login (the Action mode).
  const actionsStore = createActionsStore();
  const runtime =
    options.mode === 'rule'
      ? createRuleRuntime({ users, configuration: options.secrets })
      : createActionRuntime({ users, secrets: options.secrets, now, listBound: () => actionsStore.listBound('post-login') });
  const sessions = createSessions(now);
  const flow = createLoginFlow({ users, runtime, tenant, now, lifetimeMs: TRANSACTION_LIFETIME_MS });
  const tokens = new TokenRegistry(clock);
  const defaultDatabase = connections.find((connection) => connection.isDatabase) as (typeof connections)[number];
  // A hang fault leaves connections open on purpose: close() must not wait for them.
  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true });

  app.register(async (login) => {
    login.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    registerAuthorizeRoutes(login, { users, clients: options.clients, connections, sessions, flow });
    registerSocialLoginRoutes(login, { users, connections, sessions, flow });
    registerContinueRoutes(login, flow);
    registerLogoutRoute(login, { sessions, clients: options.clients });
  });
  // Options as a function: read when the plugin loads, after listen() has fixed the port.
  app.register(managementApi, () => ({
    users,
    clients: options.clients.flatMap((client) =>
      client.clientSecret ? [{ clientId: client.clientId, clientSecret: client.clientSecret, scope: client.scope }] : [],
    ),
    origin: tenant().origin,
    freeTierRateLimit: options.freeTierRateLimit === true,
    otherGrants: createLoginGrants({ users, clients: options.clients, runtime, flow, connection: defaultDatabase, tenant, now }),
    clock,
    connections: connectionList,
    searchIndexLagMs: options.searchIndexLagMs,
    tokens,
  }));
  // The Actions endpoints accept the Management API's own tokens, revoked with them.
  app.register(actionsApi, {
    prefix: '/api/v2/actions',
    store: actionsStore,
    isAuthorized(authorization, scope) {
      const verdict = tokens.check(authorization, scope);
      if (verdict === 'ok') return 'ok';
      return verdict === 'forbidden' ? 'forbidden' : 'unauthenticated';
    },
  });
  registerDiscoveryRoutes(app, () => tenant().origin);

  return {
    app,
    get origin() {
      return tenant().origin;
    },
    get host() {
      return tenant().host;
    },
    users,
    async listen() {
      if (port === 0) port = await findFreePort(listenHost);
      await app.listen({ port, host: listenHost });
      return tenant().origin;
    },
    async close() {
      await app.close();
    },
  };
}

function validateOptions(options: EmulatorOptions): void {
  if (typeof options?.secrets !== 'object' || options.secrets === null) {
    throw new TypeError('createEmulator: option "secrets" must be an object of strings');
  }
  if (options.mode !== undefined && options.mode !== 'action' && options.mode !== 'rule') {
    throw new TypeError('createEmulator: option "mode" must be "action" or "rule"');
  }
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535)) {
    throw new TypeError('createEmulator: option "port" must be a port number');
  }
  if (!Array.isArray(options.clients) || options.clients.length === 0) {
    throw new TypeError('createEmulator: option "clients" must list at least one client');
  }
  for (const client of options.clients) {
    if (typeof client?.clientId !== 'string' || client.clientId === '' || !Array.isArray(client.callbacks)) {
      throw new TypeError('createEmulator: each of "clients" needs a clientId and a callbacks array');
    }
    if (client.scope !== undefined && typeof client.scope !== 'string') {
      throw new TypeError(`createEmulator: the scope of client ${JSON.stringify(client.clientId)} must be a space-separated string`);
    }
    for (const callback of client.callbacks) {
      if (!isLoopbackCallback(callback)) {
        throw new TypeError(`createEmulator: callback ${JSON.stringify(callback)} must be an http://127.0.0.1 or http://localhost URL`);
      }
    }
  }
  if (options.searchIndexLagMs !== undefined && !isSearchLag(options.searchIndexLagMs)) {
    throw new TypeError(`createEmulator: option "searchIndexLagMs" must be a number of milliseconds from 0 to ${MAX_LAG_MS}`);
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') {
    throw new TypeError('createEmulator: option "clock" must have a now() method');
  }
}
