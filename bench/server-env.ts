// The environment the server under test starts with: the product's own variables (CONTRACT), the
// demo form's fields, no rate limit, and either mode of writing.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type Child } from './children.js';
import { randomSecret } from './tokens.js';
import type { EmulatorStats } from '../demo/emulator/management-api.js';

/** The form under test: the demo's, or BENCH_FIELDS_FILE (`npm run bench -- --form FILE`). */
export const DEMO_FIELDS_FILE = fileURLToPath(new URL('../demo/fields.json', import.meta.url));
export function fieldsFile(): string {
  return process.env.BENCH_FIELDS_FILE ? resolve(process.env.BENCH_FIELDS_FILE) : DEMO_FIELDS_FILE;
}
/** In Action-writes mode the tenant is never called: any loopback origin names it. */
export const ACTION_MODE_TENANT = { origin: 'http://127.0.0.1:4010', host: '127.0.0.1:4010' };
export const M2M_CLIENT_ID = 'bench-server';

export interface ServerSetup {
  sessionTokenSecret: string;
  m2mClientSecret: string;
}

export function createServerSetup(): ServerSetup {
  return { sessionTokenSecret: randomSecret(), m2mClientSecret: randomSecret() };
}

export interface AppChildOptions {
  setup: ServerSetup;
  /** Omitted: Action-writes mode. Set: Management API mode against this emulator origin. */
  emulatorOrigin?: string;
  extraEnv?: Record<string, string>;
  nodeFlags?: string[];
  label: string;
  /** The server's sources compiled at another git ref (bench/ab.ts); default: this checkout's. */
  compiledDir?: string;
}

export function startAppChild(options: AppChildOptions): Promise<Child> {
  const { setup, emulatorOrigin } = options;
  return startChild('server-process', {
    label: options.label,
    nodeFlags: options.nodeFlags,
    compiledDir: options.compiledDir,
    env: {
      BENCH_TARGET: 'app',
      NODE_ENV: 'production',
      AUTH0_DOMAIN: emulatorOrigin ?? ACTION_MODE_TENANT.origin,
      SESSION_TOKEN_SECRET: setup.sessionTokenSecret,
      PROFILE_FIELDS_FILE: fieldsFile(),
      RATE_LIMIT: '0',
      HOST: '127.0.0.1',
      PORT: '0',
      ...(emulatorOrigin ? { AUTH0_CLIENT_ID: M2M_CLIENT_ID, AUTH0_CLIENT_SECRET: setup.m2mClientSecret } : {}),
      ...options.extraEnv,
    },
  });
}

export function startBareChild(): Promise<Child> {
  return startChild('server-process', { label: 'bare Fastify route', env: { BENCH_TARGET: 'bare', NODE_ENV: 'production' } });
}

export function startEmulatorChild(setup: ServerSetup, userSets: string): Promise<Child> {
  return startChild('emulator-process', {
    label: 'tenant emulator',
    env: {
      NODE_ENV: 'production',
      BENCH_M2M_CLIENT_ID: M2M_CLIENT_ID,
      BENCH_M2M_CLIENT_SECRET: setup.m2mClientSecret,
      BENCH_USER_SETS: userSets,
    },
  });
}

/** The tenant as T1's `iss` names it: the emulator's bare host with its port. */
export function issuerOf(origin: string): string {
  return new URL(origin).host;
}

/** Calls the emulator's control surface (POST /__emulator/...). */
export async function controlEmulator(origin: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${origin}/__emulator/${path}`, {
    method: body === undefined && path === 'stats' ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`emulator ${path}: ${response.status}`);
  return response.json();
}

export type { EmulatorStats };

export async function readEmulatorStats(origin: string): Promise<EmulatorStats> {
  return (await controlEmulator(origin, 'stats')) as EmulatorStats;
}
