// The validation rules of one field, shared by the server (which decides) and the widget (which
// tells the user early). Pure functions, no DOM and no Node APIs, so both bundles can carry them.
import type { FieldDefinition, FieldErrorCode, FieldValue } from './wire.js';

/**
 * The fields a form asks for, given the `fields` claim of the session token: the listed ids that
 * are defined, plus every optional field. Without a claim, every defined field. Required fields
 * outside the claim are already complete for this user: neither shown nor required.
 */
export function selectFieldsToAsk(
  fields: readonly FieldDefinition[],
  claimedIds: readonly string[] | undefined,
): FieldDefinition[] {
  if (!Array.isArray(claimedIds)) return [...fields];
  const claimed = new Set(claimedIds);
  return fields.filter((field) => !field.required || claimed.has(field.id));
}

/**
 * `""`, `null`, `undefined`, whitespace-only strings and `[]` (a multiselect with nothing chosen)
 * count as empty. `false` is a value (an unticked box).
 */
export function isEmptyValue(value: FieldValue | undefined): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}

/** Whether the JSON type of `value` suits the field (a wrong type is a malformed request, not a field error). */
export function hasValueType(field: FieldDefinition, value: FieldValue | undefined): boolean {
  if (value === null || value === undefined) return true;
  switch (field.type) {
    // A consent is ticked or not: nothing else may stand for it.
    case 'consent':
      return typeof value === 'boolean';
    case 'multiselect':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
  }
  if (typeof value === 'string' && value.trim() === '') return true;
  switch (field.type) {
    case 'number':
      return typeof value === 'number';
    case 'checkbox':
      return typeof value === 'boolean';
    default:
      return typeof value === 'string';
  }
}

// Single-line values only: control characters (C0, DEL, C1) and line/paragraph separators have no
// place in a profile field and are a common vehicle for log and header injection. A textarea
// keeps line feeds and tabs, nothing else.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
const MULTILINE_CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/u;
// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is not ours to prove.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;
const TEL = /^\+?[0-9 ()\-.]{3,30}$/u;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/u;

const compiledPatterns = new Map<string, RegExp>();

/** The field's `pattern`, anchored to the whole value, in Unicode mode (as HTML's `pattern` attribute). */
export function compileFieldPattern(pattern: string): RegExp {
  let compiled = compiledPatterns.get(pattern);
  if (!compiled) {
    compiled = new RegExp(`^(?:${pattern})$`, 'u');
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

/** Trims text-like values; leaves numbers and booleans alone. What is validated is what is stored. */
export function normalizeValue(value: FieldValue | undefined): FieldValue | undefined {
  return typeof value === 'string' ? value.trim() : value;
}

/**
 * The value as the field validates and stores it: text trimmed (a textarea's line breaks as
 * `\n`), a `unique` value lower-cased (Auth0's metadata search is case-sensitive, so `Badge` and
 * `badge` must be one value), a password exactly as typed. Numbers, booleans and arrays pass as they are.
 */
export function normalizeFieldValue(field: FieldDefinition, value: FieldValue | undefined): FieldValue | undefined {
  if (typeof value !== 'string' || field.type === 'password') return value;
  let text = field.type === 'textarea' ? value.replace(/\r\n?/gu, '\n').trim() : value.trim();
  if (field.unique) text = text.toLowerCase();
  return text;
}

/** Whether `text` matches the whole of `pattern`. */
export type PatternMatcher = (pattern: string, text: string) => boolean;

const matchWithRegExp: PatternMatcher = (pattern, text) => compileFieldPattern(pattern).test(text);

/**
 * The first rule `value` breaks, or `null` when it is acceptable. `value` must already have the
 * right JSON type (see `hasValueType`) and be normalised. Lengths count Unicode code points.
 * `matchPattern` defaults to RegExp; the server passes a linear-time matcher (no ReDoS).
 */
export function checkFieldValue(
  field: FieldDefinition,
  value: FieldValue | undefined,
  matchPattern: PatternMatcher = matchWithRegExp,
): FieldErrorCode | null {
  if (isEmptyValue(value)) return field.required ? 'required' : null;
  // A required checkbox is a consent or a confirmation: only a ticked box fulfils it.
  if (field.type === 'checkbox' || field.type === 'consent') return field.required && value !== true ? 'required' : null;
  if (field.type === 'number') {
    const number = typeof value === 'number' ? value : Number.NaN;
    return Number.isFinite(number) ? null : 'invalid_format';
  }
  if (field.type === 'multiselect') return checkChoices(field, Array.isArray(value) ? value : []);
  const text = String(value);
  const length = [...text].length;
  if (field.maxLength !== undefined && length > field.maxLength) return 'too_long';
  if ((field.type === 'textarea' ? MULTILINE_CONTROL_CHARACTERS : CONTROL_CHARACTERS).test(text)) return 'invalid_format';
  if (field.minLength !== undefined && length < field.minLength) return 'too_short';
  switch (field.type) {
    case 'select':
    case 'radio':
      return isOption(field, text) ? null : 'invalid_option';
    case 'email':
      if (!EMAIL.test(text)) return 'invalid_format';
      break;
    case 'tel':
      if (!TEL.test(text)) return 'invalid_format';
      break;
    case 'url':
      if (!isWebUrl(text)) return 'invalid_format';
      break;
    case 'date':
      if (!isCalendarDate(text)) return 'invalid_format';
      break;
  }
  if (field.pattern !== undefined && !matchPattern(field.pattern, text)) return 'pattern';
  return null;
}

/** A multiselect's items: each a defined option, none twice, then `minItems` / `maxItems`. */
function checkChoices(field: FieldDefinition, items: readonly string[]): FieldErrorCode | null {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item) || !isOption(field, item)) return 'invalid_option';
    seen.add(item);
  }
  if (field.minItems !== undefined && items.length < field.minItems) return 'too_few';
  if (field.maxItems !== undefined && items.length > field.maxItems) return 'too_many';
  return null;
}

function isOption(field: FieldDefinition, value: string): boolean {
  return field.options?.some((option) => option.value === value) ?? false;
}

function isWebUrl(text: string): boolean {
  if (!/^https?:\/\//iu.test(text)) return false;
  try {
    return new URL(text).hostname !== '';
  } catch {
    return false;
  }
}

function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
