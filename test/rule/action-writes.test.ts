// What the Action writes from the continue token (T2), and the one log line per redirect and per
// continue that follows a login by its jti. Through the emulator's runtime and the real rule/action.js.
import { describe, expect, it } from 'vitest';
import { useActionHarness } from './action-harness.js';
import { SECRETS, SESSION_SECRET, signContinueToken } from './support.js';

const h = useActionHarness();
// job_title and company_name are required, phone optional, app_metadata:plan optional; tags and
// terms are optional too, to carry a list and a consent record.
const secrets = { ...SECRETS, PROFILE_OPTIONAL_FIELDS: 'phone, app_metadata:plan, tags, app_metadata:terms@2026-11' };
const JTI_LINE = /jti=([0-9a-f-]{36})/;

/** Logs grace in, takes the form's redirect, and answers with `profile`; the pending writes and the log lines. */
async function answerWith(profile: unknown, claims: Record<string, unknown> = {}) {
  const { runtime, transaction, outcome } = await h.logIn('auth0|grace', { secrets });
  const t1 = await h.sessionClaims(outcome);
  const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state, jti: t1.jti, profile, ...claims });
  expect(await h.resume(runtime, transaction, token)).toEqual({ kind: 'complete' });
  return { written: transaction.pendingMetadata, jti: t1.jti as string };
}

function continueLines(): string[] {
  return h.logLines().filter((line) => line.startsWith('progressive-profile: continue '));
}

describe('values written from the continue token', () => {
  it('writes strings of up to 1000 characters, counted as characters', async () => {
    const emoji = '🙂'.repeat(1000);
    const { written } = await answerWith({ user_metadata: { company_name: 'x'.repeat(1000), job_title: emoji } });
    expect(written.user_metadata).toEqual({ company_name: 'x'.repeat(1000), job_title: emoji });
  });

  it('drops a string of 1001 characters, and logs the id only', async () => {
    const long = `${'y'.repeat(1000)}z`;
    h.forbidInLogs(long.slice(0, 50));
    const { written, jti } = await answerWith({ user_metadata: { company_name: long, job_title: 'Admiral' } });
    expect(written.user_metadata).toEqual({ job_title: 'Admiral' });
    expect(continueLines()).toEqual([`progressive-profile: continue jti=${jti} outcome=saved dropped=company_name`]);
  });

  it('never writes a 40,000-character value, nor logs any of it', async () => {
    const huge = 'A'.repeat(40_000);
    h.forbidInLogs('AAAAAAAAAA');
    const { written, jti } = await answerWith({ user_metadata: { job_title: huge, company_name: 'Navy' } });
    expect(written).toEqual({ user_metadata: { company_name: 'Navy' }, app_metadata: {} });
    expect(continueLines()).toEqual([`progressive-profile: continue jti=${jti} outcome=saved dropped=job_title`]);
  });

  it('writes a list of 50 strings and drops one of 51', async () => {
    const fifty = Array.from({ length: 50 }, (_, index) => `tag-${index}`);
    expect((await answerWith({ user_metadata: { tags: fifty } })).written.user_metadata).toEqual({ tags: fifty });
    const { written } = await answerWith({ user_metadata: { tags: [...fifty, 'tag-50'] } });
    expect(written.user_metadata).toEqual({});
    expect(continueLines().at(-1)).toMatch(/ outcome=saved dropped=tags$/);
  });

  it.each([
    ['a list holding a number', ['a', 1]],
    ['a list holding an object', ['a', { b: 'c' }]],
    ['a list holding a string of 1001 characters', ['a', 'b'.repeat(1001)]],
    ['an object', { nested: 'x' }],
    ['null', null],
  ])('drops %s', async (_name, value) => {
    const { written } = await answerWith({ user_metadata: { tags: value, company_name: 'Navy' } });
    expect(written.user_metadata).toEqual({ company_name: 'Navy' });
    expect(continueLines().at(-1)).toMatch(/ outcome=saved dropped=tags$/);
  });

  it('never writes a password, whatever the token carries', async () => {
    h.forbidInLogs('correct horse battery staple');
    const password = 'correct horse battery staple';
    const { runtime, transaction } = await h.logIn('auth0|grace', {
      secrets: { ...secrets, PROFILE_DATABASE_CONNECTION: 'Username-Password-Authentication' },
    });
    const token = await signContinueToken({
      sub: 'auth0|grace',
      state: transaction.state,
      profile: { user_metadata: { password, company_name: 'Navy' }, app_metadata: { password } },
    });
    expect(await h.resume(runtime, transaction, token)).toEqual({ kind: 'complete' });
    expect(transaction.pendingMetadata).toEqual({ user_metadata: { company_name: 'Navy' }, app_metadata: {} });
  });

  it('writes finite numbers and booleans', async () => {
    const { written } = await answerWith({ user_metadata: { company_name: true, phone: 0 }, app_metadata: { plan: -2.5 } });
    expect(written).toEqual({ user_metadata: { company_name: true, phone: 0 }, app_metadata: { plan: -2.5 } });
  });

  it('writes a consent record of exactly {version, accepted_at}', async () => {
    const record = { version: '2026-11', accepted_at: '2026-11-30T09:15:00.000Z' };
    expect((await answerWith({ app_metadata: { terms: record } })).written.app_metadata).toEqual({ terms: record });
  });

  it.each([
    ['a record with one more key', { version: '2026-11', accepted_at: '2026-11-30T09:15:00.000Z', roles: ['admin'] }],
    ['a record whose accepted_at is not an ISO 8601 time', { version: '2026-11', accepted_at: 'yesterday' }],
    ['a record whose accepted_at is a date only', { version: '2026-11', accepted_at: '2026-11-30' }],
    ['a record whose accepted_at is a number', { version: '2026-11', accepted_at: 1_796_030_100_000 }],
    ['a record whose version is a number', { version: 202611, accepted_at: '2026-11-30T09:15:00.000Z' }],
    ['a record whose version is empty', { version: '', accepted_at: '2026-11-30T09:15:00.000Z' }],
    ['a record without a version', { accepted_at: '2026-11-30T09:15:00.000Z' }],
  ])('drops %s', async (_name, record) => {
    const { written } = await answerWith({ app_metadata: { terms: record } });
    expect(written.app_metadata).toEqual({});
    expect(continueLines().at(-1)).toMatch(/ outcome=saved dropped=terms$/);
  });
});

