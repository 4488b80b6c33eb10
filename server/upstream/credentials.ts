// What a submit hands to its upstream work, agreed between fields/ (which builds it from the
// submitted values) and upstream/ (which writes it): the metadata patch, the values the
// validation hook sees, and the credentials of a database identity to link. The password lives
// here only, for the length of one request: never in the patch, a token, a log line or an error.
import { checkFieldValue, normalizeFieldValue } from '../../common/field-rules.js';
import type { FieldDefinition, FieldValue, FormDefinition } from '../../common/wire.js';
import { RequestError } from '../http/errors.js';
import { buildProfilePatch, type SubmittedValues } from '../fields/values.js';
import type { ProfilePatch } from './profile-writer.js';

/** `"link_database_identity": {"connection": NAME}` in the fields file: the database connection a form links. */
export interface DatabaseIdentityLink {
  readonly connection: string;
}

/** The form as the server keeps it: GET /form publishes it without `link_database_identity`. */
export type ServerFormDefinition = FormDefinition & { readonly link_database_identity?: DatabaseIdentityLink };

/** A database identity's sign-in: the password exactly as typed, the username normalised (trimmed, lower case). */
export interface DatabaseCredentials {
  readonly password: string;
  readonly username?: string;
}

/** One submit, validated: what the server writes, what the hook sees, what the linker creates. */
export interface PreparedSubmission {
  /** Metadata to write; never the password. */
  readonly patch: ProfilePatch;
  /** The asked fields' normalised values for the validation hook; never the password. */
  readonly hookValues: Readonly<Record<string, FieldValue>>;
  /** Present when the form links a database identity and the password was given. */
  readonly credentials?: DatabaseCredentials;
}

/** CONTRACT: the `password` field's id, and the `username` field that may stand beside it. */
export const PASSWORD_FIELD_ID = 'password';
export const USERNAME_FIELD_ID = 'username';

/**
 * Interim, until fields/values.ts builds the `PreparedSubmission` itself (its own then replaces
 * this one): the asked fields' rules (422 `invalid_fields`), `unique` values lower-cased, the
 * password kept out of the patch and the hook's values.
 */
export function prepareSubmission(
  form: ServerFormDefinition,
  askedFields: readonly FieldDefinition[],
  values: SubmittedValues,
): PreparedSubmission {
  const password = askedFields.find((field) => field.type === 'password');
  const others = askedFields.filter((field) => field.type !== 'password');
  const normalized: Record<string, FieldValue> = Object.create(null);
  for (const field of others) {
    if (Object.hasOwn(values, field.id)) normalized[field.id] = normalizeFieldValue(field, values[field.id]) ?? null;
  }
  let passwordProblem: ReturnType<typeof checkFieldValue> = null;
  const typed = password && Object.hasOwn(values, password.id) ? values[password.id] : undefined;
  if (password) passwordProblem = checkFieldValue(password, typed);
  let patch: ProfilePatch;
  try {
    patch = buildProfilePatch(others, normalized);
  } catch (error) {
    if (passwordProblem && error instanceof RequestError && error.fields) {
      throw new RequestError(error.code, error.message, { fields: { ...error.fields, [password!.id]: passwordProblem } });
    }
    throw error;
  }
  if (passwordProblem) throw new RequestError('invalid_fields', 'Some fields need attention.', { fields: { [password!.id]: passwordProblem } });
  const hookValues = Object.fromEntries(
    others.flatMap((field) => {
      const value = patch[field.target]?.[field.id];
      return value === undefined ? [] : [[field.id, value as FieldValue]];
    }),
  );
  if (!form.link_database_identity || typeof typed !== 'string' || typed === '') return { patch, hookValues };
  const username = hookValues[USERNAME_FIELD_ID];
  return {
    patch,
    hookValues,
    credentials: { password: typed, ...(typeof username === 'string' ? { username } : {}) },
  };
}
