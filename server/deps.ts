// The production dependencies of the app, built from the validated configuration: the store
// (Redis when REDIS_URL is set, else memory), the Management API parts (when M2M credentials are
// set: the profile writer, and the identity linker for a form that links database identities)
// and the widget bundle. Shared by main.ts and the demo. Start-time checks happen here: the
// store is pinged, and the M2M grant is checked for a form that needs more than plain writes.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PasswordPolicy } from '../common/wire.js';
import type { AppDeps } from './app.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './clock.js';
import { WIDGET_CHUNK_NAME } from './routes/bundle.js';
import { createMemoryStore } from './store/memory.js';
import { createRedisStore } from './store/redis.js';
import type { SingleUseStore } from './store/single-use.js';
import { createIdentityLinker, type IdentityLinker } from './upstream/identity-linker.js';
import { createManagementApi, type ManagementApiOptions } from './upstream/management-api.js';
import { checkManagementGrant, listRequiredScopes, needsGrantCheck } from './upstream/management-grant.js';
import { createManagementWriter } from './upstream/management-writer.js';

// From source (server/deps.ts, run by tsx) and built (dist/server/main.js) alike.
const WIDGET_BUNDLE_CANDIDATES = ['../dist/progressive-profile.js', '../progressive-profile.js'];


export interface ServerDepsOptions {
  clock?: Clock;
  /** Where the Management API parts report retries; called lazily, so it may point at a logger built later. */
  warn?: (details: object, message: string) => void;
  /** How the Management API parts wait between attempts; real time by default (tests pass virtual time). */
  sleep?: ManagementApiOptions['sleep'];
  /** The fetch the SDK uses; the global one by default. */
  fetch?: typeof fetch;
  /** Told of every Management API attempt (the metrics count them by status). */
  onManagementAttempt?: ManagementApiOptions['onAttempt'];
}

export interface ServerDeps extends Required<Pick<AppDeps, 'clock'>> {
  store: SingleUseStore;
  profileWriter: AppDeps['profileWriter'];
  identityLinker: IdentityLinker | undefined;
  passwordPolicy: PasswordPolicy | undefined;
  widgetScript: Buffer | undefined;
  widgetChunks: Record<string, Buffer>;
  /** What the start-time checks found worth a warning, one line each (never a secret): log them once the logger exists. */
  startupWarnings: readonly string[];
  /** Closes the store and the writer (after the app has closed). */
  close(): Promise<void>;
}

/**
 * Builds the dependencies and runs the start-time checks. Throws `ConfigError` naming the variable
 * when the M2M grant cannot serve the form (missing scopes, refused credentials, no such
 * connection); a Redis or a tenant it cannot reach is a warning, since both may come back.
 */
export async function createServerDeps(config: Config, options: ServerDepsOptions = {}): Promise<ServerDeps> {
  const clock = options.clock ?? systemClock;
  const form = config.form;
  const startupWarnings: string[] = [];
  const store = config.redisUrl ? createRedisStore(config.redisUrl) : createMemoryStore({ clock });
  try {
    await store.ping();
  } catch {
    startupWarnings.push('REDIS_URL: Redis cannot be reached; /submit and /skip answer 503 and GET /healthz reports the store unavailable until it is back');
  }

  let profileWriter: AppDeps['profileWriter'];
  let identityLinker: IdentityLinker | undefined;
  let passwordPolicy: PasswordPolicy | undefined;
  if (config.management) {
    const logger = { warn: (details: object, message: string) => options.warn?.(details, message) };
    const api = createManagementApi({
      tenant: config.tenant,
      clientId: config.management.clientId,
      clientSecret: config.management.clientSecret,
      clock,
      sleep: options.sleep,
      fetch: options.fetch,
      logger,
      requiredScopes: listRequiredScopes(form),
      onAttempt: options.onManagementAttempt,
    });
    profileWriter = createManagementWriter(api);
    try {
      const grant = needsGrantCheck(form) ? await checkManagementGrant(api, form, clock) : { warnings: [] };
      startupWarnings.push(...grant.warnings);
      const link = form.link_database_identity;
      if (link) {
        const connection = 'connection' in grant ? grant.connection : undefined;
        passwordPolicy = connection?.passwordPolicy;
        identityLinker = createIdentityLinker({
          api,
          connection: link.connection,
          connectionId: connection?.id,
          usesUsernames: connection?.usesUsernames,
          store,
          clock,
          logger,
        });
      }
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return {
    clock,
    store,
    profileWriter,
    identityLinker,
    passwordPolicy,
    ...(await readWidgetFiles()),
    startupWarnings,
    async close() {
      await store.close();
      await profileWriter?.close?.();
    },
  };
}

/**
 * The built widget (dist/progressive-profile.js) and the chunks beside it that it imports (the
 * phone calling codes: progressive-profile-*.js); no script when `npm run build` has not run.
 */
export async function readWidgetFiles(): Promise<{ widgetScript: Buffer | undefined; widgetChunks: Record<string, Buffer> }> {
  for (const candidate of WIDGET_BUNDLE_CANDIDATES) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    let widgetScript: Buffer;
    try {
      widgetScript = await readFile(path);
    } catch {
      continue;
    }
    const widgetChunks: Record<string, Buffer> = {};
    for (const name of await readdir(dirname(path))) {
      if (WIDGET_CHUNK_NAME.test(name)) widgetChunks[name] = await readFile(join(dirname(path), name));
    }
    return { widgetScript, widgetChunks };
  }
  return { widgetScript: undefined, widgetChunks: {} };
}
