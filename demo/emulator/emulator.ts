// A local Auth0 tenant on one Fastify app: the login pages and /continue (login.ts) running the
// post-login Action or the legacy Rule, the Management API (management-api.ts) and the Actions
// endpoints the installer uses (actions-api.ts). Its origin `http://127.0.0.1:PORT` is the
// tenant; tokens name it `127.0.0.1:PORT`.
import Fastify, { type FastifyInstance } from 'fastify';
import { actionsApi } from './actions-api.js';
import { createActionRuntime } from './action-runtime.js';
import { createLogin, isLoopbackCallback } from './login.js';
import { managementApi } from './management-api.js';
import { createRuleRuntime } from './rule-runtime.js';
import { findFreePort } from '../free-port.js';
import { createSeedUsers } from './seed-users.js';
import { UserStore, type EmulatedUser } from './user-store.js';

export interface EmulatorClient {
  readonly clientId: string;
  /** Set for confidential clients: the server's M2M app, a web app exchanging codes, the installer. */
  readonly clientSecret?: string;
  /** Registered callbacks (http://127.0.0.1 or http://localhost only). */
  readonly callbacks: readonly string[];
  /** Scopes of its client-credentials grant; default `read:users update:users`. */
  readonly scope?: string;
}

export interface EmulatorOptions {
  /** 0 or unset: a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Which extension runs at login: the Action (default) or the legacy Rule. */
  readonly mode?: 'action' | 'rule';
  /** The Action's secrets (for the Rule, its configuration). */
  readonly secrets: Readonly<Record<string, string>>;
  readonly clients: readonly EmulatorClient[];
  /** Default: the seeded demo users. */
  readonly users?: readonly EmulatedUser[];
  readonly freeTierRateLimit?: boolean;
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

interface IssuedToken {
  readonly scopes: ReadonlySet<string>;
  readonly expiresAt: number;
}

export function createEmulator(options: EmulatorOptions): Emulator {
  validateOptions(options);
  const listenHost = options.host ?? '127.0.0.1';
  let port = options.port ?? 0;
  const tenant = () => {
    const host = `${listenHost}:${port}`;
    return { host, origin: `http://${host}` };
  };

  const users = new UserStore(options.users ?? createSeedUsers());
  const runtime =
    options.mode === 'rule'
      ? createRuleRuntime({ users, configuration: options.secrets })
      : createActionRuntime({ users, secrets: options.secrets });
  const login = createLogin({ users, runtime, clients: options.clients, tenant });
  // A hang fault leaves connections open on purpose: close() must not wait for them.
  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true });

  // The Actions endpoints accept the Management API's own tokens: remember each one it issues.
  const issuedTokens = new Map<string, IssuedToken>();
  app.addHook('onSend', async (request, reply, payload) => {
    const body = request.body as Record<string, unknown> | undefined;
    if (request.url !== '/oauth/token' || reply.statusCode !== 200 || body?.grant_type !== 'client_credentials') return payload;
    if (typeof payload !== 'string') return payload;
    const answer = JSON.parse(payload) as { access_token?: string; scope?: string; expires_in?: number };
    if (typeof answer.access_token === 'string') {
      issuedTokens.set(answer.access_token, {
        scopes: new Set((answer.scope ?? '').split(' ').filter(Boolean)),
        expiresAt: Date.now() + (answer.expires_in ?? 0) * 1000,
      });
    }
    return payload;
  });

  app.register(login.routes);
  // Options as a function: read when the plugin loads, after listen() has fixed the port.
  app.register(managementApi, () => ({
    users,
    clients: options.clients.flatMap((client) =>
      client.clientSecret ? [{ clientId: client.clientId, clientSecret: client.clientSecret, scope: client.scope }] : [],
    ),
    origin: tenant().origin,
    freeTierRateLimit: options.freeTierRateLimit === true,
    otherGrants: login.otherGrants,
  }));
  app.register(actionsApi, {
    prefix: '/api/v2/actions',
    isAuthorized(authorization, scope) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
      const token = match ? issuedTokens.get(match[1]) : undefined;
      if (!token || token.expiresAt <= Date.now()) return 'unauthenticated';
      return token.scopes.has(scope) ? 'ok' : 'forbidden';
    },
  });

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
    for (const callback of client.callbacks) {
      if (!isLoopbackCallback(callback)) {
        throw new TypeError(`createEmulator: callback ${JSON.stringify(callback)} must be an http://127.0.0.1 or http://localhost URL`);
      }
    }
  }
}
