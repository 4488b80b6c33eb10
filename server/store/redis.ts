// The store in Redis, shared by every server instance and kept across restarts (as far as Redis's
// own persistence keeps it: see docs/SECURITY.md, AOF or RDB). It fails closed and fast: commands
// are never queued while Redis is away, and every wait is bounded, so a down Redis costs a request
// at most `connectTimeoutMs + commandTimeoutMs` and answers `upstream_unavailable` rather than risk
// accepting a replayed token. Keys, under the prefix: `KEY` (a T1: `pending` or `used`),
// `KEY:refusals` (its refused attempts), `hold:KEY` (a hold: its owner).
import { Redis } from 'ioredis';
import { StoreUnavailableError, type RefusalResult, type ReserveResult, type SingleUseStore } from './single-use.js';

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
// KEYS: the T1 key, its refusal counter; ARGV: the most refusals, their expiry (epoch ms).
const RELEASE_REFUSED = `
local count = redis.call('INCR', KEYS[2])
redis.call('PEXPIREAT', KEYS[2], ARGV[2])
if count >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], 'used', 'PXAT', ARGV[2])
  return 'used'
end
if redis.call('GET', KEYS[1]) == 'pending' then redis.call('DEL', KEYS[1]) end
return 'released'`;
// KEYS: the hold; ARGV: the owner, the hold (ms). Free or already the owner's: (re)set it.
const HOLD = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;
const UNHOLD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

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

  function assertSeconds(name: string, seconds: number): void {
    if (!Number.isFinite(seconds) || seconds <= 0) throw new TypeError(`${name}: must be a positive number of seconds`);
  }
  function assertOwner(owner: string): void {
    if (typeof owner !== 'string' || owner === '' || owner.length > MAX_KEY_LENGTH) throw new TypeError('hold: owner must be a non-empty string');
  }

  return {
    maxOperationMs: settings.connectTimeoutMs + settings.commandTimeoutMs,

    async reserve(key: string, holdSeconds: number): Promise<ReserveResult> {
      const redisKey = keyFor(key);
      assertSeconds('reserve: holdSeconds', holdSeconds);
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

    async releaseRefused(key: string, maxRefusals: number, expiresAt: number): Promise<RefusalResult> {
      const redisKey = keyFor(key);
      if (!Number.isInteger(maxRefusals) || maxRefusals <= 0) throw new TypeError('releaseRefused: maxRefusals must be a positive integer');
      if (!Number.isFinite(expiresAt)) throw new TypeError('releaseRefused: expiresAt must be epoch seconds');
      const keepUntil = Math.max(Math.ceil(expiresAt * 1000), Date.now()) + USED_GRACE_MS;
      const answer = await run(() => redis.eval(RELEASE_REFUSED, 2, redisKey, `${redisKey}:refusals`, maxRefusals, keepUntil));
      return answer === 'used' ? 'used' : 'released';
    },

    async hold(key: string, owner: string, holdSeconds: number): Promise<boolean> {
      const redisKey = keyFor(`hold:${key}`);
      assertOwner(owner);
      assertSeconds('hold: holdSeconds', holdSeconds);
      return (await run(() => redis.eval(HOLD, 1, redisKey, owner, Math.ceil(holdSeconds * 1000)))) === 1;
    },

    async unhold(key: string, owner: string): Promise<void> {
      const redisKey = keyFor(`hold:${key}`);
      assertOwner(owner);
      await run(() => redis.eval(UNHOLD, 1, redisKey, owner));
    },

    async holderOf(key: string): Promise<string | undefined> {
      const redisKey = keyFor(`hold:${key}`);
      return (await run(() => redis.get(redisKey))) ?? undefined;
    },

    async ping(): Promise<void> {
      await run(() => redis.ping());
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
