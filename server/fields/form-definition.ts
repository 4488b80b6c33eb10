// Validates the fields file (PROFILE_FIELDS_FILE) once at start and normalises it into the
// `ServerForm`: the `FormDefinition` that GET /form answers and the server validates submissions
// against, plus what only the server needs (the database connection of account linking).
import { compileFieldPattern } from '../../common/field-rules.js';
import { PASSWORD_FIELD_ID, USERNAME_FIELD_ID } from '../upstream/credentials.js';
import { MAX_PATTERN_MILLISECONDS, measurePatternCost } from './pattern-cost.js';
import { compileLinearPattern } from './patterns.js';
import { toPhoneCountry } from './phone.js';
import { toPrintable } from './printable.js';
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

/** The fields file as the server keeps it. GET /form answers only `fields` and `allow_skip`. */
export interface ServerForm extends FormDefinition {
  /**
   * Account linking: a form with a `password` field creates a user with it in this database
   * connection and links it to the signed-in user (server/upstream/identity-linker.ts).
   */
  readonly link_database_identity?: { readonly connection: string };
}

export interface ParseFormOptions {
  /** Whether AUTH0_CLIENT_ID/SECRET are set: `unique` fields are checked through the Management API. */
  hasManagementCredentials: boolean;
}

// A pattern is matched against at most this many code points, so no pattern meets an unbounded input.
const MAX_PATTERN_INPUT = 1000;
// Ids become first-level metadata keys and request-body keys: these would collide with either.
const RESERVED_IDS = new Set(['state', 'session_token', '__proto__', 'constructor', 'prototype']);
const FORM_KEYS = new Set(['fields', 'allow_skip', 'link_database_identity']);
const FIELD_KEYS = new Set([
  'id', 'label', 'type', 'required', 'minLength', 'maxLength', 'pattern', 'options',
  'autocomplete', 'placeholder', 'help', 'target', 'unique',
  'minItems', 'maxItems', 'default_country', 'countries', 'policy_url', 'version',
]);
const LENGTH_TYPES = new Set<FieldType>(['text', 'email', 'tel', 'url', 'date', 'select', 'radio', 'textarea', 'password']);
const PATTERN_TYPES = new Set<FieldType>(['text', 'email', 'tel', 'url', 'date', 'textarea']);
const OPTION_TYPES = new Set<FieldType>(['select', 'radio', 'multiselect']);
// A unique value is searched as one string, number or boolean (and a consent or a password is no one's to claim).
const NOT_UNIQUE_TYPES = new Set<FieldType>(['checkbox', 'consent', 'multiselect', 'password']);
const LANGUAGE_TAG = /^[a-z]{2,3}(-[a-z0-9]{1,8})*$/iu;
const MAX_ID_LENGTH = 100;
// A textarea's maxLength when the file gives none, and the most it may give.
const TEXTAREA_DEFAULT_MAX_LENGTH = 1000;
const TEXTAREA_MAX_LENGTH = 5000;
// The Action writes (from T2) strings of at most 1000 characters and arrays of at most 50 items:
// without the Management API, a longer value would be dropped at the end of the login.
const ACTION_MAX_TEXT_LENGTH = 1000;
const ACTION_MAX_LIST_ITEMS = 50;
// As the Action's PROFILE_FIELDS writes a consent (`app_metadata:terms@2026-11`): both must agree.
const CONSENT_VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u;
// Auth0's connection names: letters, digits and dashes, at most 128.
const CONNECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/u;
const MANAGEMENT_VARIABLES = 'AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET';

/**
 * Validates a parsed fields file and returns it normalised (defaults filled in, options as
 * `{value, label}` objects, country codes in capitals). Throws `FormDefinitionError` naming the
 * first field that is wrong. Measures each `pattern`'s cost (pattern-cost.ts), so it may take a
 * few hundred milliseconds per pattern.
 */
