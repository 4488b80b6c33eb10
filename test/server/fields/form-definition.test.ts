import { describe, expect, it } from 'vitest';
import { FormDefinitionError, parseFormDefinition } from '../../../server/fields/form-definition.js';

const withManagement = { hasManagementCredentials: true };

function parseField(field: Record<string, unknown>, options = withManagement) {
  return parseFormDefinition({ fields: [field] }, options).fields[0];
}

function problemWith(field: Record<string, unknown>, options = withManagement): string {
  try {
    parseField(field, options);
  } catch (error) {
    if (error instanceof FormDefinitionError) return error.message;
    throw error;
  }
  throw new Error('the field was accepted');
}

describe('parseFormDefinition', () => {
  it('fills in the defaults and normalises options to {value, label} objects', () => {
    const form = parseFormDefinition(
      {
        fields: [
          { id: 'plan', label: { en: 'Plan', es: 'Plan' }, type: 'select', options: ['free', { value: 'pro', label: { en: 'Pro' } }, { value: 'team' }] },
        ],
      },
      withManagement,
    );
    expect(form).toEqual({
      fields: [
        {
          id: 'plan', label: { en: 'Plan', es: 'Plan' }, type: 'select', required: false, target: 'user_metadata', unique: false,
          options: [{ value: 'free', label: 'free' }, { value: 'pro', label: { en: 'Pro' } }, { value: 'team', label: 'team' }],
        },
      ],
      allow_skip: false,
    });
  });

  it('keeps every optional property it understands', () => {
    const field = {
      id: 'badge', label: 'Badge', type: 'text', required: true, minLength: 2, maxLength: 10, pattern: '[A-Z]+',
      autocomplete: 'off', placeholder: { en: 'ABC' }, help: 'Capitals', target: 'app_metadata', unique: true,
    };
    expect(parseField(field)).toEqual(field);
  });

  it.each([
    ['not an object', null, /JSON object/],
    ['no fields', { fields: [] }, /non-empty array/],
    ['a non-boolean allow_skip', { fields: [{ id: 'a', label: 'A', type: 'text' }], allow_skip: 'yes' }, /allow_skip/],
    ['an unknown top-level key', { fields: [{ id: 'a', label: 'A', type: 'text' }], allowSkip: true }, /allowSkip/],
    ['a duplicate id', { fields: [{ id: 'a', label: 'A', type: 'text' }, { id: 'a', label: 'B', type: 'text' }] }, /field "a": the id is defined twice/],
  ])('refuses a form with %s', (_case, json, message) => {
    expect(() => parseFormDefinition(json, withManagement)).toThrow(message);
  });

  it.each([
    ['an empty id', { id: '', label: 'A', type: 'text' }, /fields\[0\]: "id"/],
    ['a dot in the id', { id: 'a.b', label: 'A', type: 'text' }, /fields\[0\]: "id" must not contain/],
    ['a dollar in the id', { id: '$set', label: 'A', type: 'text' }, /fields\[0\]: "id" must not contain/],
    ['the id state', { id: 'state', label: 'A', type: 'text' }, /field "state": this id is reserved/],
    ['the id session_token', { id: 'session_token', label: 'A', type: 'text' }, /reserved/],
    ['the id __proto__', { id: '__proto__', label: 'A', type: 'text' }, /reserved/],
    ['the id constructor', { id: 'constructor', label: 'A', type: 'text' }, /reserved/],
    ['the id prototype', { id: 'prototype', label: 'A', type: 'text' }, /reserved/],
    ['an unknown type', { id: 'a', label: 'A', type: 'rich-text' }, /field "a": "type"/],
    ['no label', { id: 'a', type: 'text' }, /field "a": "label" is required/],
    ['a label of the wrong type', { id: 'a', label: 5, type: 'text' }, /"label"/],
    ['a label keyed by something else than a language', { id: 'a', label: { 'not a tag': 'A' }, type: 'text' }, /language tag/],
    ['a non-boolean required', { id: 'a', label: 'A', type: 'text', required: 'yes' }, /"required"/],
    ['an unknown target', { id: 'a', label: 'A', type: 'text', target: 'metadata' }, /"target"/],
    ['a negative minLength', { id: 'a', label: 'A', type: 'text', minLength: -1 }, /"minLength"/],
    ['a fractional maxLength', { id: 'a', label: 'A', type: 'text', maxLength: 1.5 }, /"maxLength"/],
    ['minLength above maxLength', { id: 'a', label: 'A', type: 'text', minLength: 5, maxLength: 4 }, /greater than/],
    ['a length on a checkbox', { id: 'a', label: 'A', type: 'checkbox', maxLength: 4 }, /do not apply/],
    ['a pattern without maxLength', { id: 'a', label: 'A', type: 'text', pattern: '[a-z]+' }, /maxLength" of at most 1000/],
    ['a pattern with a maxLength over 1000', { id: 'a', label: 'A', type: 'text', pattern: '[a-z]+', maxLength: 1001 }, /at most 1000/],
    ['a pattern that is invalid in Unicode mode', { id: 'a', label: 'A', type: 'text', pattern: '\\-[', maxLength: 10 }, /Unicode mode/],
    ['a select without options', { id: 'a', label: 'A', type: 'select' }, /needs a non-empty "options"/],
    ['options on a text field', { id: 'a', label: 'A', type: 'text', options: ['x'] }, /only apply to select, radio and multiselect/],
    ['a duplicate option value', { id: 'a', label: 'A', type: 'select', options: ['x', { value: 'x' }] }, /listed twice/],
    ['an option of the wrong type', { id: 'a', label: 'A', type: 'select', options: [3] }, /options\[0\]/],
    ['an unknown property', { id: 'a', label: 'A', type: 'text', maxlength: 3 }, /field "a": unknown property "maxlength"/],
  ])('refuses a field with %s, naming it', (_case, field, message) => {
    expect(problemWith(field)).toMatch(message);
  });

  it('refuses a unique field without management credentials', () => {
    expect(problemWith({ id: 'badge', label: 'Badge', type: 'text', unique: true }, { hasManagementCredentials: false })).toMatch(
      /field "badge": "unique" needs AUTH0_CLIENT_ID/,
    );
  });

  it('refuses a password field without management credentials, naming the variables', () => {
    const linking = { fields: [{ id: 'password', label: 'Password', type: 'password', required: true }], link_database_identity: { connection: 'db' } };
    expect(() => parseFormDefinition(linking, { hasManagementCredentials: false })).toThrow(
      /field "password": account linking needs AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET/,
    );
  });
});

const LINKING = { connection: 'Username-Password-Authentication' };
const PASSWORD = { id: 'password', label: 'Password', type: 'password', required: true };

function problemWithForm(form: Record<string, unknown>, options = withManagement): string {
  try {
    parseFormDefinition(form, options);
  } catch (error) {
    if (error instanceof FormDefinitionError) return error.message;
    throw error;
  }
  throw new Error('the form was accepted');
}

describe('parseFormDefinition: revision-2 types', () => {
  const colours = ['red', 'green', 'blue'];

  it('gives a textarea a maxLength of 1000 unless the file says otherwise', () => {
    expect(parseField({ id: 'bio', label: 'Bio', type: 'textarea' })).toMatchObject({ type: 'textarea', maxLength: 1000 });
    expect(parseField({ id: 'bio', label: 'Bio', type: 'textarea', maxLength: 5000 }).maxLength).toBe(5000);
  });

  it('keeps radio and multiselect options, item counts, phone countries in capitals and consent details', () => {
    const form = parseFormDefinition(
      {
        fields: [
          { id: 'plan', label: 'Plan', type: 'radio', options: ['free', 'pro'] },
          { id: 'colours', label: 'Colours', type: 'multiselect', options: colours, minItems: 1, maxItems: 2 },
          { id: 'phone', label: 'Phone', type: 'tel', default_country: 'us', countries: ['US', 'ca'] },
          { id: 'terms', label: 'Terms', type: 'consent', required: true, policy_url: 'https://example.com/terms', version: '2026-11' },
        ],
      },
      withManagement,
    );
    expect(form.fields).toEqual([
      { id: 'plan', label: 'Plan', type: 'radio', required: false, target: 'user_metadata', unique: false, options: [{ value: 'free', label: 'free' }, { value: 'pro', label: 'pro' }] },
      {
        id: 'colours', label: 'Colours', type: 'multiselect', required: false, target: 'user_metadata', unique: false, minItems: 1, maxItems: 2,
        options: colours.map((value) => ({ value, label: value })),
      },
      { id: 'phone', label: 'Phone', type: 'tel', required: false, target: 'user_metadata', unique: false, default_country: 'US', countries: ['US', 'CA'] },
      // A consent is stored in app_metadata unless the file says otherwise.
      { id: 'terms', label: 'Terms', type: 'consent', required: true, target: 'app_metadata', unique: false, policy_url: 'https://example.com/terms', version: '2026-11' },
    ]);
  });

  it.each([
    ['a textarea maxLength over 5000', { id: 'a', label: 'A', type: 'textarea', maxLength: 5001 }, /may not exceed 5000/],
    ['a radio without options', { id: 'a', label: 'A', type: 'radio' }, /a radio field needs a non-empty "options"/],
    ['a multiselect without options', { id: 'a', label: 'A', type: 'multiselect' }, /a multiselect field needs a non-empty "options"/],
    ['a fractional minItems', { id: 'a', label: 'A', type: 'multiselect', options: colours, minItems: 1.5 }, /"minItems" must be an integer/],
    ['maxItems of 0', { id: 'a', label: 'A', type: 'multiselect', options: colours, maxItems: 0 }, /"maxItems" must be an integer of at least 1/],
    ['minItems above maxItems', { id: 'a', label: 'A', type: 'multiselect', options: colours, minItems: 3, maxItems: 2 }, /"minItems" is greater than "maxItems"/],
    ['maxItems above the number of options', { id: 'a', label: 'A', type: 'multiselect', options: colours, maxItems: 4 }, /may not exceed the number of options \(3\)/],
    ['minItems above the number of options', { id: 'a', label: 'A', type: 'multiselect', options: colours, minItems: 4 }, /may not exceed the number of options/],
    ['item counts on a select', { id: 'a', label: 'A', type: 'select', options: colours, maxItems: 1 }, /only apply to a multiselect/],
    ['a pattern on a multiselect', { id: 'a', label: 'A', type: 'multiselect', options: colours, pattern: 'x' }, /"pattern" does not apply to a multiselect/],
    ['a unique multiselect', { id: 'a', label: 'A', type: 'multiselect', options: colours, unique: true }, /"unique" does not apply to a multiselect/],
    ['a consent without policy_url', { id: 'a', label: 'A', type: 'consent', version: '1' }, /"policy_url" must be the https URL/],
    ['a consent policy over http', { id: 'a', label: 'A', type: 'consent', policy_url: 'http://example.com/terms', version: '1' }, /"policy_url" must be the https URL/],
    ['a consent policy that is not a URL', { id: 'a', label: 'A', type: 'consent', policy_url: 'terms.html', version: '1' }, /"policy_url"/],
    ['a consent without version', { id: 'a', label: 'A', type: 'consent', policy_url: 'https://example.com/terms' }, /"version" must be 1 to 64/],
    ['an empty consent version', { id: 'a', label: 'A', type: 'consent', policy_url: 'https://example.com/terms', version: '' }, /"version"/],
    ['a consent version with spaces', { id: 'a', label: 'A', type: 'consent', policy_url: 'https://example.com/terms', version: 'v 2' }, /"version"/],
    ['a consent version over 64 characters', { id: 'a', label: 'A', type: 'consent', policy_url: 'https://example.com/terms', version: 'v'.repeat(65) }, /"version"/],
    ['a pattern on a consent', { id: 'a', label: 'A', type: 'consent', policy_url: 'https://example.com/t', version: '1', pattern: 'x' }, /"pattern" does not apply to a consent/],
    ['a length on a consent', { id: 'a', label: 'A', type: 'consent', policy_url: 'https://example.com/t', version: '1', maxLength: 5 }, /do not apply to a consent/],
    ['a unique consent', { id: 'a', label: 'A', type: 'consent', policy_url: 'https://example.com/t', version: '1', unique: true }, /"unique" does not apply to a consent/],
    ['policy_url on a checkbox', { id: 'a', label: 'A', type: 'checkbox', policy_url: 'https://example.com/t' }, /only apply to a consent/],
    ['a default_country the library does not know', { id: 'a', label: 'A', type: 'tel', default_country: 'XX' }, /"default_country" must be an ISO 3166-1 alpha-2 .*\(not "XX"\)/],
    ['a three-letter default_country', { id: 'a', label: 'A', type: 'tel', default_country: 'USA' }, /"default_country"/],
    ['an empty countries list', { id: 'a', label: 'A', type: 'tel', countries: [] }, /"countries" must be a non-empty array/],
    ['an unknown country in countries', { id: 'a', label: 'A', type: 'tel', countries: ['US', 'ZZ'] }, /countries\[1\] must be an ISO 3166-1/],
    ['a country listed twice', { id: 'a', label: 'A', type: 'tel', countries: ['US', 'us'] }, /"countries" lists "US" twice/],
    ['countries without the default', { id: 'a', label: 'A', type: 'tel', default_country: 'FR', countries: ['US', 'CA'] }, /must include the "default_country" FR/],
    ['default_country on a text field', { id: 'a', label: 'A', type: 'text', default_country: 'US' }, /only apply to a tel field/],
    ['a password outside a linking form', PASSWORD, /needs "link_database_identity"/],
  ])('refuses %s, naming the field', (_case, field, message) => {
    expect(problemWith(field)).toMatch(new RegExp(`^field "${field.id}": .*(?:${message.source})`));
  });

  it('refuses, in Action-writes mode, values the Action would drop: a textarea over 1000 characters, a list over 50 items', () => {
    const noManagement = { hasManagementCredentials: false };
    expect(problemWith({ id: 'bio', label: 'Bio', type: 'textarea', maxLength: 2000 }, noManagement)).toMatch(/field "bio": .*needs AUTH0_CLIENT_ID/);
    const many = Array.from({ length: 51 }, (_, index) => `o${index}`);
    expect(problemWith({ id: 'tags', label: 'Tags', type: 'multiselect', options: many }, noManagement)).toMatch(/field "tags": more than 50 items/);
    expect(parseField({ id: 'tags', label: 'Tags', type: 'multiselect', options: many, maxItems: 50 }, noManagement).maxItems).toBe(50);
    expect(parseField({ id: 'bio', label: 'Bio', type: 'textarea' }, noManagement).maxLength).toBe(1000);
  });
});

describe('parseFormDefinition: account linking', () => {
  it('keeps the connection, leaves the password without a target, and stores the username in app_metadata, unique', () => {
    const form = parseFormDefinition(
      { fields: [{ id: 'username', label: 'Username', type: 'text', required: true, maxLength: 15 }, PASSWORD], link_database_identity: LINKING },
      withManagement,
    );
    expect(form.link_database_identity).toEqual(LINKING);
    expect(form.fields[0]).toMatchObject({ id: 'username', target: 'app_metadata', unique: true });
    expect(form.fields[1]).toEqual({ id: 'password', label: 'Password', type: 'password', required: true, unique: false });
  });

  it.each([
    ['link_database_identity without a password field', { fields: [{ id: 'a', label: 'A', type: 'text' }], link_database_identity: LINKING }, /^"link_database_identity" needs a field \{"id": "password"/],
    ['a connection name with spaces', { fields: [PASSWORD], link_database_identity: { connection: 'my db' } }, /"connection" must be a database connection name/],
    ['link_database_identity that is not an object', { fields: [PASSWORD], link_database_identity: 'db' }, /must be an object \{"connection": NAME\}/],
    ['an unknown key in link_database_identity', { fields: [PASSWORD], link_database_identity: { connection: 'db', scopes: [] } }, /unknown property "scopes"/],
    ['a password field with another id', { fields: [{ ...PASSWORD, id: 'secret' }], link_database_identity: LINKING }, /field "secret": a password field's id must be "password"/],
    ['a password with a target', { fields: [{ ...PASSWORD, target: 'app_metadata' }], link_database_identity: LINKING }, /field "password": a password is never stored/],
    ['an optional password', { fields: [{ ...PASSWORD, required: false }], link_database_identity: LINKING }, /field "password": a password field must be required/],
    ['a unique password', { fields: [{ ...PASSWORD, unique: true }], link_database_identity: LINKING }, /field "password": "unique" does not apply to a password/],
    ['a pattern on the password', { fields: [{ ...PASSWORD, pattern: '.+', maxLength: 72 }], link_database_identity: LINKING }, /field "password": "pattern" does not apply/],
    ['the id password on a text field', { fields: [{ id: 'password', label: 'P', type: 'text' }] }, /field "password": the id "password" is kept for the password field/],
    ['a username in user_metadata', { fields: [{ id: 'username', label: 'U', type: 'text', target: 'user_metadata' }, PASSWORD], link_database_identity: LINKING }, /field "username": the username of account linking is stored in app_metadata and unique/],
    ['a username that is not unique', { fields: [{ id: 'username', label: 'U', type: 'text', unique: false }, PASSWORD], link_database_identity: LINKING }, /field "username": .*unique/],
    ['a username of another type', { fields: [{ id: 'username', label: 'U', type: 'email' }, PASSWORD], link_database_identity: LINKING }, /field "username": the username of account linking must be a text field/],
  ])('refuses %s', (_case, form, message) => {
    expect(problemWithForm(form)).toMatch(message);
  });

  it('lets a username outside a linking form be an ordinary field', () => {
    expect(parseField({ id: 'username', label: 'U', type: 'text' })).toMatchObject({ target: 'user_metadata', unique: false });
  });
});

describe('parseFormDefinition: what a pattern costs', () => {
  it('refuses at start the pattern of issue 10, naming the field and the time it took', () => {
    const message = problemWith({ id: 'company', label: 'Company', type: 'text', maxLength: 1000, pattern: '(?:[\\p{L}\\p{N}]{1,100}\\s?){1,10}' });
    expect(message).toMatch(/^field "company": "pattern" took [\d.]+ ms to match a value of 1000 characters \(at most 5 ms allowed\)/);
  });

  it('accepts a cheap pattern at the same length', () => {
    expect(parseField({ id: 'company', label: 'Company', type: 'text', maxLength: 1000, pattern: "[\\p{L}\\p{N}][\\p{L}\\p{N} .,'&-]*" }).pattern).toBeDefined();
  });

  it('measures a textarea pattern at the default maxLength of 1000', () => {
    expect(problemWith({ id: 'bio', label: 'Bio', type: 'textarea', pattern: '(?:[\\p{L}\\p{N}]{1,100}\\s?){1,10}' })).toMatch(/value of 1000 characters/);
  });
});
