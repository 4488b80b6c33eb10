import { describe, expect, it } from 'vitest';
import { isEmptyPatch, parseSubmittedValues, prepareSubmission, type SubmittedValues } from '../../../server/fields/values.js';
import { RequestError } from '../../../server/http/errors.js';
import type { FieldDefinition } from '../../../common/wire.js';
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
