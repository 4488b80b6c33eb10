// The revision-2 values through POST /submit: consent, phone numbers, lists, the password of
// account linking, and which fields a token asks for.
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/app.js';
import { parseFormDefinition } from '../../../server/fields/form-definition.js';
import { closeApps, continueClaims, expectError, post, setup, submitBody, track } from '../support/app.js';
import { NOW_SECONDS, RecordingLinker, RecordingWriter, frozenClock, mintSessionToken, testConfig } from '../support/fixtures.js';
import { captureLines } from '../../support/log-lines.js';

afterEach(closeApps);

const POLICY = 'https://example.com/terms';
const FORM = parseFormDefinition(
  {
    fields: [
      { id: 'company_name', label: 'Company', type: 'text', required: true, maxLength: 100 },
      { id: 'terms', label: 'Terms', type: 'consent', required: true, policy_url: POLICY, version: '2026-11' },
      { id: 'marketing', label: 'Marketing', type: 'consent', policy_url: POLICY, version: '1' },
      { id: 'phone', label: 'Phone', type: 'tel', default_country: 'US', countries: ['US', 'CA'] },
      { id: 'topics', label: 'Topics', type: 'multiselect', options: ['api', 'ui', 'ops'], maxItems: 2 },
      { id: 'bio', label: 'Bio', type: 'textarea', maxLength: 200 },
    ],
    allow_skip: true,
  },
  { hasManagementCredentials: true },
);
const LINKING_FORM = parseFormDefinition(
  {
    fields: [
      { id: 'username', label: 'Username', type: 'text', required: true, maxLength: 15 },
      { id: 'password', label: 'Password', type: 'password', required: true, minLength: 8 },
    ],
    link_database_identity: { connection: 'Username-Password-Authentication' },
  },
  { hasManagementCredentials: true },
);
const ISO_NOW = new Date(NOW_SECONDS * 1000).toISOString();
const PASSWORD = 'Correct-Horse-9';
const SHORT_PASSWORD = 'Pw-7xQ';

/** A stream that keeps every log line. */

describe('POST /submit with the revision-2 types (Management API writes)', () => {
  it('stores a ticked consent as {version, accepted_at} by the server\'s clock, and an unticked optional one not at all', async () => {
    const { app, writer, clock } = setup({ form: FORM });
    const values = { company_name: 'Initech', terms: true, marketing: false };
    expect((await post(app, '/submit', await submitBody(values))).statusCode).toBe(200);
    expect(writer.writes[0].patch).toEqual({
      user_metadata: { company_name: 'Initech' },
      app_metadata: { terms: { version: '2026-11', accepted_at: ISO_NOW } },
    });
    clock.advance(90);
    expect((await post(app, '/submit', await submitBody({ ...values, marketing: true }))).statusCode).toBe(200);
    const later = new Date((NOW_SECONDS + 90) * 1000).toISOString();
    expect(writer.writes[1].patch.app_metadata).toEqual({
      terms: { version: '2026-11', accepted_at: later },
      marketing: { version: '1', accepted_at: later },
    });
  });

  it('stores a phone number in E.164, a list as an array and a textarea with its line breaks', async () => {
    const { app, writer } = setup({ form: FORM });
    const values = { company_name: 'Initech', terms: true, phone: '(415) 555-0123', topics: ['ops', 'api'], bio: 'Line one\r\nLine two' };
    expect((await post(app, '/submit', await submitBody(values))).statusCode).toBe(200);
    expect(writer.writes[0].patch.user_metadata).toEqual({
      company_name: 'Initech', phone: '+14155550123', topics: ['ops', 'api'], bio: 'Line one\nLine two',
    });
  });

  it('answers 422 with each new field code, writing nothing', async () => {
    const { app, writer } = setup({ form: FORM });
    const values = { company_name: 'Initech', terms: false, phone: '+44 20 7946 0958', topics: ['api', 'ui', 'ops'] };
    const response = await post(app, '/submit', await submitBody(values));
    expectError(response, 422, 'invalid_fields');
    expect(response.json().fields).toEqual({ terms: 'required', phone: 'invalid_format', topics: 'too_many' });
    expect((await post(app, '/submit', await submitBody({ ...values, terms: true, phone: '', topics: ['api', 'api'] }))).json().fields).toEqual({
      topics: 'invalid_option',
    });
    expect(writer.writes).toEqual([]);
  });

  it.each([
    ['a consent sent as a string', { terms: 'true' }],
    ['a list that is not an array', { topics: 'api' }],
    ['a list of numbers', { topics: [1, 2] }],
  ])('answers 400 for %s, before looking at the session token', async (_case, values) => {
    const { app } = setup({ form: FORM });
    expectError(await post(app, '/submit', { state: 's', session_token: 'not-a-token', values }), 400, 'invalid_request');
  });
});

