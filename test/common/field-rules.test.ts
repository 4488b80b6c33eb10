import { describe, expect, it } from 'vitest';
import {
  checkFieldValue,
  hasValueType,
  isEmptyValue,
  normalizeFieldValue,
  selectFieldsToAsk,
} from '../../common/field-rules.js';
import type { FieldDefinition } from '../../common/wire.js';

const base = { required: false, target: 'user_metadata', unique: false, label: 'Label' } as const;
const options = [
  { value: 'red', label: 'Red' },
  { value: 'green', label: 'Green' },
  { value: 'blue', label: 'Blue' },
];

function field(overrides: Partial<FieldDefinition> & Pick<FieldDefinition, 'id' | 'type'>): FieldDefinition {
  return { ...base, ...overrides };
}

describe('isEmptyValue', () => {
  it('counts an empty multiselect as empty and false as a value', () => {
    expect(isEmptyValue([])).toBe(true);
    expect(isEmptyValue(['red'])).toBe(false);
    expect(isEmptyValue(false)).toBe(false);
    expect(isEmptyValue('  ')).toBe(true);
  });
});

describe('hasValueType', () => {
  const colours = field({ id: 'colours', type: 'multiselect', options });
  const terms = field({ id: 'terms', type: 'consent', policy_url: 'https://example.com/terms', version: '1' });

  it('takes only an array of strings for a multiselect', () => {
    expect(hasValueType(colours, ['red', 'blue'])).toBe(true);
    expect(hasValueType(colours, [])).toBe(true);
    expect(hasValueType(colours, null)).toBe(true);
    expect(hasValueType(colours, 'red')).toBe(false);
    expect(hasValueType(colours, '')).toBe(false);
    expect(hasValueType(colours, ['red', 1] as never)).toBe(false);
  });

  it('takes only a boolean (or null) for a consent', () => {
    expect(hasValueType(terms, true)).toBe(true);
    expect(hasValueType(terms, false)).toBe(true);
    expect(hasValueType(terms, null)).toBe(true);
    expect(hasValueType(terms, 'true')).toBe(false);
    expect(hasValueType(terms, '')).toBe(false);
    expect(hasValueType(terms, 1)).toBe(false);
  });

  it('takes strings for textarea, radio and password', () => {
    for (const type of ['textarea', 'radio', 'password'] as const) {
      expect(hasValueType(field({ id: 'x', type, options }), 'text')).toBe(true);
      expect(hasValueType(field({ id: 'x', type, options }), 3)).toBe(false);
    }
  });
});

describe('checkFieldValue for the revision-2 types', () => {
  it('asks a required multiselect for at least one item', () => {
    const colours = field({ id: 'colours', type: 'multiselect', options, required: true });
    expect(checkFieldValue(colours, [])).toBe('required');
    expect(checkFieldValue(colours, ['green'])).toBeNull();
  });

  it('refuses a repeated or unknown multiselect item as invalid_option', () => {
    const colours = field({ id: 'colours', type: 'multiselect', options });
    expect(checkFieldValue(colours, ['red', 'red'])).toBe('invalid_option');
    expect(checkFieldValue(colours, ['purple'])).toBe('invalid_option');
  });

  it('answers too_few and too_many against minItems and maxItems', () => {
    const colours = field({ id: 'colours', type: 'multiselect', options, minItems: 2, maxItems: 2 });
    expect(checkFieldValue(colours, ['red'])).toBe('too_few');
    expect(checkFieldValue(colours, ['red', 'green', 'blue'])).toBe('too_many');
    expect(checkFieldValue(colours, ['red', 'green'])).toBeNull();
    // Nothing chosen on an optional field is no choice at all, not too few.
    expect(checkFieldValue(colours, [])).toBeNull();
  });

  it('checks a radio value against its options', () => {
    const plan = field({ id: 'plan', type: 'radio', options, required: true });
    expect(checkFieldValue(plan, 'blue')).toBeNull();
    expect(checkFieldValue(plan, 'purple')).toBe('invalid_option');
    expect(checkFieldValue(plan, '')).toBe('required');
  });

  it('keeps line breaks and tabs in a textarea but refuses other control characters', () => {
    const bio = field({ id: 'bio', type: 'textarea', maxLength: 20 });
    expect(checkFieldValue(bio, 'line one\nline\ttwo')).toBeNull();
    expect(checkFieldValue(bio, 'bell\u0007')).toBe('invalid_format');
    expect(checkFieldValue(bio, 'x'.repeat(21))).toBe('too_long');
    expect(checkFieldValue(field({ id: 'name', type: 'text' }), 'line one\nline two')).toBe('invalid_format');
  });

  it('requires a required consent to be ticked', () => {
    const terms = field({ id: 'terms', type: 'consent', required: true, policy_url: 'https://example.com/terms', version: '2026-11' });
    expect(checkFieldValue(terms, false)).toBe('required');
    expect(checkFieldValue(terms, null)).toBe('required');
    expect(checkFieldValue(terms, true)).toBeNull();
    expect(checkFieldValue({ ...terms, required: false }, false)).toBeNull();
  });

  it('checks a password like text: required and lengths', () => {
    const password = field({ id: 'password', type: 'password', required: true, maxLength: 10 });
    expect(checkFieldValue(password, '')).toBe('required');
    expect(checkFieldValue(password, 'x'.repeat(11))).toBe('too_long');
    expect(checkFieldValue(password, 'secret')).toBeNull();
  });
});

describe('normalizeFieldValue', () => {
  it('trims and lower-cases a unique value', () => {
    expect(normalizeFieldValue(field({ id: 'username', type: 'text', unique: true }), '  Badge ')).toBe('badge');
  });

  it('leaves a password exactly as typed', () => {
    expect(normalizeFieldValue(field({ id: 'password', type: 'password' }), '  Pass word ')).toBe('  Pass word ');
  });

  it('turns a textarea’s CR LF and CR into LF and trims it', () => {
    expect(normalizeFieldValue(field({ id: 'bio', type: 'textarea' }), ' a\r\nb\rc \n')).toBe('a\nb\nc');
  });

  it('passes numbers, booleans and arrays through', () => {
    expect(normalizeFieldValue(field({ id: 'n', type: 'number' }), 3)).toBe(3);
    expect(normalizeFieldValue(field({ id: 'c', type: 'consent' }), true)).toBe(true);
    expect(normalizeFieldValue(field({ id: 'm', type: 'multiselect', options }), ['red'])).toEqual(['red']);
  });
});

describe('selectFieldsToAsk', () => {
  const fields = [
    field({ id: 'company_name', type: 'text', required: true }),
    field({ id: 'job_title', type: 'text', required: true }),
    field({ id: 'newsletter', type: 'checkbox' }),
  ];

  it('asks the claimed required fields and every optional one', () => {
    expect(selectFieldsToAsk(fields, ['job_title']).map((f) => f.id)).toEqual(['job_title', 'newsletter']);
  });

  it('asks every field without a claim', () => {
    expect(selectFieldsToAsk(fields, undefined).map((f) => f.id)).toEqual(['company_name', 'job_title', 'newsletter']);
  });
});
