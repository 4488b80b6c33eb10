// What a field's `pattern` costs the server per value, measured once at start. RE2 matches in time
// linear in the input, but the factor is the size of the compiled program times the states the
// input keeps alive: `(?:[\p{L}\p{N}]{1,100}\s?){1,10}` expands to thousands of instructions and
// took over 200 ms on 1000 letters. Such a pattern is refused at start rather than met per request.
import { compileLinearPattern, createLinearMatcher } from './patterns.js';

/**
 * Milliseconds the slowest value may take to match. Measured on cold matchers at 1000 characters:
 * plain patterns (`[a-z0-9_]+`, an e-mail shape, `\p{L}+(?:[ '-]\p{L}+)*`, even `(a+)+$`) take
 * 0.05 to 0.3 ms (median), `\w{1,1000}` and `.{0,1000}` under 1 ms; the nested counted
 * repetitions this is for take hundreds (`(?:[\p{L}\p{N}]{1,100}\s?){1,10}` 290 to 1400 ms cold,
 * 75 to 290 ms warm). Five is far above the first and far below the second, and a few
 * milliseconds per field is what a submit may spend without the CPU becoming the bottleneck.
 */
export const MAX_PATTERN_MILLISECONDS = 5;

/**
 * Runs of one input before it counts as slow: a run is timed again while it is over the limit,
 * and the fastest run counts, so a garbage collection or a busy machine does not refuse a cheap
 * pattern (a slow pattern is slow every time).
 */
const RUNS_PER_INPUT = 5;
const DECISIVE_FACTOR = 20;

// Characters most classes accept: letters (ASCII, accented, CJK), digits, space, punctuation, an
// emoji (two UTF-16 units), a line feed (a textarea's).
const COMMON_CHARACTERS = ['a', 'Z', '0', ' ', '-', '.', '_', '@', 'é', '中', '😀', '\n'];
// What the pattern names itself, at most this many (they are also paired with each other).
const MAX_PATTERN_CHARACTERS = 10;
// Ends a near-miss: a character (NUL) that hardly any pattern accepts, so the match fails at the last step.
const FAILING_END = '\u0000';

export interface PatternCost {
  /**
   * The slowest input's fastest run, in milliseconds (rounded to 0.01). An input under the limit
   * is run once, so below the limit this is an upper bound (noise included).
   */
  readonly milliseconds: number;
  /** Whether it is over `limit`: measuring stops at the first such input. */
  readonly isTooSlow: boolean;
}

export interface MeasurePatternOptions {
  /** Default `MAX_PATTERN_MILLISECONDS`. */
  limit?: number;
  /** A monotonic clock in milliseconds; default `performance.now`. */
  now?: () => number;
  /** A fresh matcher for `pattern` (no state learnt from earlier inputs); default RE2 (re2js). */
  createMatcher?: (pattern: string) => (text: string) => boolean;
}

const measured = new Map<string, PatternCost>();

/**
 * The worst time `pattern` takes on adversarial values of `maxLength` code points: long runs of
 * each character it names and of common ones, pairs of them, near-misses that fail at the end.
 * Each run uses a fresh matcher, because RE2's lazily built automaton is a cache that an attacker
 * varying their input can keep cold. Results with the default clock and matcher are memoised.
 */
export function measurePatternCost(pattern: string, maxLength: number, options: MeasurePatternOptions = {}): PatternCost {
  const isDefault = options.now === undefined && options.createMatcher === undefined && options.limit === undefined;
  const key = `${maxLength}:${pattern}`;
  const known = isDefault ? measured.get(key) : undefined;
  if (known) return known;
  const limit = options.limit ?? MAX_PATTERN_MILLISECONDS;
  const now = options.now ?? (() => performance.now());
  const createMatcher = options.createMatcher ?? createLinearMatcher;
  // Compiled once first, so a syntax error surfaces as such and not as a measurement.
  if (!options.createMatcher) compileLinearPattern(pattern);

  let worst = 0;
  let isTooSlow = false;
  for (const input of listAdversarialInputs(pattern, maxLength)) {
    let fastest = Number.POSITIVE_INFINITY;
    for (let run = 0; run < RUNS_PER_INPUT && fastest > limit; run += 1) {
      // Two runs each far over the limit are no accident: spare the start-up the other runs.
      if (run >= 2 && fastest > DECISIVE_FACTOR * limit) break;
      const matches = createMatcher(pattern);
      const started = now();
      matches(input);
      fastest = Math.min(fastest, now() - started);
    }
    worst = Math.max(worst, fastest);
    if (fastest > limit) {
      isTooSlow = true;
      break;
    }
  }
  const cost = { milliseconds: Math.round(worst * 100) / 100, isTooSlow };
  if (isDefault) measured.set(key, cost);
  return cost;
}

