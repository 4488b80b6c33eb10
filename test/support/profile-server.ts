// The server as production wires it (createServerDeps: the real auth0 SDK, the memory or Redis
// store), listening on a loopback port, against an emulated tenant; and a client for it.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.js';
import type { Config, TenantHost } from '../../server/config.js';
import { createServerDeps, type ServerDeps, type ServerDepsOptions } from '../../server/deps.js';
import { testConfig } from '../server/support/fixtures.js';
import { CLIENT_ID, CLIENT_SECRET, type RunningEmulator } from './management-emulator.js';
import type { VirtualTime } from './virtual-time.js';

export interface ProfileServer {
  readonly origin: string;
  readonly config: Config;
  readonly deps: ServerDeps;
  readonly app: FastifyInstance;
  /** What the Management API parts reported (`warn`), in order. */
  readonly warnings: Array<{ details: object; message: string }>;
  /** POSTs JSON to `path`; `elapsed` is on `time`'s clock when given, else real milliseconds. */
  post(path: string, body: unknown): Promise<Answer>;
  close(): Promise<void>;
}

export interface Answer {
  readonly statusCode: number;
  readonly headers: Headers;
  readonly body: Record<string, any>;
  json(): Record<string, any>;
  readonly elapsed: number;
}

export interface StartProfileServerOptions {
  emulator: RunningEmulator;
  config?: Partial<Config>;
  /** Shared with the emulator, so the server's waits cost no real time. */
  time?: VirtualTime;
  deps?: ServerDepsOptions;
  /** The app's logger options (off by default). */
  logger?: Parameters<typeof buildApp>[2];
}

const started: ProfileServer[] = [];

/** Closes every server `startProfileServer` started and the test did not close; for `afterEach`. */
export async function closeProfileServers(): Promise<void> {
  for (const server of started.splice(0)) await server.close();
}

/** The test configuration against an emulated `tenant`: its M2M client's credentials, no custom domain. */
export function emulatedTenantConfig(tenant: TenantHost, overrides: Partial<Config> = {}): Config {
  return testConfig({ tenant, customDomain: undefined, management: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, ...overrides });
}

export async function startProfileServer(options: StartProfileServerOptions): Promise<ProfileServer> {
  const { emulator, time } = options;
  const config = emulatedTenantConfig(emulator.tenant, options.config);
  const warnings: Array<{ details: object; message: string }> = [];
  const deps = await createServerDeps(config, {
    ...(time ? { clock: time.clock, sleep: time.sleep, fetch: time.fetch } : {}),
    warn: (details, message) => warnings.push({ details, message }),
    ...options.deps,
  });
  const app = buildApp(config, deps, options.logger);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const origin = `http://127.0.0.1:${address.port}`;
  const now = () => (time ? time.clock.now() : performance.now());
  let isClosed = false;
  const server: ProfileServer = {
    origin,
    config,
    deps,
    app,
    warnings,
    async post(path, body) {
      const startedAt = now();
      const response = await fetch(`${origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as Record<string, any>;
      return { statusCode: response.status, headers: response.headers, body: json, json: () => json, elapsed: now() - startedAt };
    },
    async close() {
      if (isClosed) return;
      isClosed = true;
      await app.close();
      await deps.close();
    },
  };
  started.push(server);
  return server;
}
