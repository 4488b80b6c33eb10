// A database connection's password rules as GET /form shows them beside the password field
// (`password_policy: {policy, min_length}`), read from the connection's options at start.
import type { FieldDefinition, FormDefinition, PasswordPolicy, PasswordPolicyLevel } from '../../common/wire.js';

// Auth0's documented levels and the length each asks for when the connection sets none
// (https://auth0.com/docs/authenticate/database-connections/password-strength).
const LEVEL_MIN_LENGTH: Readonly<Record<PasswordPolicyLevel, number>> = { none: 1, low: 6, fair: 8, good: 8, excellent: 10 };

/** The policy of a connection's `options` (`passwordPolicy`, `password_complexity_options.min_length`); undefined when it names no known level. */
export function readPasswordPolicy(options: unknown): PasswordPolicy | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  const { passwordPolicy, password_complexity_options: complexity } = options as {
    passwordPolicy?: unknown;
    password_complexity_options?: { min_length?: unknown } | null;
  };
  if (typeof passwordPolicy !== 'string' || !Object.hasOwn(LEVEL_MIN_LENGTH, passwordPolicy)) return undefined;
  const policy = passwordPolicy as PasswordPolicyLevel;
  const minLength = complexity?.min_length;
  return {
    policy,
    min_length: typeof minLength === 'number' && Number.isInteger(minLength) && minLength > 0 ? minLength : LEVEL_MIN_LENGTH[policy],
  };
}

/** `form` with `policy` on its password field(s); the form itself when there is no policy. */
export function withPasswordPolicy<T extends FormDefinition>(form: T, policy: PasswordPolicy | undefined): T {
  if (!policy || !form.fields.some((field) => field.type === 'password')) return form;
  const fields: FieldDefinition[] = form.fields.map((field) => (field.type === 'password' ? { ...field, password_policy: policy } : field));
  return { ...form, fields };
}
