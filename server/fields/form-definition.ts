// Validates the fields file (PROFILE_FIELDS_FILE) once at start and normalises it into the
// `FormDefinition` that GET /form answers and the server validates submissions against.
import { compileFieldPattern } from '../../common/field-rules.js';
import { compileLinearPattern } from './patterns.js';
import {
  FIELD_TYPES,
  type FieldDefinition,
  type FieldOption,
  type FieldType,
  type FormDefinition,
  type LocalizedText,
  type MetadataTarget,
} from '../../common/wire.js';

/** A fields file that breaks the rules; the message names the field and the problem, on one line. */
export class FormDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormDefinitionError';
  }
}

export interface ParseFormOptions {
  /** Whether AUTH0_CLIENT_ID/SECRET are set: `unique` fields are checked through the Management API. */
  hasManagementCredentials: boolean;
}

// A pattern is matched against at most this many code points, so no pattern meets an unbounded input.
const MAX_PATTERN_INPUT = 1000;
// Ids become first-level metadata keys and request-body keys: these would collide with either.
const RESERVED_IDS = new Set(['state', 'session_token', '__proto__', 'constructor', 'prototype']);
const FORM_KEYS = new Set(['fields', 'allow_skip']);
const FIELD_KEYS = new Set([
  'id', 'label', 'type', 'required', 'minLength', 'maxLength', 'pattern', 'options',
  'autocomplete', 'placeholder', 'help', 'target', 'unique',
]);
const LENGTH_TYPES = new Set<FieldType>(['text', 'email', 'tel', 'url', 'date', 'select']);
const LANGUAGE_TAG = /^[a-z]{2,3}(-[a-z0-9]{1,8})*$/iu;
const MAX_ID_LENGTH = 100;

/**
 * Validates a parsed fields file and returns it normalised (defaults filled in, options as
 * `{value, label}` objects). Throws `FormDefinitionError` naming the first field that is wrong.
 */
export function parseFormDefinition(json: unknown, options: ParseFormOptions): FormDefinition {
  if (!isPlainObject(json)) throw new FormDefinitionError('the form must be a JSON object {"fields": [...], "allow_skip": bool}');
  rejectUnknownKeys(json, FORM_KEYS, 'the form');
  if (!Array.isArray(json.fields) || json.fields.length === 0) {
    throw new FormDefinitionError('"fields" must be a non-empty array');
  }
  if (json.allow_skip !== undefined && typeof json.allow_skip !== 'boolean') {
    throw new FormDefinitionError('"allow_skip" must be true or false');
  }
  const seen = new Set<string>();
  const fields = json.fields.map((raw, index) => {
    const field = parseField(raw, index, options);
    if (seen.has(field.id)) throw new FormDefinitionError(`field "${field.id}": the id is defined twice`);
    seen.add(field.id);
    return field;
  });
  return { fields, allow_skip: json.allow_skip ?? false };
}

function parseField(raw: unknown, index: number, options: ParseFormOptions): FieldDefinition {
  if (!isPlainObject(raw)) throw new FormDefinitionError(`fields[${index}]: must be an object`);
  const id = parseId(raw.id, index);
  const fail = (problem: string): never => {
    throw new FormDefinitionError(`field "${id}": ${problem}`);
  };
  for (const key of Object.keys(raw)) if (!FIELD_KEYS.has(key)) fail(`unknown property "${printable(key)}"`);

  if (typeof raw.type !== 'string' || !(FIELD_TYPES as readonly string[]).includes(raw.type)) {
    fail(`"type" must be one of ${FIELD_TYPES.join(', ')}`);
  }
  const type = raw.type as FieldType;
  const label = parseText(raw.label, '"label"', fail);
  if (label === undefined) fail('"label" is required');
  const required = parseBoolean(raw.required, '"required"', fail);
  const unique = parseBoolean(raw.unique, '"unique"', fail);
  const target = parseTarget(raw.target, fail);
  const minLength = parseLength(raw.minLength, '"minLength"', 0, fail);
  const maxLength = parseLength(raw.maxLength, '"maxLength"', 1, fail);

  if ((minLength !== undefined || maxLength !== undefined) && !LENGTH_TYPES.has(type)) {
    fail(`"minLength" and "maxLength" do not apply to a ${type} field`);
  }
  if (minLength !== undefined && maxLength !== undefined && minLength > maxLength) {
    fail('"minLength" is greater than "maxLength"');
  }

  let pattern: string | undefined;
  if (raw.pattern !== undefined) {
    if (typeof raw.pattern !== 'string' || raw.pattern === '') fail('"pattern" must be a non-empty string');
    if (type === 'number' || type === 'checkbox' || type === 'select') fail(`"pattern" does not apply to a ${type} field`);
    pattern = raw.pattern as string;
    try {
      compileFieldPattern(pattern);
    } catch {
      fail('"pattern" is not a valid regular expression in Unicode mode');
    }
    // The server matches in linear time (no ReDoS); a pattern it cannot run that way is refused.
    try {
      compileLinearPattern(pattern);
    } catch {
      fail('"pattern" uses syntax the server cannot match in linear time (backreferences, lookaround, [^]); see docs/SECURITY.md');
    }
    if (maxLength === undefined || maxLength > MAX_PATTERN_INPUT) {
      fail(`"pattern" needs a "maxLength" of at most ${MAX_PATTERN_INPUT} beside it`);
    }
  }

  let fieldOptions: FieldOption[] | undefined;
  if (type === 'select') {
    fieldOptions = parseOptions(raw.options, fail);
  } else if (raw.options !== undefined) {
    fail('"options" only apply to a select field');
  }

  if (unique && !options.hasManagementCredentials) {
    fail('"unique" needs AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (values are checked through the Management API)');
  }
  if (unique && type === 'checkbox') fail('"unique" does not apply to a checkbox field');

  let autocomplete: string | undefined;
  if (raw.autocomplete !== undefined) {
    if (typeof raw.autocomplete !== 'string' || raw.autocomplete.trim() === '') fail('"autocomplete" must be a non-empty string');
    autocomplete = raw.autocomplete as string;
  }
  const placeholder = parseText(raw.placeholder, '"placeholder"', fail);
  const help = parseText(raw.help, '"help"', fail);

  return omitUndefined({
    id, label: label as LocalizedText, type, required, minLength, maxLength, pattern,
    options: fieldOptions, autocomplete, placeholder, help, target, unique,
  }) as FieldDefinition;
}

