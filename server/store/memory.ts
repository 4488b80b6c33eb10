import { systemClock, type Clock } from '../clock.js';
import { StoreUnavailableError, type ReserveResult, type SingleUseStore } from './single-use.js';

export interface MemoryStoreOptions {
  /** Keys held at once; when full of live entries, `reserve` refuses rather than forget one early. */
  maxEntries?: number;
  clock?: Clock;
  /** Milliseconds between sweeps of expired entries (they are also dropped when met). */
  sweepInterval?: number;
}

interface Entry {
  /** Epoch milliseconds after which the entry is gone. */
  expiresAt: number;
  isCommitted: boolean;
}

/**
 * The single-use store of one process. `reserve` is atomic because it runs synchronously on the
 * event loop. Bounded: throws `StoreUnavailableError` when full, never evicting a live entry,
 * since forgetting a used T1 early would let it be replayed.
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

  return {
    get size() {
      return entries.size;
    },
    async reserve(key, holdSeconds): Promise<ReserveResult> {
      assertOpen();
      if (liveEntry(key)) return 'used';
      if (entries.size >= maxEntries) sweep();
      if (entries.size >= maxEntries) throw new StoreUnavailableError('the single-use store is full');
      entries.set(key, { expiresAt: clock.now() + holdSeconds * 1000, isCommitted: false });
      return 'reserved';
    },
    async commit(key, expiresAt) {
      assertOpen();
      // Committing a key that is not held (its hold lapsed) still records it: the write happened.
      if (!entries.has(key) && entries.size >= maxEntries) sweep();
      if (!entries.has(key) && entries.size >= maxEntries) throw new StoreUnavailableError('the single-use store is full');
      entries.set(key, { expiresAt: expiresAt * 1000, isCommitted: true });
    },
    async release(key) {
      assertOpen();
      const entry = entries.get(key);
      if (entry && !entry.isCommitted) entries.delete(key);
    },
    async close() {
      isClosed = true;
      clearInterval(timer);
      entries.clear();
    },
  };
}
