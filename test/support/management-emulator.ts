// Runs the emulated Management API (demo/emulator/management-api.ts) in a bare Fastify app on a
// random loopback port, with a few users, and drives its /__emulator/ control surface.
import Fastify, { type FastifyInstance } from 'fastify';
import {
  managementApi,
  type EmulatedFault,
  type EmulatorStats,
  type FaultTarget,
  type ManagementApiOptions,
} from '../../demo/emulator/management-api.js';
import { UserStore, type EmulatedUser } from '../../demo/emulator/user-store.js';
import type { TenantHost } from '../../server/config.js';
import { findFreePort } from '../../demo/free-port.js';

export const CLIENT_ID = 'm2m-client';
export const CLIENT_SECRET = 'm2m-secret-0123456789abcdef0123456789abcdef';

export function makeUser(userId: string, overrides: Partial<EmulatedUser> = {}): EmulatedUser {
  return {
    user_id: userId,
    email: `${userId.replace(/\W/g, '-')}@example.com`,
    name: userId,
    password: 'demo-password',
    logins_count: 1,
    user_metadata: {},
    app_metadata: {},
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export interface RunningEmulator {
  readonly app: FastifyInstance;
  readonly origin: string;
  readonly tenant: TenantHost;
  readonly users: UserStore;
  queueFaults(target: FaultTarget, responses: EmulatedFault[]): Promise<void>;
  clearFaults(): Promise<void>;
  setRateLimit(enabled: boolean): Promise<void>;
  /** Every access token issued so far answers 401 from now on. */
  revokeTokens(): Promise<void>;
  /** How long later writes take to show in user search. */
  setSearchLag(lagMs: number): Promise<void>;
  stats(): Promise<EmulatorStats>;
  close(): Promise<void>;
}

/** Every scope the server may ask of the M2M grant. */
export const ALL_SCOPES = 'read:users update:users create:users delete:users read:connections';

export async function startManagementEmulator(
  options: { users?: EmulatedUser[]; /** The M2M client's grant; default the emulator's (`read:users update:users`). */ scope?: string } & Partial<
    Omit<ManagementApiOptions, 'users' | 'origin'>
  > = {},
): Promise<RunningEmulator> {
  const { users: initialUsers = [], scope, ...rest } = options;
  const users = new UserStore(initialUsers);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  // The plugin needs its origin (the token audience) at registration, before listen.
  const port = await findFreePort();
  const address = `http://127.0.0.1:${port}`;
  await app.register(managementApi, {
    users,
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...(scope === undefined ? {} : { scope }) }],
    origin: address,
    ...rest,
  });
  await app.listen({ host: '127.0.0.1', port });
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${address}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
    return response.json();
  };
  return {
    app,
    origin: address,
    tenant: { host: new URL(address).host, origin: address },
    users,
    queueFaults: async (target, responses) => void (await control('POST', '/__emulator/faults', { target, responses })),
    clearFaults: async () => void (await control('DELETE', '/__emulator/faults')),
    setRateLimit: async (enabled) => void (await control('POST', '/__emulator/rate-limit', { enabled })),
    revokeTokens: async () => void (await control('POST', '/__emulator/revoke-tokens')),
    setSearchLag: async (lagMs) => void (await control('POST', '/__emulator/search-lag', { lagMs })),
    stats: () => control('GET', '/__emulator/stats') as Promise<EmulatorStats>,
    close: () => app.close(),
  };
}
