// The production dependencies of the app, built from the validated configuration: the single-use
// store (Redis when REDIS_URL is set, else memory), the Management API writer (when M2M
// credentials are set) and the widget bundle. Shared by main.ts and the demo.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AppDeps } from './app.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './clock.js';
import { createMemoryStore } from './store/memory.js';
import { createRedisStore } from './store/redis.js';
import type { SingleUseStore } from './store/single-use.js';
import { createManagementWriter, type ManagementWriterOptions } from './upstream/management-writer.js';

// From source (server/deps.ts, run by tsx) and built (dist/server/main.js) alike.
const WIDGET_BUNDLE_CANDIDATES = ['../dist/progressive-profile.js', '../progressive-profile.js'];

export interface ServerDepsOptions {
  clock?: Clock;
  /** Where the writer reports retries; called lazily, so it may point at a logger built later. */
  warn?: (details: object, message: string) => void;
  /** How the writer waits between attempts; real time by default (tests pass virtual time). */
  sleep?: ManagementWriterOptions['sleep'];
  /** The fetch the writer's SDK uses; the global one by default. */
  fetch?: typeof fetch;
}

export interface ServerDeps extends Required<Pick<AppDeps, 'clock'>> {
  store: SingleUseStore;
  profileWriter: AppDeps['profileWriter'];
  widgetScript: Buffer | undefined;
  /** Closes the store and the writer (after the app has closed). */
  close(): Promise<void>;
}

export async function createServerDeps(config: Config, options: ServerDepsOptions = {}): Promise<ServerDeps> {
  const clock = options.clock ?? systemClock;
  const store = config.redisUrl ? createRedisStore(config.redisUrl) : createMemoryStore({ clock });
  const profileWriter = config.management
    ? createManagementWriter({
        tenant: config.tenant,
        clientId: config.management.clientId,
        clientSecret: config.management.clientSecret,
        clock,
        sleep: options.sleep,
        fetch: options.fetch,
        logger: { warn: (details, message) => options.warn?.(details, message) },
      })
    : undefined;
  return {
    clock,
    store,
    profileWriter,
    widgetScript: await readWidgetBundle(),
    async close() {
      await store.close();
      await profileWriter?.close?.();
    },
  };
}

/** The built widget (dist/progressive-profile.js), or undefined when `npm run build` has not run. */
export async function readWidgetBundle(): Promise<Buffer | undefined> {
  for (const candidate of WIDGET_BUNDLE_CANDIDATES) {
    try {
      return await readFile(fileURLToPath(new URL(candidate, import.meta.url)));
    } catch {
      // Try the next location.
    }
  }
  return undefined;
}
