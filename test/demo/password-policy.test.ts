// Auth0's password strength levels, as its documentation states them, one rule at a time.
import { describe, expect, it } from 'vitest';
import { meetsPasswordPolicy, type PasswordPolicy } from '../../demo/emulator/password-policy.js';

describe('meetsPasswordPolicy', () => {
  it.each<[PasswordPolicy, string, boolean]>([
    ['none', 'a', true],
    ['none', '', false],
    ['low', 'abcdef', true],
    ['low', 'abcde', false],
    // fair: 8 characters with a lower-case letter, an upper-case letter and a digit.
    ['fair', 'abcdEF12', true],
    ['fair', 'abcdEF1', false],
    ['fair', 'abcdefg1', false],
    ['fair', 'abcdEFG!', false],
    // good: 8 characters with 3 of the 4 kinds.
    ['good', 'abcdef1!', true],
    ['good', 'ABCDEF1!', true],
    ['good', 'abcdEFGH', false],
    ['good', 'abc EF1', false],
    ['good', 'abc dEF1', true],
    // excellent: 10 characters, 3 of the 4 kinds, no character three times in a row.
    ['excellent', 'abcdEF12!x', true],
    ['excellent', 'abcdEF12!', false],
    ['excellent', 'abcdEF111x', false],
    ['excellent', 'aabbEF11!x', true],
  ])('%s: %j meets it: %s', (policy, password, expected) => {
    expect(meetsPasswordPolicy(password, policy)).toBe(expected);
  });

  it("lets the connection's min_length replace the level's length, up or down", () => {
    expect(meetsPasswordPolicy('abcdef', 'low', 12)).toBe(false);
    expect(meetsPasswordPolicy('abcdefghijkl', 'low', 12)).toBe(true);
    expect(meetsPasswordPolicy('aB1', 'fair', 3)).toBe(true);
    expect(meetsPasswordPolicy('aB1!x', 'excellent', 5)).toBe(true);
  });

  it('does not count letters outside ASCII as upper or lower case', () => {
    expect(meetsPasswordPolicy('ÉÉÉÉéééé12', 'fair')).toBe(false);
  });
});
