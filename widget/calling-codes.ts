// The country calling code of every country libphonenumber-js knows (ISO 3166-1 alpha-2 → digits,
// `ES` → `34`), for the phone field's country picker. The element imports this module only for a
// form with a `tel` field, so the bundle splits it into a chunk of its own
// (dist/progressive-profile-calling-codes.js). The build replaces this module with the table it
// computes here (vite.config.ts, `inlineCallingCodes`): the chunk holds the table, about 1 KB
// gzip, rather than the library and its metadata. The browser tests run it as it is.
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/min';

export const callingCodes: Readonly<Record<string, string>> = Object.fromEntries(
  getCountries().map((country) => [country, getCountryCallingCode(country)]),
);
