// Turns the `values` of a POST /submit into a prepared submission (the metadata patch to write,
// the values a validation hook sees, the credentials of account linking), or into the error that
// refuses them. Split in two so the handler can run the checks in CONTRACT's order: JSON types
// (400) before the session token, field rules (422) after the token is reserved.
import { checkFieldValue, hasValueType, isEmptyValue, normalizeFieldValue } from '../../common/field-rules.js';
import type { FieldDefinition, FieldErrorCode, FieldValue, FormDefinition } from '../../common/wire.js';
import type { Clock } from '../clock.js';
import { RequestError } from '../http/errors.js';
import { USERNAME_FIELD_ID } from '../upstream/credentials.js';
import type { Metadata, ProfilePatch, ProfileWriter, WriteOptions } from '../upstream/profile-writer.js';
import { matchesFieldPattern } from './patterns.js';
import { toE164 } from './phone.js';

/** Submitted values keyed by defined field id, in a null-prototype object. */
export type SubmittedValues = Readonly<Record<string, FieldValue>>;

/** What /submit does with the values of the fields asked, once every rule passed. */
export interface PreparedSubmission {
  /**
   * Metadata to write: defined, asked, submitted, non-empty keys only; a consent as
   * `{version, accepted_at}` (the server's clock, ISO 8601); a phone number in E.164; a unique
   * value trimmed and lower-cased. Never the password; never an empty object.
   */
  patch: ProfilePatch;
  /** The normalized values a validation hook sees (a consent as the boolean answered; never the password). */
  hookValues: Record<string, FieldValue>;
  /** Set when the form links a database identity and asked for the password: what the linker needs. */
  credentials?: { password: string; username?: string };
}

// Each form's fields by id, built once per form rather than once per submit.
const fieldIndexes = new WeakMap<FormDefinition, ReadonlyMap<string, FieldDefinition>>();

function indexFields(form: FormDefinition): ReadonlyMap<string, FieldDefinition> {
  let index = fieldIndexes.get(form);
  if (!index) {
    index = new Map(form.fields.map((field) => [field.id, field]));
    fieldIndexes.set(form, index);
  }
  return index;
}

// Keys that would reach Object.prototype if copied carelessly; JSON.parse makes them own properties.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks the shape of `values` (400 `invalid_request`): a JSON object whose keys are defined field
 * ids and whose values have the field's JSON type (a multiselect an array of strings, a consent a
 * boolean). Returns a null-prototype copy.
 */
export function parseSubmittedValues(form: FormDefinition, raw: unknown): SubmittedValues {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RequestError('invalid_request', '"values" must be an object of field values.');
  }
  const fieldsById = indexFields(form);
  const values: Record<string, FieldValue> = Object.create(null);
  for (const key of Object.keys(raw)) {
    const field = PROTOTYPE_KEYS.has(key) ? undefined : fieldsById.get(key);
    if (!field) throw new RequestError('invalid_request', 'The request names a field this form does not define.');
    const value: unknown = (raw as Record<string, unknown>)[key];
    if (!isFieldValue(value) || !hasValueType(field, value)) {
      throw new RequestError('invalid_request', 'A field value has the wrong type for its field.');
    }
    values[key] = Array.isArray(value) ? [...value] : value;
  }
  return values;
}

/**
 * Applies every rule of the fields asked for this user (422 `invalid_fields`, every failing field
 * named) and prepares what /submit writes, shows the hook and hands the linker. A value for a
 * defined field that is not asked (already complete for this user, e.g. a stale draft) is ignored
 * rather than refused: it must not overwrite stored data, and refusing it would strand a user who
 * cannot see the field. An unticked optional consent writes nothing.
 */
export function prepareSubmission(askedFields: readonly FieldDefinition[], values: SubmittedValues, clock: Clock): PreparedSubmission {
  const errors: Record<string, FieldErrorCode> = {};
  const patch: { user_metadata?: Metadata; app_metadata?: Metadata } = {};
  const hookValues: Record<string, FieldValue> = {};
  let password: string | undefined;
  // One time for every consent of the submit: the server's, never the client's (read once, when a consent is ticked).
  let acceptedAt: string | undefined;

  for (const field of askedFields) {
    const submitted = Object.hasOwn(values, field.id) ? values[field.id] : undefined;
    let value = normalizeFieldValue(field, submitted);
    let problem = checkFieldValue(field, value, matchesFieldPattern);
    if (!problem && field.type === 'tel' && typeof value === 'string' && !isEmptyValue(value)) {
      const e164 = toE164(field, value);
      if (e164 === null) problem = 'invalid_format';
      else value = e164;
    }
    if (problem) {
      errors[field.id] = problem;
      continue;
    }
    if (value === undefined || isEmptyValue(value)) continue;
    if (field.type === 'password') {
      password = value as string;
      continue;
    }
    hookValues[field.id] = value;
    const stored = field.type === 'consent' ? toConsentRecord(field, value, (acceptedAt ??= new Date(clock.now()).toISOString())) : value;
    if (stored !== undefined && field.target !== undefined) (patch[field.target] ??= {})[field.id] = stored;
  }
  if (Object.keys(errors).length > 0) throw invalidFields(errors);

  const prepared: PreparedSubmission = { patch, hookValues };
  if (password !== undefined) {
    const username = hookValues[USERNAME_FIELD_ID];
    prepared.credentials = typeof username === 'string' ? { password, username } : { password };
  }
  return prepared;
}

/**
 * Checks the patch's values of `unique` fields against other users (422 `invalid_fields` with
 * `taken`). Best effort: Auth0's user search lags behind writes. Upstream failures propagate.
 */
export async function assertValuesAvailable(
  writer: ProfileWriter,
  userId: string,
  fields: readonly FieldDefinition[],
  patch: ProfilePatch,
  options: WriteOptions,
): Promise<void> {
  const checks = fields.map(async (field) => {
    const { target } = field;
    const value = target === undefined ? undefined : patch[target]?.[field.id];
    if (!field.unique || target === undefined || value === undefined) return undefined;
    return (await writer.isValueTaken(userId, target, field.id, value as string | number | boolean, options)) ? field.id : undefined;
  });
  const taken = (await Promise.all(checks)).filter((id): id is string => id !== undefined);
  if (taken.length > 0) throw invalidFields(Object.fromEntries(taken.map((id) => [id, 'taken' as const])));
}

/** Whether the patch has anything to write. */
export function isEmptyPatch(patch: ProfilePatch): boolean {
  return patch.user_metadata === undefined && patch.app_metadata === undefined;
}

// A ticked consent is stored with the policy version and the server's time; an unticked optional
// one is no answer to store (a required one never gets here unticked).
function toConsentRecord(field: FieldDefinition, value: FieldValue, acceptedAt: string): Metadata | undefined {
  return value === true ? { version: field.version, accepted_at: acceptedAt } : undefined;
}

function invalidFields(fields: Record<string, FieldErrorCode>): RequestError {
  return new RequestError('invalid_fields', 'Some fields need attention.', { fields });
}

function isFieldValue(value: unknown): value is FieldValue {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    // Items are checked against the field by hasValueType (strings for a multiselect).
    Array.isArray(value)
  );
}
