import { describe, expect, it } from 'vitest';
import { RequestError } from '../../../server/http/errors.js';
import { createSessionTokenVerifier } from '../../../server/tokens/session-token.js';
import { CUSTOM_DOMAIN, NOW_SECONDS, SESSION_SECRET, TENANT, frozenClock, mintSessionToken, unsignedToken } from '../support/fixtures.js';

const verifier = createSessionTokenVerifier({
  secret: SESSION_SECRET,
  hosts: [TENANT, CUSTOM_DOMAIN],
  maxSessionTtl: 3600,
  clock: frozenClock(),
});

async function refusalCode(token: string): Promise<string> {
  try {
    await verifier.verify(token);
  } catch (error) {
    if (error instanceof RequestError) return `${error.statusCode} ${error.code}`;
    throw error;
  }
  throw new Error('the token was accepted');
}

describe('createSessionTokenVerifier', () => {
  it('returns the claims and the configured host the token names', async () => {
    const token = await mintSessionToken({ jti: 'nonce-1', fields: ['company_name'], email_hint: 'a***@example.com' });
    await expect(verifier.verify(token)).resolves.toEqual({
      claims: {
        sub: 'auth0|user-1', iss: TENANT.host, iat: NOW_SECONDS, exp: NOW_SECONDS + 900,
        jti: 'nonce-1', fields: ['company_name'], email_hint: 'a***@example.com',
      },
      host: TENANT,
    });
  });

  it('matches a token issued on the custom domain to that host', async () => {
    const { host } = await verifier.verify(await mintSessionToken({ iss: CUSTOM_DOMAIN.host }));
    expect(host).toEqual(CUSTOM_DOMAIN);
  });

  it('accepts a token a few seconds past exp, within the clock tolerance', async () => {
    await expect(verifier.verify(await mintSessionToken({}, { iat: NOW_SECONDS - 904, expiresIn: 900 }))).resolves.toBeDefined();
  });

  it('refuses an expired token as session_expired', async () => {
    expect(await refusalCode(await mintSessionToken({}, { iat: NOW_SECONDS - 906, expiresIn: 900 }))).toBe('401 session_expired');
  });

  it('refuses a session token signed with another secret', async () => {
    expect(await refusalCode(await mintSessionToken({}, { secret: 'another-secret-0123456789-abcdefghijklmn' }))).toBe('401 invalid_session');
  });

  it('refuses alg none', async () => {
    expect(await refusalCode(unsignedToken({ sub: 'auth0|user-1', iss: TENANT.host, iat: NOW_SECONDS, exp: NOW_SECONDS + 900 }))).toBe(
      '401 invalid_session',
    );
  });

  it('refuses HS512 even with the right secret', async () => {
    expect(await refusalCode(await mintSessionToken({}, { alg: 'HS512' }))).toBe('401 invalid_session');
  });

  it.each(['sub', 'iat', 'exp', 'iss'])('refuses a token without %s', async (claim) => {
    expect(await refusalCode(await mintSessionToken({}, { omit: [claim] }))).toBe('401 invalid_session');
  });

  it('refuses a token issued by a host that is not configured', async () => {
    expect(await refusalCode(await mintSessionToken({ iss: 'evil.example.com' }))).toBe('401 invalid_session');
  });

  it('refuses an iss in URL form, since Actions put the bare host there', async () => {
    expect(await refusalCode(await mintSessionToken({ iss: `https://${TENANT.host}/` }))).toBe('401 invalid_session');
  });

  it('refuses a lifetime over MAX_SESSION_TTL', async () => {
    expect(await refusalCode(await mintSessionToken({}, { expiresIn: 3601 }))).toBe('401 invalid_session');
  });

  it('refuses a token that is not valid yet (nbf)', async () => {
    expect(await refusalCode(await mintSessionToken({ nbf: NOW_SECONDS + 60 }))).toBe('401 invalid_session');
  });

  it('refuses a token issued in the future', async () => {
    expect(await refusalCode(await mintSessionToken({}, { iat: NOW_SECONDS + 60 }))).toBe('401 invalid_session');
  });

  it('refuses a fields claim that is not an array of strings', async () => {
    expect(await refusalCode(await mintSessionToken({ fields: 'company_name' }))).toBe('401 invalid_session');
    expect(await refusalCode(await mintSessionToken({ fields: [1] }))).toBe('401 invalid_session');
  });

  it('refuses garbage', async () => {
    expect(await refusalCode('not-a-jwt')).toBe('401 invalid_session');
  });

  it('carries allow_skip and lang, the language tag in its canonical form', async () => {
    const { claims } = await verifier.verify(await mintSessionToken({ allow_skip: false, lang: 'es-mx' }));
    expect(claims).toMatchObject({ allow_skip: false, lang: 'es-MX' });
  });

  it('drops a lang that is not a language tag rather than refusing the login', async () => {
    for (const lang of ['', 'not a tag', 'x'.repeat(40), 'en_US']) {
      expect((await verifier.verify(await mintSessionToken({ lang }))).claims).not.toHaveProperty('lang');
    }
  });

  it.each([
    ['allow_skip', 'no'],
    ['allow_skip', 0],
    ['lang', ['en']],
    ['lang', 5],
  ])('refuses %s of the wrong type (%j) as invalid_session', async (claim, value) => {
    expect(await refusalCode(await mintSessionToken({ [claim]: value }))).toBe('401 invalid_session');
  });
});
