import { describe, expect, it } from 'vitest';
import { listAdversarialInputs, listPatternCharacters, MAX_PATTERN_MILLISECONDS, measurePatternCost } from '../../../server/fields/pattern-cost.js';
import { createLinearMatcher } from '../../../server/fields/patterns.js';

/**
 * A clock that only matching moves: each match costs what `costOf` says of its input (a count of
 * work, not wall time), so no busy machine can change the outcome.
 */
function countingMatcher(costOf: (text: string, run: number) => number) {
  let now = 0;
  const runs = new Map<string, number>();
  const matched: string[] = [];
  return {
    matched,
    now: () => now,
    createMatcher: () => (text: string) => {
      const run = runs.get(text) ?? 0;
      runs.set(text, run + 1);
      matched.push(text);
      now += costOf(text, run);
      return false;
    },
  };
}

describe('measurePatternCost', () => {
  it('answers the slowest input, when every input is under the limit', () => {
    const meter = countingMatcher((text) => (text.startsWith('0') ? 3 : 0.5));
    expect(measurePatternCost('[0-9a-z]+', 100, meter)).toEqual({ milliseconds: 3, isTooSlow: false });
  });

  it('refuses once an input stays over the limit run after run, and stops measuring there', () => {
    const meter = countingMatcher((text) => (text === 'a'.repeat(1000) ? 240 : 0.1));
    const cost = measurePatternCost('(?:[\\p{L}\\p{N}]{1,100}\\s?){1,10}', 1000, meter);
    expect(cost).toEqual({ milliseconds: 240, isTooSlow: true });
    expect(meter.matched.at(-1)).toBe('a'.repeat(1000));
  });

  it('counts the fastest run of an input, so one slow run (a collection, a busy machine) refuses nothing', () => {
    // Every input's first run is slow, every later one fast.
    const meter = countingMatcher((_text, run) => (run === 0 ? 50 : 0.2));
    expect(measurePatternCost('[a-z]+', 1000, meter)).toEqual({ milliseconds: 0.2, isTooSlow: false });
  });

  it('runs an input at most five times before refusing, fewer when two runs are twenty times over', () => {
    const justOver = countingMatcher(() => MAX_PATTERN_MILLISECONDS + 1);
    expect(measurePatternCost('x+', 10, justOver).isTooSlow).toBe(true);
    expect(justOver.matched).toHaveLength(5);
    const farOver = countingMatcher(() => 20 * MAX_PATTERN_MILLISECONDS + 1);
    expect(measurePatternCost('x+', 10, farOver).isTooSlow).toBe(true);
    expect(farOver.matched).toHaveLength(2);
  });

  it('takes its limit as an option', () => {
    const meter = countingMatcher(() => 2);
    expect(measurePatternCost('x+', 10, { ...meter, limit: 1 }).isTooSlow).toBe(true);
  });
});

describe('listAdversarialInputs', () => {
  it('tries runs of each character the pattern names and of common ones, near-misses and pairs, each of maxLength code points', () => {
    const inputs = listAdversarialInputs('[a-c]+-\\d', 9);
    expect(inputs).toContain('aaaaaaaaa');
    expect(inputs).toContain('--------\u0000');
    expect(inputs).toContain('000000000');
    expect(inputs).toContain('a-a-a-a-a');
    expect(inputs).toContain('aaaa00000');
    expect(inputs).toContain('😀'.repeat(9));
    for (const input of inputs) expect([...input]).toHaveLength(9);
  });

  it('starts with what makes the issue-10 pattern slow: the longest run of letters it accepts', () => {
    const pattern = '(?:[\\p{L}\\p{N}]{1,100}\\s?){1,10}';
    const [first] = listAdversarialInputs(pattern, 20);
    expect(first).toBe('a'.repeat(20));
    expect(createLinearMatcher(pattern)(first)).toBe(true);
  });
});

describe('listPatternCharacters', () => {
  it('reads literals, escapes, classes and properties, skipping group syntax and counts', () => {
    expect(listPatternCharacters('(?<year>\\d{4})-(?:[A-F]|\\u00e9)\\.\\s\\p{Lu}x{2,3}')).toEqual(['0', '-', 'A', 'F', 'é', '.', ' ', 'x']);
  });

  it('takes a letter for any character', () => {
    expect(listPatternCharacters('.+')).toEqual(['a']);
  });
});