export function parseFormDefinition(json: unknown, options: ParseFormOptions): ServerForm {
  if (!isPlainObject(json)) throw new FormDefinitionError('the form must be a JSON object {"fields": [...], "allow_skip": bool}');
  rejectUnknownKeys(json, FORM_KEYS, 'the form');
  if (!Array.isArray(json.fields) || json.fields.length === 0) {
    throw new FormDefinitionError('"fields" must be a non-empty array');
  }
  if (json.allow_skip !== undefined && typeof json.allow_skip !== 'boolean') {
    throw new FormDefinitionError('"allow_skip" must be true or false');
  }
  const link = parseLink(json.link_database_identity);
  const context: FieldContext = { ...options, linksDatabaseIdentity: link !== undefined };
  const seen = new Set<string>();
  const fields = json.fields.map((raw, index) => {
    const field = parseField(raw, index, context);
    if (seen.has(field.id)) throw new FormDefinitionError(`field "${field.id}": the id is defined twice`);
    seen.add(field.id);
    return field;
  });
  if (link && !seen.has(PASSWORD_FIELD_ID)) {
    throw new FormDefinitionError('"link_database_identity" needs a field {"id": "password", "type": "password"} in "fields"');
  }
  return { fields, allow_skip: json.allow_skip ?? false, ...(link ? { link_database_identity: link } : {}) };
}

function parseLink(raw: unknown): ServerForm['link_database_identity'] {
  if (raw === undefined) return undefined;
  if (!isPlainObject(raw)) throw new FormDefinitionError('"link_database_identity" must be an object {"connection": NAME}');
  rejectUnknownKeys(raw, new Set(['connection']), '"link_database_identity"');
  if (typeof raw.connection !== 'string' || !CONNECTION_NAME.test(raw.connection)) {
    throw new FormDefinitionError('"link_database_identity": "connection" must be a database connection name (letters, digits and dashes)');
  }
  return { connection: raw.connection };
}

interface FieldContext extends ParseFormOptions {
  /** The form carries `link_database_identity`. */
  linksDatabaseIdentity: boolean;
}

function parseField(raw: unknown, index: number, context: FieldContext): FieldDefinition {
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
  const isLinkedUsername = context.linksDatabaseIdentity && id === USERNAME_FIELD_ID;
  const unique = raw.unique === undefined && isLinkedUsername ? true : parseBoolean(raw.unique, '"unique"', fail);
  const target = parseTarget(raw.target, type === 'consent' || isLinkedUsername ? 'app_metadata' : 'user_metadata', fail);
  const minLength = parseInteger(raw.minLength, '"minLength"', 0, fail);
  let maxLength = parseInteger(raw.maxLength, '"maxLength"', 1, fail);

  if ((minLength !== undefined || maxLength !== undefined) && !LENGTH_TYPES.has(type)) {
    fail(`"minLength" and "maxLength" do not apply to a ${type} field`);
  }
  if (type === 'textarea') {
    maxLength ??= TEXTAREA_DEFAULT_MAX_LENGTH;
    if (maxLength > TEXTAREA_MAX_LENGTH) fail(`"maxLength" of a textarea may not exceed ${TEXTAREA_MAX_LENGTH}`);
    if (maxLength > ACTION_MAX_TEXT_LENGTH && !context.hasManagementCredentials) {
      fail(`a "maxLength" over ${ACTION_MAX_TEXT_LENGTH} needs ${MANAGEMENT_VARIABLES} (the Action writes strings of at most ${ACTION_MAX_TEXT_LENGTH} characters)`);
    }
  }
  if (minLength !== undefined && maxLength !== undefined && minLength > maxLength) {
    fail('"minLength" is greater than "maxLength"');
  }

  const pattern = parsePattern(raw.pattern, type, maxLength, fail);

  let fieldOptions: FieldOption[] | undefined;
  if (OPTION_TYPES.has(type)) {
    fieldOptions = parseOptions(raw.options, type, fail);
  } else if (raw.options !== undefined) {
    fail('"options" only apply to select, radio and multiselect fields');
  }
  const { minItems, maxItems } = parseItemCounts(raw, type, fieldOptions?.length ?? 0, context, fail);
  const phone = parsePhoneSettings(raw, type, fail);
  const consent = parseConsent(raw, type, fail);

  if (unique && !context.hasManagementCredentials) {
    fail(`"unique" needs ${MANAGEMENT_VARIABLES} (values are checked through the Management API)`);
  }
  if (unique && NOT_UNIQUE_TYPES.has(type)) fail(`"unique" does not apply to a ${type} field`);
  checkAccountLinking(raw, { id, type, required, unique, target }, context, fail);

  let autocomplete: string | undefined;
  if (raw.autocomplete !== undefined) {
    if (typeof raw.autocomplete !== 'string' || raw.autocomplete.trim() === '') fail('"autocomplete" must be a non-empty string');
    autocomplete = raw.autocomplete as string;
  }
  const placeholder = parseText(raw.placeholder, '"placeholder"', fail);
  const help = parseText(raw.help, '"help"', fail);

  return omitUndefined({
    id, label: label as LocalizedText, type, required, minLength, maxLength, pattern,
    options: fieldOptions, minItems, maxItems, ...phone, ...consent, autocomplete, placeholder, help,
    // A password is never stored: it has no target.
    ...(type === 'password' ? {} : { target }), unique,
  }) as FieldDefinition;
}

