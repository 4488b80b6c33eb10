// Time that passes only when the code under test waits for it: a clock, a sleep and a fetch to
// hand to the writer, the server's deps and the emulated tenant. A sleeper wakes once nothing
// else is happening (no fetch of ours in flight, the event loop quiet for a few turns); virtual
// time then jumps to its wake time. So a Retry-After or a backoff costs no real second, yet the
// waits end in the order and at the times asked for, and a tenant's rate limit (on the same
// clock) sees calls spaced as they would be. Real time still runs underneath (`now()` is the
// real time plus every jump so far): a real timeout, such as a hung request, behaves as it would.
import { setImmediate } from 'node:timers/promises';

export interface VirtualTime {
  readonly clock: { now(): number };
  /** Resolves when virtual time reaches now + `ms`; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** The global fetch, counted in flight until its body has arrived, so no sleeper wakes meanwhile. */
  readonly fetch: typeof fetch;
}

interface Sleeper {
  wakeAt: number;
  wake(): void;
}

// Turns of the event loop that must pass with nothing in flight before time jumps: a woken
// sleeper's continuation reaches its next request (or wait) well within them.
const QUIET_TURNS = 3;

export function createVirtualTime(): VirtualTime {
  let offset = 0;
  let inFlight = 0;
  let isChecking = false;
  const sleepers: Sleeper[] = [];
  const now = (): number => Date.now() + offset;

  function scheduleWake(): void {
    if (isChecking) return;
    isChecking = true;
    void (async () => {
      for (let turn = 0; turn < QUIET_TURNS; turn += 1) await setImmediate();
      isChecking = false;
      if (inFlight > 0 || sleepers.length === 0) return;
      sleepers.sort((a, b) => a.wakeAt - b.wakeAt);
      offset = Math.max(offset, sleepers[0].wakeAt - Date.now());
      const due = now();
      while (sleepers.length > 0 && sleepers[0].wakeAt <= due) sleepers.shift()!.wake();
      scheduleWake();
    })();
  }

  return {
    clock: { now },
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const onAbort = (): void => {
          sleepers.splice(sleepers.indexOf(sleeper), 1);
          reject(signal?.reason);
        };
        const sleeper: Sleeper = {
          wakeAt: now() + ms,
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.push(sleeper);
        scheduleWake();
      });
    },
    async fetch(input, init) {
      inFlight += 1;
      try {
        const response = await fetch(input, init);
        // Read the whole body here, so the caller handles the answer before time moves on.
        const body = await response.arrayBuffer();
        return new Response(response.status === 204 || response.status === 304 ? null : body, response);
      } finally {
        inFlight -= 1;
        scheduleWake();
      }
    },
  };
}