function parseId(raw: unknown, index: number): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new FormDefinitionError(`fields[${index}]: "id" must be a non-empty string`);
  if (raw.length > MAX_ID_LENGTH) throw new FormDefinitionError(`fields[${index}]: "id" is longer than ${MAX_ID_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[.$\s\u0000-\u001f\u007f]/u.test(raw)) {
    throw new FormDefinitionError(`fields[${index}]: "id" must not contain ".", "$", spaces or control characters (it is a metadata key)`);
  }
  if (RESERVED_IDS.has(raw)) throw new FormDefinitionError(`field "${raw}": this id is reserved`);
  return raw;
}

type Fail = (problem: string) => never;

function parseText(raw: unknown, name: string, fail: Fail): LocalizedText | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string') {
    if (raw.trim() === '') fail(`${name} must not be empty`);
    return raw;
  }
  if (!isPlainObject(raw)) return fail(`${name} must be a string or an object of strings by language`);
  const entries = Object.entries(raw);
  if (entries.length === 0) fail(`${name} needs at least one language`);
  for (const [language, text] of entries) {
    if (!LANGUAGE_TAG.test(language)) fail(`${name} has "${printable(language)}", which is not a language tag`);
    if (typeof text !== 'string' || text.trim() === '') fail(`${name} in "${language}" must be a non-empty string`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function parseBoolean(raw: unknown, name: string, fail: Fail): boolean {
  if (raw === undefined) return false;
  if (typeof raw !== 'boolean') fail(`${name} must be true or false`);
  return raw as boolean;
}

function parseTarget(raw: unknown, fail: Fail): MetadataTarget {
  if (raw === undefined) return 'user_metadata';
  if (raw !== 'user_metadata' && raw !== 'app_metadata') fail('"target" must be "user_metadata" or "app_metadata"');
  return raw as MetadataTarget;
}

function parseLength(raw: unknown, name: string, minimum: number, fail: Fail): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < minimum) fail(`${name} must be an integer of at least ${minimum}`);
  return raw as number;
}

function parseOptions(raw: unknown, fail: Fail): FieldOption[] {
  if (!Array.isArray(raw) || raw.length === 0) return fail('a select field needs a non-empty "options" array');
  const values = new Set<string>();
  return raw.map((option, index) => {
    let parsed: FieldOption;
    if (typeof option === 'string') {
      parsed = { value: option, label: option };
    } else if (isPlainObject(option)) {
      rejectUnknownKeys(option, new Set(['value', 'label']), `options[${index}]`, fail);
      if (typeof option.value !== 'string') fail(`options[${index}]: "value" must be a string`);
      const label = parseText(option.label, `options[${index}] "label"`, fail) ?? (option.value as string);
      parsed = { value: option.value as string, label };
    } else {
      return fail(`options[${index}] must be a string or {"value", "label"}`);
    }
    if (parsed.value.trim() === '') fail(`options[${index}]: the value must not be empty`);
    if (values.has(parsed.value)) fail(`options[${index}]: the value "${printable(parsed.value)}" is listed twice`);
    values.add(parsed.value);
    return parsed;
  });
}

function rejectUnknownKeys(object: Record<string, unknown>, known: ReadonlySet<string>, where: string, fail?: Fail): void {
  for (const key of Object.keys(object)) {
    if (known.has(key)) continue;
    const problem = `${where} has an unknown property "${printable(key)}"`;
    if (fail) fail(problem);
    throw new FormDefinitionError(problem);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function omitUndefined<T extends Record<string, unknown>>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

// Keeps error messages on one line and short, whatever the file holds.
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}