function parsePattern(raw: unknown, type: FieldType, maxLength: number | undefined, fail: Fail): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw === '') return fail('"pattern" must be a non-empty string');
  if (!PATTERN_TYPES.has(type)) fail(`"pattern" does not apply to a ${type} field`);
  try {
    compileFieldPattern(raw);
  } catch {
    fail('"pattern" is not a valid regular expression in Unicode mode');
  }
  // The server matches in linear time (no ReDoS); a pattern it cannot run that way is refused.
  try {
    compileLinearPattern(raw);
  } catch {
    fail('"pattern" uses syntax the server cannot match in linear time (backreferences, lookaround, [^]); see docs/SECURITY.md');
  }
  if (maxLength === undefined || maxLength > MAX_PATTERN_INPUT) {
    fail(`"pattern" needs a "maxLength" of at most ${MAX_PATTERN_INPUT} beside it`);
  }
  // Linear is not cheap: a pattern whose program is huge costs that much on every character.
  const cost = measurePatternCost(raw, maxLength as number);
  if (cost.isTooSlow) {
    fail(
      `"pattern" took ${cost.milliseconds} ms to match a value of ${maxLength} characters (at most ${MAX_PATTERN_MILLISECONDS} ms allowed): ` +
        'simplify it (nested counted repetitions such as (?:x{1,100}){1,10} are the usual cause) or lower "maxLength"',
    );
  }
  return raw;
}

function parseItemCounts(
  raw: Record<string, unknown>,
  type: FieldType,
  optionCount: number,
  context: FieldContext,
  fail: Fail,
): { minItems?: number; maxItems?: number } {
  const minItems = parseInteger(raw.minItems, '"minItems"', 0, fail);
  const maxItems = parseInteger(raw.maxItems, '"maxItems"', 1, fail);
  if (type !== 'multiselect') {
    if (minItems !== undefined || maxItems !== undefined) fail('"minItems" and "maxItems" only apply to a multiselect field');
    return {};
  }
  if (minItems !== undefined && maxItems !== undefined && minItems > maxItems) fail('"minItems" is greater than "maxItems"');
  if ((maxItems ?? minItems ?? 0) > optionCount) fail(`"minItems" and "maxItems" may not exceed the number of options (${optionCount})`);
  if ((maxItems ?? optionCount) > ACTION_MAX_LIST_ITEMS && !context.hasManagementCredentials) {
    fail(`more than ${ACTION_MAX_LIST_ITEMS} items need "maxItems" of at most ${ACTION_MAX_LIST_ITEMS} or ${MANAGEMENT_VARIABLES} (the Action writes lists of at most ${ACTION_MAX_LIST_ITEMS})`);
  }
  return { minItems, maxItems };
}

