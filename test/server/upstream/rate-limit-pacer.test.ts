import { describe, expect, it } from 'vitest';
import { createRateLimitPacer } from '../../../server/upstream/rate-limit-pacer.js';

function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('createRateLimitPacer', () => {
  it('lets calls start at once until the API answers 429', () => {
    const pacer = createRateLimitPacer(manualClock());
    expect([pacer.takeTurn(), pacer.takeTurn(), pacer.takeTurn()]).toEqual([0, 0, 0]);
  });

  it('after a 429, starts waiting calls one at a time, 1000 / limit ms apart, from the time the API named', () => {
    const clock = manualClock();
    const pacer = createRateLimitPacer(clock);
    pacer.noteRateLimited(800, 2);
    expect([pacer.takeTurn(), pacer.takeTurn(), pacer.takeTurn()]).toEqual([800, 1300, 1800]);
    pacer.noteRateLimited(800, 4);
    expect(pacer.takeTurn()).toBe(2300);
    expect(pacer.takeTurn()).toBe(2550);
  });

  it('paces at the free plan rate when the 429 names no limit', () => {
    const pacer = createRateLimitPacer(manualClock());
    pacer.noteRateLimited(100, undefined);
    expect([pacer.takeTurn(), pacer.takeTurn()]).toEqual([100, 600]);
  });

  it('stops pacing once the queue of turns has passed', () => {
    const clock = manualClock();
    const pacer = createRateLimitPacer(clock);
    pacer.noteRateLimited(500, 2);
    pacer.takeTurn();
    clock.advance(5_000);
    expect(pacer.takeTurn()).toBe(0);
  });
});
