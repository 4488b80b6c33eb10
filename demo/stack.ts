// The whole flow on one machine: the Auth0 tenant emulator (running rule/action.js or rule/rule.js),
// the profile server and the demo site, each on its own loopback port, in one process. Used by
// `npm run demo`, the end-to-end tests and the benchmarks.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.js';
import { loadConfig, type Config } from '../server/config.js';
import { createServerDeps } from '../server/deps.js';
import type { Clock } from '../server/clock.js';
import { createEmulator, type Emulator } from './emulator/emulator.js';
import { createSeedUsers, DEMO_PASSWORD } from './emulator/seed-users.js';
import type { EmulatedUser } from './emulator/user-store.js';
import { findFreePort } from './free-port.js';
import { buildDemoSite } from './site.js';

export type WriteMode = 'management' | 'action';

export interface DemoStackOptions {
  /** `management` (default): the server writes through the Management API. `action`: the Action writes from T2. */
  writeMode?: WriteMode;
  /** Which extension the tenant runs: the post-login Action (default) or the legacy Rule. */
  extension?: 'action' | 'rule';
  /** 0 or unset: a free port each. */
  ports?: { tenant?: number; server?: number; site?: number };
  host?: string;
  users?: EmulatedUser[];
  /** The free tier's 2 requests/s on the Management API. */
  freeTierRateLimit?: boolean;
  /** Extra server variables (e.g. RATE_LIMIT, CONTINUE_TOKEN_TTL). */
  serverEnv?: Record<string, string>;
  /** Extra Action secrets (e.g. PROFILE_LOGIN_COUNT). */
  actionSecrets?: Record<string, string>;
  /** Log requests of the server (the demo turns it on; tests leave it off). */
  logger?: boolean;
  /** The server's clock (tests move it to expire a session token). */
  serverClock?: Clock;
}

export interface DemoStack {
  readonly tenantOrigin: string;
  readonly serverOrigin: string;
  readonly siteOrigin: string;
  readonly emulator: Emulator;
  readonly server: FastifyInstance;
  readonly site: FastifyInstance;
  readonly config: Config;
  readonly writeMode: WriteMode;
  close(): Promise<void>;
}

export const DEMO_CLIENT_ID = 'demo-app';
export const DEMO_FIELDS_FILE = fileURLToPath(new URL('./fields.json', import.meta.url));
const REQUIRED_FIELDS = 'company_name,job_title';
const OPTIONAL_FIELDS = 'team_size,newsletter';

/** Starts the three parts and answers once all listen. Secrets are random for each run. */
export async function startDemoStack(options: DemoStackOptions = {}): Promise<DemoStack> {
  const host = options.host ?? '127.0.0.1';
  const writeMode = options.writeMode ?? 'management';
  const sitePort = options.ports?.site || (await findFreePort(host));
  const serverPort = options.ports?.server || (await findFreePort(host));
  const siteOrigin = `http://${host}:${sitePort}`;
  const serverOrigin = `http://${host}:${serverPort}`;
  const sessionTokenSecret = randomSecret();
  const continueTokenSecret = randomSecret();
  const m2m = { clientId: 'progressive-profile-server', clientSecret: randomSecret() };

  const emulator = createEmulator({
    port: options.ports?.tenant ?? 0,
    host,
    mode: options.extension ?? 'action',
    secrets: {
      SESSION_TOKEN_SECRET: sessionTokenSecret,
      CONTINUE_TOKEN_SECRET: continueTokenSecret,
      PROFILE_FORM_URL: `${siteOrigin}/complete-profile`,
      PROFILE_FIELDS: REQUIRED_FIELDS,
      PROFILE_OPTIONAL_FIELDS: OPTIONAL_FIELDS,
      ...options.actionSecrets,
    },
    clients: [
      { clientId: DEMO_CLIENT_ID, callbacks: [`${siteOrigin}/callback`] },
      { clientId: m2m.clientId, clientSecret: m2m.clientSecret, callbacks: [] },
    ],
    users: options.users ?? createSeedUsers(),
    freeTierRateLimit: options.freeTierRateLimit,
  });
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
  };

  try {
    const tenantOrigin = await emulator.listen();
    closers.push(() => emulator.close());

    const config = loadConfig(
      {
        AUTH0_DOMAIN: tenantOrigin,
        SESSION_TOKEN_SECRET: sessionTokenSecret,
        CONTINUE_TOKEN_SECRET: continueTokenSecret,
        PROFILE_FIELDS_FILE: DEMO_FIELDS_FILE,
        ALLOWED_ORIGINS: siteOrigin,
        HOST: host,
        PORT: String(serverPort),
        ...(writeMode === 'management' ? { AUTH0_CLIENT_ID: m2m.clientId, AUTH0_CLIENT_SECRET: m2m.clientSecret } : {}),
        ...options.serverEnv,
      },
      // Not the working directory: a developer's own .env (their real tenant) must not leak in.
      { cwd: fileURLToPath(new URL('.', import.meta.url)) },
    );
    let log: FastifyBaseLogger | undefined;
    const deps = await createServerDeps(config, { clock: options.serverClock, warn: (details, message) => log?.warn(details, message) });
    closers.push(() => deps.close());
    const server = buildApp(config, deps, { logger: options.logger ? { level: 'info' } : false });
    log = server.log;
    await server.listen({ host, port: serverPort });
    closers.push(() => server.close());

    const site = buildDemoSite({
      tenantOrigin,
      serverOrigin,
      clientId: DEMO_CLIENT_ID,
      origin: siteOrigin,
      demoPassword: DEMO_PASSWORD,
      demoUsers: describeUsers(emulator.users.list()),
    });
    await site.listen({ host, port: sitePort });
    closers.push(() => site.close());

    return { tenantOrigin, serverOrigin, siteOrigin, emulator, server, site, config, writeMode, close };
  } catch (error) {
    await close();
    throw error;
  }
}

function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

function describeUsers(users: EmulatedUser[]): Array<{ email: string; note: string }> {
  return users.map((user) => {
    const missing = REQUIRED_FIELDS.split(',').filter((id) => !user.user_metadata[id]);
    const snoozed = typeof user.app_metadata.progressive_profile_snoozed_until === 'string';
    const nextLogin = user.logins_count + 1;
    let note = missing.length === 0 ? 'profile complete: never sees the form' : `missing ${missing.join(', ')}`;
    if (missing.length > 0 && snoozed) note += '; chose "remind me later"';
    else if (missing.length > 0 && nextLogin < 2) note += '; first sign-in: not asked yet';
    return { email: user.email, note };
  });
}
