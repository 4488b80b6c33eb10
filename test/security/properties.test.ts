// Property tests with random input: whatever arrives, the answer is one of the contract's codes
// (never a 500), and nothing is written unless the input was valid.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFieldValue, normalizeValue } from '../../common/field-rules.js';
import type { FieldValue } from '../../common/wire.js';
import { CUSTOM_DOMAIN, TENANT } from '../server/support/fixtures.js';
import { CONTRACT_ERRORS, NOW_SECONDS, buildTestApp, closeApps, forgeToken, mintSessionToken, postJson, type TestApp } from './support.js';

const VALID_VALUES = { company_name: 'Acme', job_title: 'CTO' };
const RUNS = { numRuns: 150 };

let subject: TestApp;
beforeAll(() => {
  subject = buildTestApp();
});
afterAll(closeApps);

/** Asserts the answer is a success or one of CONTRACT's errors with its status; answers the status. */
function expectContractAnswer(response: { statusCode: number; json(): any }): number {
  const body = response.json();
  if (response.statusCode === 200) {
    expect(typeof body.continue_url).toBe('string');
    expect(typeof body.session_token).toBe('string');
  } else {
    expect(CONTRACT_ERRORS[body.error as string]).toContain(response.statusCode);
    expect(typeof body.message).toBe('string');
  }
  return response.statusCode;
}

// Values shaped like JSON, with the field ids and hostile keys mixed in.
const key = fc.oneof(
  fc.constantFrom('company_name', 'job_title', 'nickname', 'plan', 'age', 'newsletter', '__proto__', 'constructor', 'prototype', 'toString'),
  fc.string({ maxLength: 12 }),
);
const scalar = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom('pro', 'free', '', '   ', 'abc', 'ABC', '\u0000', 'a\u2028b'),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.oneof({ weight: 5, arbitrary: scalar }, fc.array(scalar, { maxLength: 3 }), fc.dictionary(key, scalar, { maxKeys: 3 }));
const values = fc.oneof({ weight: 4, arbitrary: fc.dictionary(key, value, { maxKeys: 6 }) }, value);

describe('random request bodies', () => {
  it('answers every random JSON body with a contract code and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom('state', 'session_token', 'values', '__proto__'), fc.jsonValue())), async (body) => {
        const before = subject.writer.writes.length;
        const status = expectContractAnswer(await postJson(subject.app, '/submit', JSON.stringify(body), { 'content-type': 'application/json' }));
        // No random body carries a valid T1.
        expect(status).not.toBe(200);
        expect(subject.writer.writes.length).toBe(before);
      }),
      RUNS,
    );
  });

  it('writes random values only when every written value passes its field rules', async () => {
    const fieldsById = new Map(subject.config.form.fields.map((field) => [field.id, field]));
    await fc.assert(
      fc.asyncProperty(values, fc.boolean(), async (randomValues, withRequired) => {
        const submitted = withRequired && typeof randomValues === 'object' && randomValues !== null && !Array.isArray(randomValues)
          ? { ...VALID_VALUES, ...randomValues }
          : randomValues;
        const before = subject.writer.writes.length;
        const response = await postJson(subject.app, '/submit', { state: 's', session_token: await mintSessionToken(), values: submitted });
        const status = expectContractAnswer(response);
        expect([200, 400, 422]).toContain(status);
        const written = subject.writer.writes.slice(before);
        if (status !== 200) {
          expect(written).toEqual([]);
          return;
        }
        expect(written).toHaveLength(1);
        for (const [target, metadata] of Object.entries(written[0]!.patch)) {
          for (const [id, stored] of Object.entries(metadata as Record<string, FieldValue>)) {
            const field = fieldsById.get(id)!;
            expect(field.target).toBe(target);
            expect(checkFieldValue(field, stored)).toBeNull();
            expect(stored).toEqual(normalizeValue((submitted as Record<string, FieldValue>)[id]));
          }
        }
      }),
      RUNS,
    );
  });
});

