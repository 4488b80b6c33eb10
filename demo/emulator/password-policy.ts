// Auth0's password strength levels for database connections, as documented
// (https://auth0.com/docs/authenticate/database-connections/password-strength) and as its
// `password-sheriff` library counts characters:
//   none       at least 1 character
//   low        at least 6 characters
//   fair       at least 8, with a lower-case letter, an upper-case letter and a digit
//   good       at least 8, with 3 of the 4 kinds: lower case, upper case, digits, special characters
//   excellent  at least 10, 3 of the 4 kinds, and no character more than twice in a row
// A connection's `password_complexity_options.min_length`, when set, replaces the level's length.

export type PasswordPolicy = 'none' | 'low' | 'fair' | 'good' | 'excellent';

export const PASSWORD_POLICIES: readonly PasswordPolicy[] = ['none', 'low', 'fair', 'good', 'excellent'];

/** The length each level asks for when the connection sets no `min_length`. */
export const POLICY_MIN_LENGTH: Readonly<Record<PasswordPolicy, number>> = { none: 1, low: 6, fair: 8, good: 8, excellent: 10 };

// Auth0's limit on `min_length` (bytes, bcrypt's input size).
export const MAX_MIN_LENGTH = 72;

const KINDS = {
  lowerCase: /[a-z]/u,
  upperCase: /[A-Z]/u,
  numbers: /[0-9]/u,
  // password-sheriff's "special characters": ASCII punctuation and the space.
  specialCharacters: /[ !"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/u,
} as const;

/** Whether `password` meets `policy` (and `minLength`, which supersedes the level's own length). */
export function meetsPasswordPolicy(password: string, policy: PasswordPolicy, minLength?: number): boolean {
  if (password.length < (minLength ?? POLICY_MIN_LENGTH[policy])) return false;
  const kinds = Object.values(KINDS).filter((pattern) => pattern.test(password)).length;
  switch (policy) {
    case 'none':
    case 'low':
      return true;
    case 'fair':
      return KINDS.lowerCase.test(password) && KINDS.upperCase.test(password) && KINDS.numbers.test(password);
    case 'good':
      return kinds >= 3;
    case 'excellent':
      return kinds >= 3 && !/(.)\1\1/su.test(password);
  }
}
