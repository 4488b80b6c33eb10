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

  it('frees a refused attempt for another try and uses the key up at the most refusals', async () => {
    const store = storeWith({ clock: frozenClock() });
    for (let attempt = 1; attempt < 3; attempt += 1) {
      await store.reserve('k', 15);
      await expect(store.releaseRefused('k', 3, NOW_SECONDS + 600)).resolves.toBe('released');
    }
    await expect(store.reserve('k', 15)).resolves.toBe('reserved');
    await expect(store.releaseRefused('k', 3, NOW_SECONDS + 600)).resolves.toBe('used');
    await expect(store.reserve('k', 15)).resolves.toBe('used');
  });

  it('forgets refused attempts once the token has expired', async () => {
    const clock = frozenClock();
    const store = storeWith({ clock });
    await store.reserve('k', 15);
    await store.releaseRefused('k', 2, NOW_SECONDS + 60);
    clock.advance(61);
    await store.reserve('k', 15);
    await expect(store.releaseRefused('k', 2, NOW_SECONDS + 600)).resolves.toBe('released');
  });

  it('holds a key for one owner, renews it for that owner and refuses it to another until it lapses', async () => {
    const clock = frozenClock();
    const store = storeWith({ clock });
    await expect(store.hold('v', 'alice', 10)).resolves.toBe(true);
    await expect(store.hold('v', 'bob', 10)).resolves.toBe(false);
    clock.advance(8);
    await expect(store.hold('v', 'alice', 10)).resolves.toBe(true);
    clock.advance(8);
    await expect(store.holderOf('v')).resolves.toBe('alice');
    await expect(store.hold('v', 'bob', 10)).resolves.toBe(false);
    clock.advance(3);
    await expect(store.holderOf('v')).resolves.toBeUndefined();
    await expect(store.hold('v', 'bob', 10)).resolves.toBe(true);
  });

  it("ends a hold only for its owner", async () => {
    const store = storeWith({ clock: frozenClock() });
    await store.hold('v', 'alice', 10);
    await store.unhold('v', 'bob');
    await expect(store.holderOf('v')).resolves.toBe('alice');
    await store.unhold('v', 'alice');
    await expect(store.hold('v', 'bob', 10)).resolves.toBe(true);
  });

  it('keeps holds and session tokens apart under one key', async () => {
    const store = storeWith({ clock: frozenClock() });
    await store.hold('k', 'alice', 10);
    await expect(store.reserve('k', 15)).resolves.toBe('reserved');
  });

  it('answers a ping until closed', async () => {
    const store = storeWith({ clock: frozenClock() });
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