describe('random session tokens', () => {
  it('answers every random string as a token with 400 or 401 and writes nothing', async () => {
    const tokenLike = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((parts) => parts.join('.').replace(/=/g, '')),
      fc.tuple(fc.string(), fc.string()).map(([a, b]) => `${Buffer.from(a).toString('base64url')}.${Buffer.from(b).toString('base64url')}.`),
    );
    await fc.assert(
      fc.asyncProperty(tokenLike, async (token) => {
        const before = subject.writer.writes.length;
        const response = await postJson(subject.app, '/submit', { state: 's', session_token: token, values: VALID_VALUES });
        expect([400, 401]).toContain(expectContractAnswer(response));
        expect(subject.writer.writes.length).toBe(before);
      }),
      RUNS,
    );
  });

  // What CONTRACT accepts, written independently of server/session-token.ts.
  function isAcceptable(claims: Record<string, unknown>): boolean {
    const now = NOW_SECONDS;
    const { sub, iss, iat, exp, nbf, jti, fields, email_hint } = claims;
    return (
      typeof sub === 'string' && sub !== '' &&
      (iss === TENANT.host || iss === CUSTOM_DOMAIN.host) &&
      typeof iat === 'number' && iat <= now + 5 &&
      typeof exp === 'number' && exp > now - 5 && exp - iat <= 3600 &&
      (nbf === undefined || (typeof nbf === 'number' && nbf <= now + 5)) &&
      (jti === undefined || (typeof jti === 'string' && jti !== '')) &&
      (fields === undefined || (Array.isArray(fields) && fields.every((id) => typeof id === 'string'))) &&
      (email_hint === undefined || typeof email_hint === 'string')
    );
  }

  const time = fc.oneof(
    fc.integer({ min: NOW_SECONDS - 8000, max: NOW_SECONDS + 8000 }),
    fc.constantFrom(NOW_SECONDS, NOW_SECONDS - 5, NOW_SECONDS - 6, NOW_SECONDS + 5, NOW_SECONDS + 6, NOW_SECONDS + 3600),
  );
  const anything = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }));
  const claimSet = fc.record(
    {
      sub: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('auth0|user-1', 'google-oauth2|42') }, fc.constant(''), anything),
      iss: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(TENANT.host, CUSTOM_DOMAIN.host) }, fc.constantFrom('progressive-profile', 'evil.example', `https://${TENANT.host}/`), anything),
      iat: fc.oneof({ weight: 4, arbitrary: time }, anything),
      exp: fc.oneof({ weight: 4, arbitrary: time }, anything),
      nbf: fc.oneof(time, anything),
      jti: fc.oneof({ weight: 3, arbitrary: fc.uuid() }, anything),
      fields: fc.oneof(fc.array(fc.constantFrom('company_name', 'job_title', 'nickname', 'unknown'), { maxLength: 3 }), anything),
      email_hint: fc.oneof(fc.constant('a***@example.com'), anything),
    },
    { requiredKeys: [] },
  );

  it('accepts a random claim set signed with the right secret exactly when CONTRACT does, writing only then', async () => {
    await fc.assert(
      fc.asyncProperty(claimSet, async (claims) => {
        const before = subject.writer.writes.length;
        const token = forgeToken({ alg: 'HS256', typ: 'JWT' }, claims);
        const response = await postJson(subject.app, '/submit', { state: 's', session_token: token, values: VALID_VALUES });
        const status = expectContractAnswer(response);
        if (isAcceptable(claims)) {
          // A random jti may repeat across runs only by astronomic chance; a repeated absent jti is hashed with the whole token.
          expect([200, 409]).toContain(status);
          // Required fields outside a `fields` claim are complete already: nothing of theirs is written.
          const asksSubmitted = !Array.isArray(claims.fields) || claims.fields.some((id) => id in VALID_VALUES);
          if (status === 200) expect(subject.writer.writes.length).toBe(before + (asksSubmitted ? 1 : 0));
        } else {
          expect(status).toBe(401);
          expect(['invalid_session', 'session_expired']).toContain(response.json().error);
          expect(subject.writer.writes.length).toBe(before);
        }
      }),
      { numRuns: 300 },
    );
  });
});
