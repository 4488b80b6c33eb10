// Time, injected (`deps.clock`) so tests freeze it instead of sleeping.

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