/**
 * The values `measurePatternCost` tries, each of exactly `maxLength` code points: for every sample
 * character a run of it and a run ending in a character that fails; for every two characters the
 * pattern names, the two alternating and one run after the other.
 */
export function listAdversarialInputs(pattern: string, maxLength: number): string[] {
  const own = listPatternCharacters(pattern).slice(0, MAX_PATTERN_CHARACTERS);
  const samples = [...new Set([...own, ...COMMON_CHARACTERS])];
  const inputs = new Set<string>();
  const run = (character: string, length: number): string => character.repeat(Math.max(0, length));
  for (const character of samples) {
    inputs.add(run(character, maxLength));
    if (maxLength > 1) inputs.add(run(character, maxLength - 1) + FAILING_END);
  }
  for (const first of own) {
    for (const second of own) {
      if (first === second) continue;
      const half = Math.floor(maxLength / 2);
      inputs.add(run(first + second, half) + (maxLength % 2 === 1 ? first : ''));
      inputs.add(run(first, half) + run(second, maxLength - half));
    }
  }
  return [...inputs];
}

/**
 * One representative of each literal, escape and class range in `pattern`, in order of appearance
 * (`[a-z]` gives `a` and `z`, `\d` gives `0`, `\p{L}` gives `a`). Quantifier counts are not literals.
 */
export function listPatternCharacters(pattern: string): string[] {
  const characters = new Set<string>();
  const code = [...pattern];
  for (let index = 0; index < code.length; index += 1) {
    const character = code[index];
    if (character === '\\') {
      const { sample, length } = readEscape(code, index + 1);
      if (sample !== undefined) characters.add(sample);
      index += length;
    } else if (character === '(' && code[index + 1] === '?') {
      // A group's syntax, not its content: `(?:`, `(?=`, `(?<name>`, `(?P<name>`, `(?i)`.
      const syntax = /^\(\?(?:P?<[A-Za-z_][A-Za-z0-9_]*>|<[=!]|[=!:]|[A-Za-z-]*[:)])/u.exec(code.slice(index, index + 40).join(''));
      index += syntax ? [...syntax[0]].length - 1 : 1;
    } else if (character === '{' && /^\{\d+(,\d*)?\}/u.test(code.slice(index, index + 12).join(''))) {
      index = code.indexOf('}', index);
    } else if (!'()[]|?*+^$.{}'.includes(character)) {
      characters.add(character);
    } else if (character === '.') {
      characters.add('a');
    }
  }
  return [...characters];
}

// An escape's representative and how many code points after the backslash it spans.
function readEscape(code: readonly string[], start: number): { sample?: string; length: number } {
  const letter = code[start];
  if (letter === undefined) return { length: 0 };
  const rest = code.slice(start, start + 12).join('');
  const property = /^[pP]\{[^}]*\}/u.exec(rest) ?? /^[pP]./u.exec(rest);
  if (property) return { sample: letter === 'p' ? propertySample(property[0]) : '!', length: [...property[0]].length };
  const unicode = /^u\{([0-9a-fA-F]{1,6})\}|^u([0-9a-fA-F]{4})|^x([0-9a-fA-F]{2})/u.exec(rest);
  if (unicode) {
    const point = Number.parseInt(unicode[1] ?? unicode[2] ?? unicode[3], 16);
    return { sample: point <= 0x10ffff ? String.fromCodePoint(point) : undefined, length: [...unicode[0]].length };
  }
  // Assertions (\b, \B, \A, \z) match no character.
  if ('bBAz'.includes(letter)) return { length: 1 };
  const samples: Readonly<Record<string, string>> = { d: '0', D: 'a', w: 'a', W: '-', s: ' ', S: 'a', n: '\n', t: '\t', r: '\r', f: '\f', v: '\v' };
  return { sample: samples[letter] ?? letter, length: 1 };
}

// `\p{N}` and `\p{Nd}` a digit, `\p{Lu}` a capital, `\p{Han}` a CJK character, any other a letter.
function propertySample(property: string): string {
  const name = property.slice(1).replace(/[{}]/gu, '');
  if (/^N|^Number|digit/iu.test(name)) return '0';
  if (/^Lu$|^Uppercase/iu.test(name)) return 'A';
  if (/^Han$/iu.test(name)) return '中';
  return 'a';
}