describe('the log lines that follow a login by its jti', () => {
  it('logs one line for the redirect: the jti T1 carries and the ids asked', async () => {
    const { outcome } = await h.logIn('auth0|grace', { secrets });
    const t1 = await h.sessionClaims(outcome);
    expect(h.logLines()).toEqual([`progressive-profile: redirect jti=${String(t1.jti)} fields=company_name,job_title`]);
  });

  it('logs one line for a saved answer, with the jti T2 carries (T1\'s), and no value', async () => {
    h.forbidInLogs('Rear Admiral', 'Navy');
    const { jti } = await answerWith({ user_metadata: { company_name: 'Navy', job_title: 'Rear Admiral' } });
    const lines = h.logLines();
    expect(lines).toHaveLength(2);
    expect(JTI_LINE.exec(lines[0] as string)?.[1]).toBe(jti);
    expect(lines[1]).toBe(`progressive-profile: continue jti=${jti} outcome=saved`);
  });

  it('logs one line for a skip', async () => {
    const { jti } = await answerWith(undefined, { skipped: true });
    expect(continueLines()).toEqual([`progressive-profile: continue jti=${jti} outcome=skipped`]);
  });

  it("logs one line for a refused token, naming Auth0's reason and the jti it claims", async () => {
    const { runtime, transaction } = await h.logIn('auth0|grace', { secrets });
    const forged = await signContinueToken({ sub: 'auth0|grace', state: transaction.state, jti: 'forged-1' }, { secret: SESSION_SECRET });
    expect(await h.resume(runtime, transaction, forged)).toMatchObject({ kind: 'failed', error: 'access_denied' });
    expect(continueLines()).toEqual([
      'progressive-profile: continue jti=forged-1 outcome=refused (invalid_token: The session token is invalid: Failed signature validation)',
    ]);
  });

  it('logs a jti that is not a plain nonce as "-"', async () => {
    const { runtime, transaction } = await h.logIn('auth0|grace', { secrets });
    const token = await signContinueToken({ sub: 'auth0|linus', state: transaction.state, jti: 'a b\nprogressive-profile: fake' });
    expect(await h.resume(runtime, transaction, token)).toMatchObject({ kind: 'failed' });
    expect(continueLines()).toEqual([
      'progressive-profile: continue jti=- outcome=refused (invalid_token: The session token is invalid: The sub claim does not match the user_id.)',
    ]);
  });

  it('logs a verified jti that is not a plain nonce as "-" too', async () => {
    const { written } = await answerWith({ user_metadata: { company_name: 'Navy' } }, { jti: 'x\nprogressive-profile: fake' });
    expect(written.user_metadata).toEqual({ company_name: 'Navy' });
    expect(continueLines()).toEqual(['progressive-profile: continue jti=- outcome=saved']);
  });

  it('logs one line for a token from another issuer', async () => {
    const { runtime, transaction } = await h.logIn('auth0|grace', { secrets });
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state, iss: 'elsewhere', jti: 'j-2' });
    await h.resume(runtime, transaction, token);
    expect(continueLines()).toEqual(['progressive-profile: continue jti=j-2 outcome=refused (wrong_issuer)']);
  });

  it('logs one line, naming the secret and not its value, when the secrets broke after the redirect', async () => {
    const { transaction } = await h.logIn('auth0|grace', { secrets });
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state, jti: 'j-3' });
    const broken = h.runtimeWith({ ...secrets, CONTINUE_TOKEN_SECRET: 'too-short-to-sign' });
    expect(await h.resume(broken, transaction, token)).toEqual({ kind: 'complete' });
    expect(continueLines()).toEqual([
      'progressive-profile: continue jti=j-3 outcome=refused (not configured: CONTINUE_TOKEN_SECRET is shorter than 32 bytes)',
    ]);
    h.forbidInLogs('too-short-to-sign');
  });
});
