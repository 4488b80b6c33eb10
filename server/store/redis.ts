// The single-use store for session tokens (T1) in Redis, shared by every server instance and kept
// across restarts. It fails closed and fast: commands are never queued while Redis is away, and
// every wait is bounded, so a down Redis costs a request about a second and answers
// `upstream_unavailable` rather than risk accepting a replayed token.
import { Redis } from 'ioredis';
import { StoreUnavailableError, type ReserveResult, type SingleUseStore } from './single-use.js';

export interface RedisStoreOptions {
  /** Prepended to every key; default `pp:used:`. */
  keyPrefix?: string;
  /** How long a command waits for a (re)connection before failing; default 1000 ms. */
  connectTimeoutMs?: number;
  /** How long one command may take once sent; default 1000 ms. */
  commandTimeoutMs?: number;
}

const DEFAULTS = { keyPrefix: 'pp:used:', connectTimeoutMs: 1_000, commandTimeoutMs: 1_000 } as const;
/** A used key outlives T1's `exp` by this much, so the verifier's clock tolerance opens no replay window. */
const USED_GRACE_MS = 60_000;
const MAX_KEY_LENGTH = 512;
// Deletes the key only while it is still a reservation: a committed ("used") key is never released.
const RELEASE_PENDING = `if redis.call('GET', KEYS[1]) == 'pending' then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * A `SingleUseStore` over one ioredis connection to `url` (`redis://` or `rediss://`). Connects on
 * first use; every Redis failure or timeout throws `StoreUnavailableError`.
 */
export function createRedisStore(url: string, options: RedisStoreOptions = {}): SingleUseStore {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('createRedisStore: url must be a redis:// or rediss:// URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError('createRedisStore: url must be a redis:// or rediss:// URL');
  }
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  for (const name of ['connectTimeoutMs', 'commandTimeoutMs'] as const) {
    const value = settings[name];
    if (!Number.isInteger(value) || value <= 0) throw new TypeError(`createRedisStore: option "${name}" must be a positive integer`);
  }
  if (typeof settings.keyPrefix !== 'string') throw new TypeError('createRedisStore: option "keyPrefix" must be a string');

  const redis = new Redis(url, {
    lazyConnect: true,
    // Queued commands could run long after their request gave up (a reservation nobody releases).
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    connectTimeout: settings.connectTimeoutMs,
    commandTimeout: settings.commandTimeoutMs,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  });
  // Failures reach callers as StoreUnavailableError with the cause; without a listener ioredis
  // would print every reconnection error.
  redis.on('error', () => {});

  let readyWait: Promise<void> | undefined;

  function waitUntilReady(): Promise<void> {
    if (redis.status === 'ready') return Promise.resolve();
    if (redis.status === 'end') return Promise.reject(new Error('The Redis connection is closed'));
    readyWait ??= new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        redis.off('end', onEnd);
        readyWait = undefined;
      };
      const onReady = () => {
        cleanup();
        resolve();
      };
      const onEnd = () => {
        cleanup();
        reject(new Error('The Redis connection is closed'));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Redis was not ready within ${settings.connectTimeoutMs} ms`));
      }, settings.connectTimeoutMs);
      redis.once('ready', onReady);
      redis.once('end', onEnd);
      if (redis.status === 'wait') redis.connect().catch(() => {});
    });
    return readyWait;
  }

  async function run<T>(command: () => Promise<T>): Promise<T> {
    try {
      await waitUntilReady();
      return await command();
    } catch (error) {
      throw new StoreUnavailableError('The single-use token store (Redis) is unavailable', { cause: error });
    }
  }

  function keyFor(key: string): string {
    if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH) {
      throw new TypeError(`SingleUseStore: key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`);
    }
    return settings.keyPrefix + key;
  }

  return {
    async reserve(key: string, holdSeconds: number): Promise<ReserveResult> {
      const redisKey = keyFor(key);
      if (!Number.isFinite(holdSeconds) || holdSeconds <= 0) throw new TypeError('reserve: holdSeconds must be a positive number');
      const answer = await run(() => redis.set(redisKey, 'pending', 'EX', Math.ceil(holdSeconds), 'NX'));
      return answer === 'OK' ? 'reserved' : 'used';
    },

    async commit(key: string, expiresAt: number): Promise<void> {
      const redisKey = keyFor(key);
      if (!Number.isFinite(expiresAt)) throw new TypeError('commit: expiresAt must be epoch seconds');
      // An already-past `exp` still keeps the key for the grace period.
      const keepUntil = Math.max(Math.ceil(expiresAt * 1000), Date.now()) + USED_GRACE_MS;
      await run(() => redis.set(redisKey, 'used', 'PXAT', keepUntil));
    },

    async release(key: string): Promise<void> {
      const redisKey = keyFor(key);
      await run(() => redis.eval(RELEASE_PENDING, 1, redisKey));
    },

    async close(): Promise<void> {
      if (redis.status === 'end') return;
      if (redis.status !== 'ready') {
        redis.disconnect();
        return;
      }
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
