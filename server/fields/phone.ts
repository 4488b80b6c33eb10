// Phone numbers (`tel` fields) through libphonenumber-js and its maintained metadata: country
// codes checked once at start, values parsed and stored in E.164. The `max` metadata, because
// validity ("is this a number of that country", not only "has it a plausible length") is what
// the contract asks and the server's bundle size does not matter.
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { FieldDefinition } from '../../common/wire.js';

/** The ISO 3166-1 alpha-2 code in capitals when the phone library knows the country, else undefined. */
export function toPhoneCountry(code: string): CountryCode | undefined {
  if (!/^[A-Za-z]{2}$/u.test(code)) return undefined;
  const upper = code.toUpperCase();
  return isSupportedCountry(upper) ? upper : undefined;
}

/**
 * The value of a `tel` field in E.164 (`+14155550123`), or `null` when it is not a valid number:
 * not valid for its country, a national number without the field's `default_country`, a country
 * outside the field's `countries`, or an extension (E.164 has no place for one). A value without
 * `+` is read as a national number of `default_country`.
 */
export function toE164(field: Pick<FieldDefinition, 'default_country' | 'countries'>, text: string): string | null {
  const defaultCountry = field.default_country === undefined ? undefined : toPhoneCountry(field.default_country);
  if (!text.startsWith('+') && defaultCountry === undefined) return null;
  const phone = parsePhoneNumberFromString(text, { defaultCountry, extract: false });
  if (!phone || !phone.isValid() || phone.ext !== undefined) return null;
  // A number shared by several countries (+1) is attributed by the metadata; a non-geographic
  // one (+800) has no country and so is outside any list.
  if (field.countries !== undefined && (phone.country === undefined || !field.countries.includes(phone.country))) return null;
  return phone.number;
}
