import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createContinueTokenSigner, toProfileClaim } from '../../../server/tokens/continue-token.js';
import { CONTINUE_SECRET, NOW_SECONDS, frozenClock } from '../support/fixtures.js';

const signer = createContinueTokenSigner({ secret: CONTINUE_SECRET, ttl: 120, clock: frozenClock() });

describe('createContinueTokenSigner', () => {
  it('signs an HS256 token with typ JWT and the claims /continue needs', async () => {
    const token = await signer.sign({ sub: 'auth0|user-1', state: 'abc&def' });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims).toEqual({
      iss: 'progressive-profile', sub: 'auth0|user-1', iat: NOW_SECONDS, exp: NOW_SECONDS + 120, jti: expect.any(String), state: 'abc&def',
    });
    await expect(jwtVerify(token, new TextEncoder().encode(CONTINUE_SECRET), { algorithms: ['HS256'], currentDate: new Date(NOW_SECONDS * 1000) })).resolves.toBeDefined();
  });

  it("carries T1's jti when given one", async () => {
    expect(decodeJwt(await signer.sign({ sub: 'u', state: 's', jti: 'login-4f2a' })).jti).toBe('login-4f2a');
  });

  it('gives every token without a T1 jti its own', async () => {
    const [first, second] = await Promise.all([signer.sign({ sub: 'u', state: 's' }), signer.sign({ sub: 'u', state: 's' })]);
    expect(decodeJwt(first).jti).not.toBe(decodeJwt(second).jti);
  });

  it('marks a skip and carries a profile only when given one', async () => {
    expect(decodeJwt(await signer.sign({ sub: 'u', state: 's', skipped: true }))).toMatchObject({ skipped: true });
    expect(decodeJwt(await signer.sign({ sub: 'u', state: 's' }))).not.toHaveProperty('profile');
    const profile = toProfileClaim({ user_metadata: { company_name: 'Acme' } });
    expect(decodeJwt(await signer.sign({ sub: 'u', state: 's', profile })).profile).toEqual({
      user_metadata: { company_name: 'Acme' }, app_metadata: {},
    });
  });
});
