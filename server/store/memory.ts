import { systemClock, type Clock } from '../clock.js';
import { StoreUnavailableError, type RefusalResult, type ReserveResult, type SingleUseStore } from './single-use.js';

export interface MemoryStoreOptions {
  /** Entries held at once; when full of live entries, a new one is refused rather than forget one early. */
  maxEntries?: number;
  clock?: Clock;
  /** Milliseconds between sweeps of expired entries (they are also dropped when met). */
  sweepInterval?: number;
}

type Entry =
  | { kind: 'pending' | 'used'; expiresAt: number }
  | { kind: 'refusals'; count: number; expiresAt: number }
  | { kind: 'hold'; owner: string; expiresAt: number };

/**
 * The store of one process. Every operation is atomic because it runs synchronously on the event
 * loop. Bounded: throws `StoreUnavailableError` when full, never evicting a live entry, since
 * forgetting a used T1 early would let it be replayed. Entries are namespaced by kind, so a key
 * means one thing per kind.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): SingleUseStore & { readonly size: number } {
  const { maxEntries = 100_000, clock = systemClock, sweepInterval = 60_000 } = options;
  if (!Number.isInteger(maxEntries) || maxEntries <= 0) throw new TypeError('maxEntries: must be a positive integer');
  const entries = new Map<string, Entry>();
  let isClosed = false;

  const sweep = (): void => {
    const now = clock.now();
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
  };
  const timer = setInterval(sweep, sweepInterval);
  timer.unref();

  const liveEntry = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= clock.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const assertOpen = (): void => {
    if (isClosed) throw new StoreUnavailableError('the single-use store is closed');
  };
  /** Stores `entry` under `key`, making room from expired entries first when full. */
  const put = (key: string, entry: Entry): void => {
    if (!entries.has(key) && entries.size >= maxEntries) sweep();
    if (!entries.has(key) && entries.size >= maxEntries) throw new StoreUnavailableError('the single-use store is full');
    entries.set(key, entry);
  };
  const useKey = (key: string) => `use:${key}`;
  const refusalsKey = (key: string) => `refusals:${key}`;
  const holdKey = (key: string) => `hold:${key}`;

  return {
    get size() {
      return entries.size;
    },
    maxOperationMs: 0,
    async reserve(key, holdSeconds): Promise<ReserveResult> {
      assertOpen();
      if (liveEntry(useKey(key))) return 'used';
      put(useKey(key), { kind: 'pending', expiresAt: clock.now() + holdSeconds * 1000 });
      return 'reserved';
    },
    async commit(key, expiresAt) {
      assertOpen();
      // Committing a key that is not held (its hold lapsed) still records it: the write happened.
      put(useKey(key), { kind: 'used', expiresAt: expiresAt * 1000 });
    },
    async release(key) {
      assertOpen();
      if (liveEntry(useKey(key))?.kind === 'pending') entries.delete(useKey(key));
    },
    async releaseRefused(key, maxRefusals, expiresAt): Promise<RefusalResult> {
      assertOpen();
      const previous = liveEntry(refusalsKey(key));
      const count = (previous?.kind === 'refusals' ? previous.count : 0) + 1;
      put(refusalsKey(key), { kind: 'refusals', count, expiresAt: expiresAt * 1000 });
      if (count >= maxRefusals) {
        put(useKey(key), { kind: 'used', expiresAt: expiresAt * 1000 });
        return 'used';
      }
      if (liveEntry(useKey(key))?.kind === 'pending') entries.delete(useKey(key));
      return 'released';
    },
    async hold(key, owner, holdSeconds) {
      assertOpen();
      const entry = liveEntry(holdKey(key));
      if (entry?.kind === 'hold' && entry.owner !== owner) return false;
      put(holdKey(key), { kind: 'hold', owner, expiresAt: clock.now() + holdSeconds * 1000 });
      return true;
    },
    async unhold(key, owner) {
      assertOpen();
      const entry = liveEntry(holdKey(key));
      if (entry?.kind === 'hold' && entry.owner === owner) entries.delete(holdKey(key));
    },
    async holderOf(key) {
      assertOpen();
      const entry = liveEntry(holdKey(key));
      return entry?.kind === 'hold' ? entry.owner : undefined;
    },
    async ping() {
      assertOpen();
    },
    async close() {
      isClosed = true;
      clearInterval(timer);
      entries.clear();
    },
  };
}
