// Hostile request bodies on /submit and /skip: each answers the exact refusal and writes nothing;
// hostile text that the rules allow is stored exactly as text.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { createManagementWriter } from '../../server/upstream/management-writer.js';
import { parseFormDefinition } from '../../server/fields/form-definition.js';
import { CLIENT_ID, CLIENT_SECRET, makeUser, startManagementEmulator, type RunningEmulator } from '../support/management-emulator.js';
import { mintSessionToken, testConfig, testForm } from '../server/support/fixtures.js';
import { buildTestApp, closeApps, expectRefusal, postJson, submitBody } from './support.js';

afterEach(closeApps);

/** Own keys of Object.prototype, to prove a body added none. */
const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort();
const PROTOTYPE_KEYS_BEFORE = prototypeKeys();

function expectNoPollution(): void {
  expect(prototypeKeys()).toEqual(PROTOTYPE_KEYS_BEFORE);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
}

async function sendRaw(payload: string, contentType = 'application/json', url = '/submit') {
  const { app, writer } = buildTestApp();
  const response = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });
  return { response, writer };
}

describe('request shape', () => {
  it.each([
    ['truncated JSON', '{"state":"s","session_token":"t"'],
    ['a trailing comma', '{"state":"s",}'],
    ['single quotes', "{'state':'s'}"],
    ['an empty body', ''],
    ['a bare string', '"state"'],
    ['an array', '[]'],
    ['null', 'null'],
  ])('answers 400 invalid_request for %s', async (_name, payload) => {
    const { response, writer } = await sendRaw(payload);
    expectRefusal(response, 400, 'invalid_request');
    expect(writer.writes).toEqual([]);
  });

  it('answers 413 invalid_request for a body over 1 MB', async () => {
    const body = JSON.stringify({ ...(await submitBody()), values: { company_name: 'x'.repeat(1024 * 1024 + 1) } });
    const { response, writer } = await sendRaw(body);
    expectRefusal(response, 413, 'invalid_request');
    expect(writer.writes).toEqual([]);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json-patch+json'])(
    'answers 415 invalid_request for Content-Type %s',
    async (contentType) => {
      const { response, writer } = await sendRaw(JSON.stringify(await submitBody()), contentType);
      expectRefusal(response, 415, 'invalid_request');
      expect(writer.writes).toEqual([]);
    },
  );

  it('accepts JSON whatever the case and charset parameter of its Content-Type', async () => {
    const { response, writer } = await sendRaw(JSON.stringify(await submitBody()), 'Application/JSON; charset=utf-8');
    expect(response.statusCode).toBe(200);
    expect(writer.writes).toHaveLength(1);
  });
});

describe('prototype pollution', () => {
  it.each([
    ['__proto__ at the top level', (body: object) => `{"__proto__":{"polluted":true,"isAdmin":true},${JSON.stringify(body).slice(1)}`],
    ['constructor.prototype at the top level', (body: object) => `{"constructor":{"prototype":{"polluted":true}},${JSON.stringify(body).slice(1)}`],
    ['__proto__ inside values', (body: object) => JSON.stringify(body).replace('"values":{', '"values":{"__proto__":{"polluted":true},')],
    ['constructor.prototype inside values', (body: object) => JSON.stringify(body).replace('"values":{', '"values":{"constructor":{"prototype":{"polluted":true}},')],
    ['__proto__ nested in a value', (body: object) => JSON.stringify(body).replace('"company_name":"Acme"', '"company_name":{"__proto__":{"polluted":true}}')],
  ])('answers 400 invalid_request for %s and pollutes nothing', async (_name, build) => {
    const { response, writer } = await sendRaw(build(await submitBody()));
    expectRefusal(response, 400, 'invalid_request');
    expect(writer.writes).toEqual([]);
    expectNoPollution();
  });

  it.each(['__proto__', 'constructor', 'prototype'])('answers 400 invalid_request for a %s field id as a plain string value', async (key) => {
    const raw = JSON.stringify(await submitBody()).replace('"values":{', `"values":{"${key}":"x",`);
    const { response, writer } = await sendRaw(raw);
    expectRefusal(response, 400, 'invalid_request');
    expect(writer.writes).toEqual([]);
    expectNoPollution();
  });

  it('ignores a top-level prototype key (it is no field) and pollutes nothing', async () => {
    const raw = `{"prototype":{"polluted":true},${JSON.stringify(await submitBody()).slice(1)}`;
    const { response, writer } = await sendRaw(raw);
    expect(response.statusCode).toBe(200);
    expect(writer.writes[0]?.patch).toEqual({ user_metadata: { company_name: 'Acme', job_title: 'CTO' } });
    expectNoPollution();
  });
});

describe('field ids and value types', () => {
  it.each([
    ['an unknown id', { company_name: 'Acme', job_title: 'CTO', role: 'admin' }],
    ['a metadata path as an id', { company_name: 'Acme', job_title: 'CTO', 'app_metadata.roles': 'admin' }],
    ['a Mongo operator as an id', { company_name: 'Acme', job_title: 'CTO', $set: 'x' }],
    ['state as an id', { company_name: 'Acme', job_title: 'CTO', state: 'x' }],
    ['a number for a text field', { company_name: 42, job_title: 'CTO' }],
    ['an array for a text field', { company_name: ['Acme'], job_title: 'CTO' }],
    ['an object for a text field', { company_name: { toString: 'Acme' }, job_title: 'CTO' }],
    ['a boolean for a text field', { company_name: true, job_title: 'CTO' }],
    ['a string for a number field', { company_name: 'Acme', job_title: 'CTO', age: '42' }],
    ['a string for a checkbox', { company_name: 'Acme', job_title: 'CTO', newsletter: 'true' }],
    ['a number for a checkbox', { company_name: 'Acme', job_title: 'CTO', newsletter: 1 }],
  ])('answers 400 invalid_request for %s', async (_name, values) => {
    const { app, writer } = buildTestApp();
    expectRefusal(await postJson(app, '/submit', await submitBody({ values })), 400, 'invalid_request');
    expect(writer.writes).toEqual([]);
  });

  it('answers 400 invalid_request for values that are not an object', async () => {
    const { app, writer } = buildTestApp();
    for (const values of [null, [], 'Acme', 1]) {
      expectRefusal(await postJson(app, '/submit', { ...(await submitBody()), values }), 400, 'invalid_request');
    }
    expect(writer.writes).toEqual([]);
  });

  it('answers 400 invalid_request for a number too large to be finite', async () => {
    const raw = JSON.stringify(await submitBody({ values: { company_name: 'Acme', job_title: 'CTO', age: 0 } })).replace('"age":0', '"age":1e400');
    const { response, writer } = await sendRaw(raw);
    expectRefusal(response, 400, 'invalid_request');
    expect(writer.writes).toEqual([]);
  });

  it.each([
    ['a state that is not a string', { state: 42 }],
    ['an empty state', { state: '' }],
    ['a state over 2048 characters', { state: 's'.repeat(2049) }],
    ['a state with a lone surrogate', { state: 'a\ud800b' }],
    ['a session_token that is not a string', { session_token: ['a.b.c'] }],
  ])('answers 400 invalid_request for %s', async (_name, overrides) => {
    const { app, writer } = buildTestApp();
    expectRefusal(await postJson(app, '/submit', { ...(await submitBody()), ...overrides }), 400, 'invalid_request');
    expect(writer.writes).toEqual([]);
  });
});

describe('values the rules refuse', () => {
  it('answers 422 too_long for a value one code point over maxLength, counting astral characters once', async () => {
    const { app, writer } = buildTestApp();
    const tooLong = await postJson(app, '/submit', await submitBody({ values: { company_name: '😀'.repeat(101), job_title: 'CTO' } }));
    expectRefusal(tooLong, 422, 'invalid_fields');
    expect(tooLong.json().fields).toEqual({ company_name: 'too_long' });
    const exact = await postJson(app, '/submit', await submitBody({ values: { company_name: '😀'.repeat(100), job_title: 'CTO' } }));
    expect(exact.statusCode).toBe(200);
    expect(writer.writes).toHaveLength(1);
  });

  it.each([
    ['NUL', 'Acme\u0000Corp'],
    ['CR LF', 'Acme\r\nSet-Cookie: x=1'],
    ['a lone LF', 'Acme\nCorp'],
    ['a tab', 'Acme\tCorp'],
    ['ESC (terminal escapes)', 'Acme\u001b[31mCorp'],
    ['DEL', 'Acme\u007fCorp'],
    ['NEL (U+0085)', 'Acme\u0085Corp'],
    ['LINE SEPARATOR (U+2028)', 'Acme\u2028Corp'],
    ['PARAGRAPH SEPARATOR (U+2029)', 'Acme\u2029Corp'],
  ])('answers 422 invalid_format for a value holding %s', async (_name, company_name) => {
    const { app, writer } = buildTestApp();
    const response = await postJson(app, '/submit', await submitBody({ values: { company_name, job_title: 'CTO' } }));
    expectRefusal(response, 422, 'invalid_fields');
    expect(response.json().fields).toEqual({ company_name: 'invalid_format' });
    expect(writer.writes).toEqual([]);
  });

  it('stores a value without the surrounding whitespace and line breaks it was sent with', async () => {
    const { app, writer } = buildTestApp();
    const response = await postJson(app, '/submit', await submitBody({ values: { company_name: '\r\n Acme \u2028', job_title: 'CTO' } }));
    expect(response.statusCode).toBe(200);
    expect(writer.writes[0]?.patch.user_metadata?.company_name).toBe('Acme');
  });

  it.each([
    ['upper case', 'ABC'],
    ['a trailing newline (the pattern is anchored to the whole value)', 'abc\nABC'],
    ['a non-ASCII letter', 'abcé'],
    ['an alternation escape attempt', 'abc|ABC'],
  ])('answers 422 for a nickname crafted against its pattern: %s', async (_name, nickname) => {
    const { app, writer } = buildTestApp();
    const response = await postJson(app, '/submit', await submitBody({ values: { ...{ company_name: 'Acme', job_title: 'CTO' }, nickname } }));
    expectRefusal(response, 422, 'invalid_fields');
    expect(['pattern', 'invalid_format']).toContain(response.json().fields.nickname);
    expect(writer.writes).toEqual([]);
  });

  it('refuses an option the select does not offer, even one differing only by case or spaces', async () => {
    const { app, writer } = buildTestApp();
    for (const plan of ['PRO', 'enterprise', 'pro\u0000', 'constructor']) {
      const response = await postJson(app, '/submit', await submitBody({ values: { company_name: 'Acme', job_title: 'CTO', plan } }));
      expectRefusal(response, 422, 'invalid_fields');
    }
    expect(writer.writes).toEqual([]);
  });
});

describe('patterns against catastrophic backtracking (ReDoS)', () => {
  const EVIL_FORM = {
    fields: [
      { id: 'code', label: 'Code', type: 'text', required: true, maxLength: 1000, pattern: '(a+)+$' },
      { id: 'tag', label: 'Tag', type: 'text', maxLength: 1000, pattern: '(a|a)*b' },
      { id: 'digits', label: 'Digits', type: 'text', maxLength: 1000, pattern: '\\d*\\d*\\d*\\d*x' },
      { id: 'mail', label: 'Mail', type: 'email', maxLength: 1000 },
    ],
  };

  it('answers an evil input to a catastrophic pattern at once, matching in linear time', async () => {
    const { app, writer } = buildTestApp({ form: parseFormDefinition(EVIL_FORM, { hasManagementCredentials: true }) });
    const evil = { code: `${'a'.repeat(999)}!`, tag: 'a'.repeat(1000), digits: '1'.repeat(1000), mail: `${'a'.repeat(500)}@${'b.'.repeat(249)}` };
    // Warm up (compilation, JIT), then measure the validation of all four evil values.
    await postJson(app, '/submit', await submitBody({ values: { code: 'aaa' } }));
    const started = performance.now();
    const response = await postJson(app, '/submit', await submitBody({ values: evil }));
    const elapsed = performance.now() - started;
    expectRefusal(response, 422, 'invalid_fields');
    expect(response.json().fields).toEqual({ code: 'pattern', tag: 'pattern', digits: 'pattern', mail: 'invalid_format' });
    // A backtracking matcher never finishes these (2^999 paths for the first); the linear one takes a
    // few milliseconds. The bound sits far from both, so a busy machine cannot fail it.
    expect(elapsed).toBeLessThan(1_000);
    expect(writer.writes).toHaveLength(1);
  });

  it('still accepts what a catastrophic pattern matches', async () => {
    const { app, writer } = buildTestApp({ form: parseFormDefinition(EVIL_FORM, { hasManagementCredentials: true }) });
    const response = await postJson(app, '/submit', await submitBody({ values: { code: 'a'.repeat(1000), tag: 'aaab', digits: '12x' } }));
    expect(response.statusCode).toBe(200);
    expect(writer.writes[0]?.patch.user_metadata).toEqual({ code: 'a'.repeat(1000), tag: 'aaab', digits: '12x' });
  });

  it.each([
    ['a backreference', '(a)\\1'],
    ['a lookahead', '(?=a)a+'],
    ['a lookbehind', '(?<=a)b'],
  ])('refuses at start a pattern with %s, which has no linear-time match', (_name, pattern) => {
    expect(() =>
      parseFormDefinition({ fields: [{ id: 'code', label: 'Code', type: 'text', maxLength: 10, pattern }] }, { hasManagementCredentials: true }),
    ).toThrow(/linear time/);
  });

  it('understands JavaScript \\u escapes in a pattern', async () => {
    const form = parseFormDefinition(
      { fields: [{ id: 'code', label: 'Code', type: 'text', required: true, maxLength: 10, pattern: '\\u00e9+\\u{1F600}?' }] },
      { hasManagementCredentials: true },
    );
    const { app } = buildTestApp({ form });
    expect((await postJson(app, '/submit', await submitBody({ values: { code: 'éé😀' } }))).statusCode).toBe(200);
    expectRefusal(await postJson(app, '/submit', await submitBody({ values: { code: 'e' } })), 422, 'invalid_fields');
  });
});

describe('script and HTML in values', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startManagementEmulator({ users: [makeUser('auth0|user-1')] });
  });
  afterAll(() => emulator.close());

  const HOSTILE = {
    company_name: '<script>alert(document.cookie)</script>',
    job_title: '"><img src=x onerror=alert(1)>',
    nickname: undefined,
  };

  it('accepts markup as plain text and stores it byte for byte in the user metadata', async () => {
    // The real clock: the writer's deadline and the emulator run on it.
    const app = buildApp(testConfig({ tenant: emulator.tenant, customDomain: undefined, form: testForm() }), {
      profileWriter: createManagementWriter({ tenant: emulator.tenant, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }),
    });
    try {
      const values = { company_name: HOSTILE.company_name, job_title: HOSTILE.job_title, plan: 'pro' };
      const response = await postJson(app, '/submit', {
        state: 's',
        session_token: await mintSessionToken({ iss: emulator.tenant.host }, { iat: Math.floor(Date.now() / 1000) }),
        values,
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      const user = emulator.users.get('auth0|user-1');
      expect(user?.user_metadata).toEqual({ company_name: HOSTILE.company_name, job_title: HOSTILE.job_title });
      expect(user?.app_metadata).toEqual({ plan: 'pro' });
    } finally {
      await app.close();
    }
  });
});
