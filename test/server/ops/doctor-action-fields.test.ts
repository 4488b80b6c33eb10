// The comparison behind the doctor's "Action fields" line: the Action's lists (parsed by
// rule/action.js's own parseFieldList) against a form definition. Consent and password fields are
// built here directly: the fields file learns them with revision 2's field work.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { FieldDefinition, FormDefinition } from '../../../common/wire.js';
import type { ActionField, ActionSettings } from '../../../server/ops/doctor/action-files.js';
import { compareFieldLists, formatEntry } from '../../../server/ops/doctor/action-fields.js';

const { parseFieldList } = createRequire(import.meta.url)('../../../rule/action.js') as {
  parseFieldList(text: string | undefined): { fields: ActionField[]; problem?: string };
};

function list(text: string | undefined): ActionField[] {
  const { fields, problem } = parseFieldList(text);
  expect(problem).toBeUndefined();
  return fields;
}

function settings(lists: { required?: string; optional?: string; byClient?: Record<string, string>; databaseConnection?: string }): ActionSettings {
  return {
    requiredFields: list(lists.required),
    optionalFields: list(lists.optional),
    fieldsByClient: new Map(Object.entries(lists.byClient ?? {}).map(([clientId, text]) => [clientId, list(text)])),
    databaseConnection: lists.databaseConnection,
  };
}

function field(id: string, extra: Partial<FieldDefinition> = {}): FieldDefinition {
  return { id, label: id, type: 'text', required: true, target: 'user_metadata', unique: false, ...extra };
}

const TERMS = field('terms', { type: 'consent', target: 'app_metadata', version: '2026-11', policy_url: 'https://example.com/terms' });
const FORM: FormDefinition = {
  fields: [field('company_name'), field('job_title'), TERMS, field('phone', { type: 'tel', required: false })],
  allow_skip: false,
};

function messages(lists: Parameters<typeof settings>[0], form: FormDefinition = FORM, isActionWriting = false): string[] {
  return compareFieldLists(settings(lists), form, isActionWriting).map((problem) => problem.message);
}

describe('compareFieldLists', () => {
  it('finds nothing wrong when every listed id is a field stored where the Action looks, the consent at its version', () => {
    expect(messages({ required: 'company_name, job_title, app_metadata:terms@2026-11', optional: 'phone' })).toEqual([]);
  });

  it('names a consent listed at another version than the form’s', () => {
    const problems = compareFieldLists(settings({ required: 'app_metadata:terms@2026-01' }), FORM, false);
    expect(problems).toEqual([
      {
        message: 'PROFILE_FIELDS lists app_metadata:terms@2026-01, but the form\'s consent "terms" is version 2026-11',
        fix: 'write it as app_metadata:terms@2026-11 in PROFILE_FIELDS (a new version asks everyone again), or change the field\'s "version"',
      },
    ]);
  });

  it('names a consent listed without its version, and a version on a field that is no consent', () => {
    expect(messages({ required: 'app_metadata:terms, company_name@v1' })).toEqual([
      'PROFILE_FIELDS lists app_metadata:terms without the consent\'s version (the form\'s is 2026-11)',
      'PROFILE_FIELDS lists company_name@v1 with a version, but the form\'s "company_name" is a text field, not a consent',
    ]);
  });

  it('names a consent the Action keeps in user_metadata while the form stores it in app_metadata', () => {
    expect(messages({ required: 'terms@2026-11' })).toEqual(['PROFILE_FIELDS lists terms@2026-11, but the form stores "terms" in app_metadata']);
  });

  it('checks every application’s list and the optional one, naming where each entry is', () => {
    expect(messages({ required: 'company_name', byClient: { 'demo-app': 'company_name,department' }, optional: 'app_metadata:phone' })).toEqual([
      'PROFILE_FIELDS_BY_CLIENT["demo-app"] lists department, which the form does not define',
      'PROFILE_OPTIONAL_FIELDS lists app_metadata:phone, but the form stores "phone" in user_metadata',
    ]);
  });

  it('names an optional field whose value the Action would drop when it writes the metadata itself', () => {
    expect(messages({ required: 'company_name,job_title' }, FORM, true)).toEqual([
      'the form\'s optional field "phone" is not in PROFILE_OPTIONAL_FIELDS, so the Action drops its value (without AUTH0_CLIENT_ID the Action writes the metadata)',
    ]);
    expect(messages({ required: 'company_name,job_title' }, FORM, false)).toEqual([]);
    expect(messages({ required: 'company_name,job_title', optional: 'phone' }, FORM, true)).toEqual([]);
  });

  it('asks for a password field when PROFILE_DATABASE_CONNECTION is set, and for the connection when the form has one', () => {
    const linking: FormDefinition = { fields: [...FORM.fields, field('password', { type: 'password' }), field('username', { target: 'app_metadata' })], allow_skip: false };
    expect(messages({ required: 'company_name', databaseConnection: 'Username-Password-Authentication' }, FORM)).toEqual([
      'PROFILE_DATABASE_CONNECTION is set, but the form has no password field to link a Username-Password-Authentication identity with',
    ]);
    // The username belongs to the new identity: where the form stores it does not matter to the Action.
    expect(messages({ required: 'company_name,username', databaseConnection: 'Username-Password-Authentication' }, linking)).toEqual([]);
    expect(messages({ required: 'company_name' }, linking)).toEqual([
      'the form has a password field, but PROFILE_DATABASE_CONNECTION is not set, so the Action never asks for it',
    ]);
  });

  it('names a form linking identities in another connection than PROFILE_DATABASE_CONNECTION', () => {
    const linking = {
      fields: [...FORM.fields, field('password', { type: 'password' })],
      allow_skip: false,
      link_database_identity: { connection: 'customers' },
    } as FormDefinition;
    expect(messages({ required: 'company_name', databaseConnection: 'Username-Password-Authentication' }, linking)).toEqual([
      'PROFILE_DATABASE_CONNECTION is Username-Password-Authentication, but the form links identities in customers',
    ]);
  });

  it('writes entries as the Action’s lists do', () => {
    expect([TERMS, field('company_name')].map((definition) => formatEntry({ ...definition, version: definition.version }))).toEqual([
      'app_metadata:terms@2026-11',
      'company_name',
    ]);
  });
});
