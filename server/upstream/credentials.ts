// What a submit hands to its upstream work: the form as the server keeps it (with the database
// connection a form links), the submission fields/values.ts prepares (the metadata patch, the
// values the validation hook sees, the credentials of a database identity to link), and the ids
// of account linking's two fields. The password lives in `credentials` only, for the length of one
// request: never in the patch, a token, a log line or an error.
import type { ServerForm } from '../fields/form-definition.js';
import type { PreparedSubmission as FieldsPreparedSubmission } from '../fields/values.js';

/** The form as the server keeps it: GET /form publishes it without `link_database_identity`. */
export type ServerFormDefinition = ServerForm;

/** `"link_database_identity": {"connection": NAME}` in the fields file: the database connection a form links. */
export type DatabaseIdentityLink = NonNullable<ServerForm['link_database_identity']>;

/** One submit, validated: what the server writes, what the hook sees, what the linker creates. */
export type PreparedSubmission = FieldsPreparedSubmission;

/** A database identity's sign-in: the password exactly as typed, the username normalised (trimmed, lower case). */
export type DatabaseCredentials = NonNullable<PreparedSubmission['credentials']>;

/** CONTRACT: the `password` field's id, and the `username` field that may stand beside it. */
export const PASSWORD_FIELD_ID = 'password';
export const USERNAME_FIELD_ID = 'username';
