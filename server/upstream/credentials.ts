// What a submit hands to the linker: the credentials of a database identity, from the submission
// fields/values.ts prepares, and the ids of account linking's two fields. The password lives in
// `credentials` only, for the length of one request: never in the patch, a token, a log line or an
// error.
import type { PreparedSubmission } from '../fields/values.js';

/** A database identity's sign-in: the password exactly as typed, the username normalised (trimmed, lower case). */
export type DatabaseCredentials = NonNullable<PreparedSubmission['credentials']>;

/** CONTRACT: the `password` field's id, and the `username` field that may stand beside it. */
export const PASSWORD_FIELD_ID = 'password';
export const USERNAME_FIELD_ID = 'username';
