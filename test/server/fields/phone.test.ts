import { describe, expect, it } from 'vitest';
import { toE164, toPhoneCountry } from '../../../server/fields/phone.js';

describe('toE164', () => {
  const us = { default_country: 'US' };

  it('stores an international number in E.164, whatever its spacing', () => {
    expect(toE164({}, '+1 (415) 555-0123')).toBe('+14155550123');
    expect(toE164(us, '+44 20 7946 0958')).toBe('+442079460958');
  });

  it('reads a number without + as a national number of the default country', () => {
    expect(toE164(us, '(415) 555-0123')).toBe('+14155550123');
    expect(toE164({ default_country: 'FR' }, '06 12 34 56 78')).toBe('+33612345678');
  });

  it('reads a calling code followed by a national number with its trunk prefix, as the widget composes it', () => {
    // The picker says +44, the user types the number as the British write it.
    expect(toE164(us, '+44 07911 123456')).toBe('+447911123456');
    expect(toE164(us, '+33 06 12 34 56 78')).toBe('+33612345678');
    // Italian numbers keep their 0 in international form: read as written.
    expect(toE164(us, '+39 06 6982 1234')).toBe('+390669821234');
    expect(toE164(us, '+44 0 12')).toBeNull();
  });

  it('refuses a national number when the field has no default country', () => {
    expect(toE164({}, '415 555 0123')).toBeNull();
  });

  it('refuses a number that is not valid for its country', () => {
    expect(toE164(us, '555-0123')).toBeNull();
    expect(toE164(us, '+1 123 555 0123')).toBeNull();
    expect(toE164({ default_country: 'FR' }, '12')).toBeNull();
  });

  it('refuses a number of a country outside the field\'s countries, including a non-geographic one', () => {
    const northAmerica = { default_country: 'US', countries: ['US'] };
    expect(toE164(northAmerica, '+1 415 555 0123')).toBe('+14155550123');
    // +1 613 is Canada: the same calling code, another country.
    expect(toE164(northAmerica, '+1 613 555 0123')).toBeNull();
    expect(toE164(northAmerica, '+44 20 7946 0958')).toBeNull();
    expect(toE164({ countries: ['US'] }, '+800 1234 5678')).toBeNull();
    expect(toE164({}, '+800 1234 5678')).toBe('+80012345678');
  });

  it('refuses an extension, which E.164 cannot hold', () => {
    expect(toE164(us, '+1 415 555 0123 ext. 12')).toBeNull();
  });
});

describe('toPhoneCountry', () => {
  it('answers the capitalised code of a country the library knows, else undefined', () => {
    expect(toPhoneCountry('us')).toBe('US');
    expect(toPhoneCountry('XX')).toBeUndefined();
    expect(toPhoneCountry('USA')).toBeUndefined();
  });
});
