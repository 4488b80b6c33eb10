import { describe, expect, it } from 'vitest';
import { isEmptyPatch, parseSubmittedValues, prepareSubmission, type SubmittedValues } from '../../../server/fields/values.js';
import { RequestError } from '../../../server/http/errors.js';
import type { FieldDefinition } from '../../../common/wire.js';
import { parseFormDefinition } from '../../../server/fields/form-definition.js';
import { frozenClock, testForm } from '../support/fixtures.js';

const form = testForm();

function refusal(run: () => unknown): RequestError {
  try {
    run();
  } catch (error) {
    if (error instanceof RequestError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('parseSubmittedValues', () => {
  it('copies the values into a null-prototype object', () => {
    const values = parseSubmittedValues(form, JSON.parse('{"company_name":"Acme","age":3,"newsletter":true,"plan":null}'));
    expect(Object.getPrototypeOf(values)).toBeNull();
    expect({ ...values }).toEqual({ company_name: 'Acme', age: 3, newsletter: true, plan: null });
  });

  it('refuses an own __proto__ key as JSON.parse makes it', () => {
    expect(refusal(() => parseSubmittedValues(form, JSON.parse('{"__proto__":"x"}'))).code).toBe('invalid_request');
  });

  it('refuses a non-finite number', () => {
    expect(refusal(() => parseSubmittedValues(form, { age: Number.POSITIVE_INFINITY })).code).toBe('invalid_request');
  });
});

function buildProfilePatch(fields: readonly FieldDefinition[], values: SubmittedValues) {
  return prepareSubmission(fields, values, frozenClock()).patch;
}

describe('prepareSubmission: the patch', () => {
  it('trims what it stores and leaves out empty values', () => {
    const patch = buildProfilePatch(form.fields, parseSubmittedValues(form, { company_name: ' Acme ', job_title: 'CTO', nickname: ' ' }));
    expect(patch).toEqual({ user_metadata: { company_name: 'Acme', job_title: 'CTO' } });
  });

  it('answers an empty patch, not empty objects, when nothing is given', () => {
    const optional = form.fields.filter((field) => !field.required);
    const patch = buildProfilePatch(optional, parseSubmittedValues(form, {}));
    expect(patch).toEqual({});
    expect(isEmptyPatch(patch)).toBe(true);
  });

  it('requires a required checkbox to be true', () => {
    const withConsent = testForm({ fields: [{ id: 'terms', label: 'Terms', type: 'checkbox', required: true }] as never });
    const error = refusal(() => buildProfilePatch(withConsent.fields, parseSubmittedValues(withConsent, { terms: false })));
    expect(error.fields).toEqual({ terms: 'required' });
  });
});

const POLICY = 'https://example.com/terms';
/** Every revision-2 type, in a form that links a database identity. */
const r2Form = parseFormDefinition(
  {
    fields: [
      { id: 'bio', label: 'Bio', type: 'textarea', maxLength: 20 },
      { id: 'plan', label: 'Plan', type: 'radio', options: ['free', 'pro'] },
      { id: 'colours', label: 'Colours', type: 'multiselect', options: ['red', 'green', 'blue'], minItems: 2, maxItems: 2 },
      { id: 'phone', label: 'Phone', type: 'tel', default_country: 'US', countries: ['US', 'CA'] },
      { id: 'terms', label: 'Terms', type: 'consent', required: true, policy_url: POLICY, version: '2026-11' },
      { id: 'news', label: 'News', type: 'consent', policy_url: POLICY, version: '3', target: 'user_metadata' },
      { id: 'badge', label: 'Badge', type: 'text', unique: true, maxLength: 20 },
      { id: 'nick', label: 'Nick', type: 'text', minLength: 2, maxLength: 5, pattern: '[a-z]+' },
      { id: 'mail', label: 'Mail', type: 'email' },
      { id: 'born', label: 'Born', type: 'date' },
      { id: 'username', label: 'Username', type: 'text', maxLength: 15 },
      { id: 'password', label: 'Password', type: 'password', required: true, minLength: 8 },
    ],
    link_database_identity: { connection: 'Username-Password-Authentication' },
  },
  { hasManagementCredentials: true },
);
const VALID = { terms: true, password: '  Secret pass 1 ' };
const clock = frozenClock();
const NOW_ISO = new Date(clock.now()).toISOString();

function prepare(values: Record<string, unknown>, fields = r2Form.fields) {
  return prepareSubmission(fields, parseSubmittedValues(r2Form, values), clock);
}

function fieldCodes(values: Record<string, unknown>) {
  return refusal(() => prepare({ ...VALID, ...values })).fields;
}

describe('parseSubmittedValues: the revision-2 wire types (400)', () => {
  it.each([
    ['a multiselect that is not an array', { colours: 'red' }],
    ['a multiselect of numbers', { colours: ['red', 1] }],
    ['a multiselect holding null', { colours: [null] }],
    ['a multiselect as an empty string', { colours: '' }],
    ['a consent as a string', { terms: 'true' }],
    ['a consent as a number', { terms: 1 }],
    ['an array for a text field', { badge: ['a'] }],
    ['an object for a text field', { badge: { value: 'a' } }],
    ['a number for a password', { password: 12345678 }],
  ])('refuses %s as invalid_request', (_case, values) => {
    const error = refusal(() => parseSubmittedValues(r2Form, values));
    expect(error.code).toBe('invalid_request');
    expect(error.statusCode).toBe(400);
  });
});

describe('prepareSubmission: every field code (422)', () => {
  it.each([
    ['required: an unticked required consent', { terms: false }, { terms: 'required' }],
    ['required: an empty password', { password: '   ' }, { password: 'required' }],
    ['too_short', { nick: 'a' }, { nick: 'too_short' }],
    ['too_long: a textarea past its maxLength', { bio: 'x'.repeat(21) }, { bio: 'too_long' }],
    ['pattern', { nick: 'ABC' }, { nick: 'pattern' }],
    ['invalid_option: a radio value no option has', { plan: 'gold' }, { plan: 'invalid_option' }],
    ['invalid_option: a repeated multiselect item', { colours: ['red', 'red'] }, { colours: 'invalid_option' }],
    ['invalid_option: an unknown multiselect item', { colours: ['red', 'purple'] }, { colours: 'invalid_option' }],
    ['too_few', { colours: ['red'] }, { colours: 'too_few' }],
    ['too_many', { colours: ['red', 'green', 'blue'] }, { colours: 'too_many' }],
    ['invalid_format: a phone number not valid for its country', { phone: '555-0123' }, { phone: 'invalid_format' }],
    ['invalid_format: a phone number of a country outside the list', { phone: '+44 20 7946 0958' }, { phone: 'invalid_format' }],
    ['invalid_format: an e-mail without a domain', { mail: 'ada@' }, { mail: 'invalid_format' }],
    ['invalid_format: a date that does not exist', { born: '2026-02-30' }, { born: 'invalid_format' }],
    ['invalid_format: a control character in a textarea', { bio: 'a\u0007b' }, { bio: 'invalid_format' }],
  ])('answers %s', (_case, values, fields) => {
    expect(fieldCodes(values)).toEqual(fields);
  });

  it('names every failing field at once', () => {
    expect(fieldCodes({ terms: false, nick: 'AB', colours: ['red'] })).toEqual({ terms: 'required', nick: 'pattern', colours: 'too_few' });
  });

  it('never puts the password in the error', () => {
    const error = refusal(() => prepare({ terms: false, password: 'Hunter2-secret' }));
    expect(JSON.stringify({ message: error.message, fields: error.fields })).not.toContain('Hunter2');
  });
});

describe('prepareSubmission: what is written, shown to the hook and handed to the linker', () => {
  it('stores a ticked consent as {version, accepted_at} by the server\'s clock, and an unticked optional one not at all', () => {
    const { patch, hookValues } = prepare({ terms: true, news: false, password: 'long enough' });
    expect(patch).toEqual({ app_metadata: { terms: { version: '2026-11', accepted_at: NOW_ISO } } });
    expect(hookValues).toEqual({ terms: true, news: false });
    expect(prepare({ terms: true, news: true, password: 'long enough' }).patch.user_metadata).toEqual({
      news: { version: '3', accepted_at: NOW_ISO },
    });
  });

  it('takes accepted_at from the injected clock, never from the values', () => {
    const later = frozenClock(1_900_000_000);
    const { patch } = prepareSubmission(r2Form.fields, parseSubmittedValues(r2Form, VALID), later);
    expect(patch.app_metadata?.terms).toEqual({ version: '2026-11', accepted_at: '2030-03-17T17:46:40.000Z' });
  });

  it('stores a phone number in E.164, national or international', () => {
    expect(prepare({ ...VALID, phone: ' (415) 555-0123 ' }).patch.user_metadata).toEqual({ phone: '+14155550123' });
    expect(prepare({ ...VALID, phone: '+1 613-555-0123' }).hookValues.phone).toBe('+16135550123');
  });

  it('trims and lower-cases a unique value, normalises a textarea\'s line breaks and stores a multiselect as an array', () => {
    const { patch } = prepare({ ...VALID, badge: '  Gold-7 ', bio: ' one\r\ntwo ', colours: ['blue', 'red'] });
    expect(patch.user_metadata).toEqual({ badge: 'gold-7', bio: 'one\ntwo', colours: ['blue', 'red'] });
  });

  it('never stores or shows the password, and hands it to the linker exactly as typed, with the username', () => {
    const prepared = prepare({ ...VALID, username: ' Ada_L ' });
    expect(prepared.credentials).toEqual({ password: '  Secret pass 1 ', username: 'ada_l' });
    expect(prepared.patch.app_metadata).toEqual({ terms: { version: '2026-11', accepted_at: NOW_ISO }, username: 'ada_l' });
    expect(JSON.stringify([prepared.patch, prepared.hookValues])).not.toContain('Secret pass');
  });

  it('hands no credentials when the password was not asked (the user already has a database identity)', () => {
    const withoutPassword = r2Form.fields.filter((field) => field.id !== 'password');
    const prepared = prepare({ terms: true, password: 'ignored as not asked' }, withoutPassword);
    expect(prepared.credentials).toBeUndefined();
    expect(JSON.stringify(prepared)).not.toContain('ignored as not asked');
  });

  it('answers an empty patch, never empty objects, when nothing asked is answered', () => {
    const optional = r2Form.fields.filter((field) => !field.required);
    const prepared = prepare({ bio: ' ', colours: [], phone: '' }, optional);
    expect(prepared).toEqual({ patch: {}, hookValues: {} });
    expect(isEmptyPatch(prepared.patch)).toBe(true);
  });
});