describe('POST /submit with the revision-2 types (Action writes)', () => {
  it('puts a consent record by the server\'s clock and a phone number in E.164 in T2\'s profile claim', async () => {
    const { app } = setup({ form: FORM, management: undefined }, { withoutWriter: true });
    const values = { company_name: 'Initech', terms: true, phone: '+1 613 555 0123', topics: ['ui'] };
    const response = await post(app, '/submit', await submitBody(values));
    expect(response.statusCode).toBe(200);
    expect((await continueClaims(response)).profile).toEqual({
      user_metadata: { company_name: 'Initech', phone: '+16135550123', topics: ['ui'] },
      app_metadata: { terms: { version: '2026-11', accepted_at: ISO_NOW } },
    });
  });
});

describe('which fields a submit answers', () => {
  it('completes with empty values when the token names no required field this server defines, writing nothing, and warns once per id', async () => {
    const { lines, stream } = captureLines();
    const writer = new RecordingWriter();
    const app = track(buildApp(testConfig({ form: FORM }), { clock: frozenClock(), profileWriter: writer }, { logger: { level: 'info', stream } }));
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await post(app, '/submit', await submitBody({}, { fields: ['vat_number'] }));
      expect(response.statusCode).toBe(200);
    }
    expect(writer.writes).toEqual([]);
    const warnings = lines.filter((line) => line.includes('vat_number'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0])).toMatchObject({ level: 40, field: 'vat_number' });
  });
});

describe('the password of account linking', () => {
  it('is never in the patch, T2, a log line or an error answer', async () => {
    const { lines, stream } = captureLines();
    const writer = new RecordingWriter();
    const linker = new RecordingLinker();
    const config = testConfig({ form: LINKING_FORM });
    const app = track(buildApp(config, { clock: frozenClock(), profileWriter: writer, identityLinker: linker }, { logger: { level: 'trace', stream } }));

    const refused = await post(app, '/submit', await submitBody({ username: 'ada', password: SHORT_PASSWORD }));
    expectError(refused, 422, 'invalid_fields');
    expect(refused.json().fields).toEqual({ password: 'too_short' });
    const accepted = await post(app, '/submit', await submitBody({ username: ' Ada ', password: PASSWORD }));
    expect(accepted.statusCode).toBe(200);
    expect(writer.writes[0].patch).toEqual({ app_metadata: { username: 'ada' } });
    expect(linker.links).toEqual([{ userId: 'auth0|user-1', username: 'ada' }]);

    const texts = [refused.body, accepted.body, JSON.stringify(await continueClaims(accepted)), JSON.stringify(writer.writes), ...lines];
    for (const text of texts) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(SHORT_PASSWORD);
    }
    expect(lines.length).toBeGreaterThan(0);
  });

  it('is not asked, and so never read, once the token no longer names it', async () => {
    const { app, writer, linker } = setup({ form: LINKING_FORM });
    const token = await mintSessionToken({ fields: [] });
    const response = await post(app, '/submit', { state: 's', session_token: token, values: { password: PASSWORD } });
    expect(response.statusCode).toBe(200);
    expect(writer.writes).toEqual([]);
    expect(linker.links).toEqual([]);
  });
});
