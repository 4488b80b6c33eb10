import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../../server/store/memory.js';
import { StoreUnavailableError, type SingleUseStore } from '../../../server/store/single-use.js';
import { NOW_SECONDS, frozenClock } from '../support/fixtures.js';

const stores: SingleUseStore[] = [];
function storeWith(options: Parameters<typeof createMemoryStore>[0]) {
  const store = createMemoryStore(options);
  stores.push(store);
  return store;
}
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

describe('createMemoryStore', () => {
  it('reserves a key once: of two concurrent reservations one wins', async () => {
    const store = storeWith({ clock: frozenClock() });
    const results = await Promise.all([store.reserve('k', 15), store.reserve('k', 15)]);
    expect(results.sort()).toEqual(['reserved', 'used']);
  });

  it('frees a released reservation for a retry', async () => {
    const store = storeWith({ clock: frozenClock() });
    await store.reserve('k', 15);
    await store.release('k');
    await expect(store.reserve('k', 15)).resolves.toBe('reserved');
  });

  it('lets a reservation lapse after its hold', async () => {
    const clock = frozenClock();
    const store = storeWith({ clock });
    await store.reserve('k', 15);
    clock.advance(16);
    await expect(store.reserve('k', 15)).resolves.toBe('reserved');
  });

  it('keeps a committed key until its expiry, and a release does not free it', async () => {
    const clock = frozenClock();
    const store = storeWith({ clock });
    await store.reserve('k', 15);
    await store.commit('k', NOW_SECONDS + 600);
    await store.release('k');
    clock.advance(599);
    await expect(store.reserve('k', 15)).resolves.toBe('used');
    clock.advance(2);
    await expect(store.reserve('k', 15)).resolves.toBe('reserved');
  });

  it('refuses a new key when full of live entries rather than forget one', async () => {
    const store = storeWith({ clock: frozenClock(), maxEntries: 2 });
    await store.reserve('a', 15);
    await store.commit('b', NOW_SECONDS + 600);
    await expect(store.reserve('c', 15)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.reserve('a', 15)).resolves.toBe('used');
  });

  it('makes room by dropping expired entries when full', async () => {
    const clock = frozenClock();
    const store = storeWith({ clock, maxEntries: 2 });
    await store.reserve('a', 15);
    await store.reserve('b', 15);
    clock.advance(16);
    await expect(store.reserve('c', 15)).resolves.toBe('reserved');
    expect(store.size).toBe(1);
  });

  it('answers StoreUnavailableError once closed', async () => {
    const store = storeWith({ clock: frozenClock() });
    await store.close();
    await expect(store.reserve('k', 15)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
