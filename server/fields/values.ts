// Turns the `values` of a POST /submit into the metadata patch to write, or into the error that
// refuses them. Split in two so the handler can run the checks in CONTRACT's order: JSON shape
// (400) before the session token, field rules (422) after the token is reserved.
import { checkFieldValue, hasValueType, isEmptyValue, normalizeValue } from '../../common/field-rules.js';
import type { FieldDefinition, FieldErrorCode, FieldValue, FormDefinition } from '../../common/wire.js';
import { RequestError } from '../http/errors.js';
import type { Metadata, ProfilePatch, ProfileWriter, WriteOptions } from '../upstream/profile-writer.js';
import { matchesFieldPattern } from './patterns.js';

/** Submitted values keyed by defined field id, in a null-prototype object. */
export type SubmittedValues = Readonly<Record<string, FieldValue>>;

// Keys that would reach Object.prototype if copied carelessly; JSON.parse makes them own properties.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks the shape of `values` (400 `invalid_request`): a JSON object whose keys are defined field
 * ids and whose values have the field's JSON type. Returns a null-prototype copy.
 */
export function parseSubmittedValues(form: FormDefinition, raw: unknown): SubmittedValues {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RequestError('invalid_request', '"values" must be an object of field values.');
  }
  const fieldsById = new Map(form.fields.map((field) => [field.id, field]));
  const values: Record<string, FieldValue> = Object.create(null);
  for (const key of Object.keys(raw)) {
    const field = PROTOTYPE_KEYS.has(key) ? undefined : fieldsById.get(key);
    if (!field) throw new RequestError('invalid_request', 'The request names a field this form does not define.');
    const value: unknown = (raw as Record<string, unknown>)[key];
    if (!isFieldValue(value) || !hasValueType(field, value)) {
      throw new RequestError('invalid_request', 'A field value has the wrong type for its field.');
    }
    values[key] = value;
  }
  return values;
}

/**
 * Applies every rule of the fields asked for this user (422 `invalid_fields`, every failing field
 * named) and builds the patch: only asked, submitted, non-empty keys, grouped by target, never an
 * empty object (`{}` would wipe the user's metadata). A value for a defined field that is not
 * asked (already complete for this user, e.g. a stale draft) is ignored rather than refused: it
 * must not overwrite stored data, and refusing it would strand a user who cannot see the field.
 */
export function buildProfilePatch(askedFields: readonly FieldDefinition[], values: SubmittedValues): ProfilePatch {
  const errors: Record<string, FieldErrorCode> = {};
  const patch: { user_metadata?: Metadata; app_metadata?: Metadata } = {};
  for (const field of askedFields) {
    const value = normalizeValue(Object.hasOwn(values, field.id) ? values[field.id] : undefined);
    const problem = checkFieldValue(field, value, matchesFieldPattern);
    if (problem) {
      errors[field.id] = problem;
      continue;
    }
    if (isEmptyValue(value)) continue;
    (patch[field.target] ??= {})[field.id] = value;
  }
  if (Object.keys(errors).length > 0) throw invalidFields(errors);
  return patch;
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
  const checks = fields
    .filter((field) => field.unique && patch[field.target]?.[field.id] !== undefined)
    .map(async (field) => {
      const value = patch[field.target]![field.id] as string | number | boolean;
      return (await writer.isValueTaken(userId, field.target, field.id, value, options)) ? field.id : undefined;
    });
  const taken = (await Promise.all(checks)).filter((id): id is string => id !== undefined);
  if (taken.length > 0) throw invalidFields(Object.fromEntries(taken.map((id) => [id, 'taken' as const])));
}

/** Whether the patch has anything to write. */
export function isEmptyPatch(patch: ProfilePatch): boolean {
  return patch.user_metadata === undefined && patch.app_metadata === undefined;
}

function invalidFields(fields: Record<string, FieldErrorCode>): RequestError {
  return new RequestError('invalid_fields', 'Some fields need attention.', { fields });
}

function isFieldValue(value: unknown): value is FieldValue {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}
