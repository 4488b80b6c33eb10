// Small helpers on untrusted values (request bodies, query strings, options) shared by the
// emulator's routes.
import { timingSafeEqual } from 'node:crypto';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** Whether a secret as given (a client secret, a password) equals the stored one, compared in constant time. */
export function isSameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A JSON type name as Auth0's payload validation words it (`null`, `array`, `object`...). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The string-valued entries of a parsed query or form body. */
export function stringsOf(value: unknown): Record<string, string> {
  const strings: Record<string, string> = {};
  if (!isRecord(value)) return strings;
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') strings[key] = item;
  return strings;
}

/** Keeps (or, with `isInclude` false, drops) the comma-listed `fields` of an answer. */
export function selectFields(item: Record<string, unknown>, fields: unknown, isInclude: boolean): Record<string, unknown> {
  if (typeof fields !== 'string' || fields === '') return item;
  const listed = new Set(fields.split(',').map((field) => field.trim()).filter(Boolean));
  return Object.fromEntries(Object.entries(item).filter(([key]) => listed.has(key) === isInclude));
}
