// Field patterns on the server run in RE2 (re2js), whose matching time is linear in the input:
// a pattern such as `(a+)+$` cannot make a crafted value cost seconds of CPU (ReDoS), whatever the
// site owner wrote. The widget keeps the browser's RegExp, which only ever meets its own user's typing.
import { RE2JS } from 're2js';

const compiledPatterns = new Map<string, RE2JS>();

/**
 * Compiles a field's `pattern` for whole-value matching in linear time. Throws a `SyntaxError`
 * for syntax RE2 cannot run in linear time (backreferences, lookaround) or does not know.
 */
export function compileLinearPattern(pattern: string): RE2JS {
  let compiled = compiledPatterns.get(pattern);
  if (!compiled) {
    try {
      compiled = RE2JS.compile(`(?:${toRe2Syntax(pattern)})`);
    } catch (error) {
      throw new SyntaxError('the pattern uses syntax the linear-time matcher does not support', { cause: error });
    }
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

/**
 * A matcher of its own for `pattern`, sharing no state (RE2's lazily built automaton) with the one
 * requests use: for measuring what a value costs on a cold matcher (pattern-cost.ts).
 */
export function createLinearMatcher(pattern: string): (text: string) => boolean {
  const compiled = RE2JS.compile(`(?:${toRe2Syntax(pattern)})`);
  return (text) => compiled.matches(text);
}

/** Whether `text` matches the whole of `pattern` (already validated at start by `compileLinearPattern`). */
export function matchesFieldPattern(pattern: string, text: string): boolean {
  return compileLinearPattern(pattern).matches(text);
}

// JavaScript's `\uXXXX` and `\u{X}` escapes are RE2's `\x{X}`; every other escape is left alone.
function toRe2Syntax(pattern: string): string {
  return pattern.replace(/\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|[^])/gu, (escape: string, braced?: string, plain?: string) => {
    const hex = braced ?? plain;
    return hex === undefined ? escape : `\\x{${hex}}`;
  });
}