function parsePhoneSettings(raw: Record<string, unknown>, type: FieldType, fail: Fail): { default_country?: string; countries?: string[] } {
  if (type !== 'tel') {
    if (raw.default_country !== undefined || raw.countries !== undefined) fail('"default_country" and "countries" only apply to a tel field');
    return {};
  }
  const readCountry = (code: unknown, name: string): string => {
    const country = typeof code === 'string' ? toPhoneCountry(code) : undefined;
    if (country === undefined) {
      fail(`${name} must be an ISO 3166-1 alpha-2 country code the phone library knows, such as "US"${typeof code === 'string' ? ` (not "${printable(code)}")` : ''}`);
    }
    return country as string;
  };
  const defaultCountry = raw.default_country === undefined ? undefined : readCountry(raw.default_country, '"default_country"');
  let countries: string[] | undefined;
  if (raw.countries !== undefined) {
    if (!Array.isArray(raw.countries) || raw.countries.length === 0) fail('"countries" must be a non-empty array of country codes');
    countries = (raw.countries as unknown[]).map((code, index) => readCountry(code, `countries[${index}]`));
    const twice = countries.find((code, index) => countries!.indexOf(code) !== index);
    if (twice !== undefined) fail(`"countries" lists "${twice}" twice`);
    if (defaultCountry !== undefined && !countries.includes(defaultCountry)) fail(`"countries" must include the "default_country" ${defaultCountry}`);
  }
  return omitUndefined({ default_country: defaultCountry, countries });
}

function parseConsent(raw: Record<string, unknown>, type: FieldType, fail: Fail): { policy_url?: string; version?: string } {
  if (type !== 'consent') {
    if (raw.policy_url !== undefined || raw.version !== undefined) fail('"policy_url" and "version" only apply to a consent field');
    return {};
  }
  if (typeof raw.policy_url !== 'string' || !isHttpsUrl(raw.policy_url)) fail('"policy_url" must be the https URL of the policy');
  if (typeof raw.version !== 'string' || !CONSENT_VERSION.test(raw.version)) {
    fail('"version" must be 1 to 64 letters, digits, dots, hyphens or underscores (the Action compares it as id@version)');
  }
  return { policy_url: raw.policy_url as string, version: raw.version as string };
}

/**
 * A password exists only to create a database identity: in a form with `link_database_identity`,
 * with the id `password`, required, never stored, and with the M2M credentials. The `username`
 * beside it is stored in app_metadata and unique (Auth0 keeps usernames unique per connection).
 */
function checkAccountLinking(
  raw: Record<string, unknown>,
  field: Pick<FieldDefinition, 'id' | 'type' | 'required' | 'unique' | 'target'>,
  context: FieldContext,
  fail: Fail,
): void {
  if (field.type === 'password') {
    if (field.id !== PASSWORD_FIELD_ID) fail(`a password field's id must be "${PASSWORD_FIELD_ID}"`);
    if (!context.linksDatabaseIdentity) {
      fail('a password field needs "link_database_identity": {"connection": NAME} beside "fields" (it is used only to create a database identity)');
    }
    if (raw.target !== undefined) fail('a password is never stored: it has no "target"');
    if (!field.required) fail('a password field must be required (the Action asks for it only when the user has no database identity)');
    if (!context.hasManagementCredentials) fail(`account linking needs ${MANAGEMENT_VARIABLES} (with create:users and delete:users)`);
  } else if (field.id === PASSWORD_FIELD_ID) {
    fail('the id "password" is kept for the password field of account linking, which is never stored');
  }
  if (context.linksDatabaseIdentity && field.id === USERNAME_FIELD_ID) {
    if (field.type !== 'text') fail('the username of account linking must be a text field');
    if (field.target !== 'app_metadata' || !field.unique) fail('the username of account linking is stored in app_metadata and unique');
  }
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

function parseTarget(raw: unknown, fallback: MetadataTarget, fail: Fail): MetadataTarget {
  if (raw === undefined) return fallback;
  if (raw !== 'user_metadata' && raw !== 'app_metadata') fail('"target" must be "user_metadata" or "app_metadata"');
  return raw as MetadataTarget;
}

function parseInteger(raw: unknown, name: string, minimum: number, fail: Fail): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < minimum) fail(`${name} must be an integer of at least ${minimum}`);
  return raw as number;
}

function parseOptions(raw: unknown, type: FieldType, fail: Fail): FieldOption[] {
  if (!Array.isArray(raw) || raw.length === 0) return fail(`a ${type} field needs a non-empty "options" array`);
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

function isHttpsUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
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
  return toPrintable(text, 40);
}
