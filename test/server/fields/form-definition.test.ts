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
});
