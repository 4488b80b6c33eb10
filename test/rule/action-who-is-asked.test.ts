// Who the Action asks, and when (CONTRACT r2): per application, a few questions at a time,
// versioned consent, snoozes that cover what was asked, skip limits, the user's language, and
// account linking with a database identity. Through the emulator's runtime and the real rule/action.js.
import { describe, expect, it } from 'vitest';
import { applyPendingMetadata, type PostLoginOutcome } from '../../demo/emulator/post-login.js';
import type { EmulatedIdentity } from '../../demo/emulator/user-store.js';
import { useActionHarness, type LoginOptions } from './action-harness.js';
import { SECRETS, signContinueToken } from './support.js';

const h = useActionHarness();
const DAY = 24 * 60 * 60 * 1000;
const DATABASE = 'Username-Password-Authentication';
const GITHUB: EmulatedIdentity = { connection: 'github', provider: 'github', user_id: '4242', isSocial: true };

async function askedFields(outcome: PostLoginOutcome): Promise<unknown> {
  return (await h.sessionClaims(outcome)).fields;
}

/** Logs in, expects the form, and answers it with a skip; the snooze is stored as Auth0 would at the end of the login. */
async function skipForm(userId: string, options: LoginOptions = {}) {
  const { runtime, transaction, outcome } = await h.logIn(userId, options);
  const asked = await askedFields(outcome);
  const token = await signContinueToken({ sub: userId, state: transaction.state, skipped: true });
  expect(await h.resume(runtime, transaction, token)).toEqual({ kind: 'complete' });
  applyPendingMetadata(h.users, transaction);
  return asked;
}

function appMetadataOf(userId: string) {
  return h.users.get(userId)!.app_metadata;
}

/** A user who signed in with GitHub only (verified email unless told otherwise), prompted from the next login. */
function addSocialUser(options: { email_verified?: boolean; identities?: EmulatedIdentity[] } = {}) {
  const grace = h.users.get('auth0|grace')!;
  h.users.put({
    ...grace,
    user_id: 'github|4242',
    email: 'hedy@example.com',
    email_verified: options.email_verified ?? true,
    identities: options.identities ?? [GITHUB],
  });
  return 'github|4242';
}

describe('PROFILE_CLIENTS', () => {
  const secrets = { ...SECRETS, PROFILE_CLIENTS: 'crm, demo-app' };

  it('prompts logins to a listed application', async () => {
    expect((await h.logIn('auth0|grace', { secrets, clientId: 'crm' })).outcome.kind).toBe('redirect');
  });

  it('lets logins to any other application through, and logs nothing', async () => {
    const { outcome, transaction } = await h.logIn('auth0|grace', { secrets, clientId: 'billing' });
    expect(outcome).toEqual({ kind: 'complete' });
    expect(transaction.pendingMetadata).toEqual({ user_metadata: {}, app_metadata: {} });
    expect(h.logLines()).toEqual([]);
  });

  it('prompts every application when unset', async () => {
    expect((await h.logIn('auth0|grace', { clientId: 'billing' })).outcome.kind).toBe('redirect');
  });
});

describe('PROFILE_FIELDS_BY_CLIENT', () => {
  const secrets: Record<string, string> = { ...SECRETS, PROFILE_FIELDS_BY_CLIENT: '{"crm": "app_metadata:department, job_title"}' };

  it("asks an application's own list in place of PROFILE_FIELDS", async () => {
    expect(await askedFields((await h.logIn('auth0|grace', { secrets, clientId: 'crm' })).outcome)).toEqual(['department', 'job_title']);
  });

  it('asks PROFILE_FIELDS on logins to the other applications', async () => {
    expect(await askedFields((await h.logIn('auth0|grace', { secrets, clientId: 'demo-app' })).outcome)).toEqual([
      'company_name',
      'job_title',
    ]);
  });

  it('needs no PROFILE_FIELDS: the other applications are then not prompted', async () => {
    const { PROFILE_FIELDS: _unset, ...withoutFields } = secrets;
    expect((await h.logIn('auth0|grace', { secrets: withoutFields, clientId: 'crm' })).outcome.kind).toBe('redirect');
    expect((await h.logIn('auth0|grace', { secrets: withoutFields, clientId: 'demo-app' })).outcome).toEqual({ kind: 'complete' });
  });

  it("writes on continue only the ids of that application's list and the optional ones", async () => {
    const { runtime, transaction } = await h.logIn('auth0|grace', { secrets, clientId: 'crm' });
    const token = await signContinueToken({
      sub: 'auth0|grace',
      state: transaction.state,
      profile: {
        user_metadata: { company_name: 'Navy', job_title: 'Admiral', phone: '+15550100' },
        app_metadata: { department: 'Research' },
      },
    });
    expect(await h.resume(runtime, transaction, token)).toEqual({ kind: 'complete' });
    expect(transaction.pendingMetadata).toEqual({
      user_metadata: { job_title: 'Admiral', phone: '+15550100' },
      app_metadata: { department: 'Research' },
    });
  });
});

describe('PROFILE_MAX_FIELDS', () => {
  const secrets = { ...SECRETS, PROFILE_FIELDS: 'job_title, company_name, app_metadata:department', PROFILE_MAX_FIELDS: '2' };

  it('asks at most that many missing fields, in the order PROFILE_FIELDS lists them', async () => {
    expect(await askedFields((await h.logIn('auth0|grace', { secrets })).outcome)).toEqual(['job_title', 'company_name']);
  });

  it('asks the next ones once the first are answered', async () => {
    h.users.patch('auth0|grace', { user_metadata: { job_title: 'Admiral' } });
    expect(await askedFields((await h.logIn('auth0|grace', { secrets })).outcome)).toEqual(['company_name', 'department']);
  });

  it('asks every missing field when unset', async () => {
    const { PROFILE_MAX_FIELDS: _unset, ...all } = secrets;
    expect(await askedFields((await h.logIn('auth0|grace', { secrets: all })).outcome)).toEqual(['job_title', 'company_name', 'department']);
  });
});

describe('a consent entry (id@version)', () => {
  const secrets = { ...SECRETS, PROFILE_FIELDS: 'company_name, app_metadata:terms@2026-11' };
  const complete = { company_name: 'Navy' };

  it('is missing until anything is stored, and T1 names it by its bare id', async () => {
    h.users.patch('auth0|grace', { user_metadata: complete });
    expect(await askedFields((await h.logIn('auth0|grace', { secrets })).outcome)).toEqual(['terms']);
  });

  it.each([
    ['an older version', { version: '2026-01', accepted_at: '2026-01-10T08:00:00.000Z' }],
    ['a bare true', true],
    ['a record without a version', { accepted_at: '2026-11-02T08:00:00.000Z' }],
    ['the version as a number', { version: 202611, accepted_at: '2026-11-02T08:00:00.000Z' }],
  ])('asks again when the stored value is %s', async (_name, stored) => {
    h.users.patch('auth0|grace', { user_metadata: complete, app_metadata: { terms: stored } });
    expect(await askedFields((await h.logIn('auth0|grace', { secrets })).outcome)).toEqual(['terms']);
  });

  it('counts as answered when the stored version is the configured one', async () => {
    h.users.patch('auth0|grace', { user_metadata: complete, app_metadata: { terms: { version: '2026-11', accepted_at: '2026-11-02T08:00:00.000Z' } } });
    expect((await h.logIn('auth0|grace', { secrets })).outcome).toEqual({ kind: 'complete' });
  });

  it('asks everyone again when the configured version changes', async () => {
    h.users.patch('auth0|grace', { user_metadata: complete, app_metadata: { terms: { version: '2026-11', accepted_at: '2026-11-02T08:00:00.000Z' } } });
    const newer = { ...secrets, PROFILE_FIELDS: 'company_name, app_metadata:terms@2027-01' };
    expect(await askedFields((await h.logIn('auth0|grace', { secrets: newer })).outcome)).toEqual(['terms']);
  });

  it('stores the consent record the form sends back, in the metadata its prefix names', async () => {
    const { runtime, transaction } = await h.logIn('auth0|grace', { secrets });
    const record = { version: '2026-11', accepted_at: '2026-11-30T09:00:00.000Z' };
    const token = await signContinueToken({
      sub: 'auth0|grace',
      state: transaction.state,
      profile: { user_metadata: { company_name: 'Navy', terms: record }, app_metadata: { terms: record } },
    });
    expect(await h.resume(runtime, transaction, token)).toEqual({ kind: 'complete' });
    expect(transaction.pendingMetadata).toEqual({ user_metadata: { company_name: 'Navy' }, app_metadata: { terms: record } });
  });
});

describe('a snooze', () => {
  it('covers the fields that were asked: with one question a login, the next login asks the next field', async () => {
    const secrets = { ...SECRETS, PROFILE_MAX_FIELDS: '1' };
    expect(await skipForm('auth0|grace', { secrets })).toEqual(['company_name']);
    expect(appMetadataOf('auth0|grace').progressive_profile_snoozed_fields).toEqual(['company_name']);

    expect(await skipForm('auth0|grace', { secrets })).toEqual(['job_title']);
    expect(appMetadataOf('auth0|grace').progressive_profile_snoozed_fields).toEqual(['company_name', 'job_title']);

    expect((await h.logIn('auth0|grace', { secrets })).outcome).toEqual({ kind: 'complete' });
  });

  it('lets a required field added since the skip prompt, and asks only that one', async () => {
    await skipForm('auth0|grace');
    expect((await h.logIn('auth0|grace')).outcome).toEqual({ kind: 'complete' });
    const more = { ...SECRETS, PROFILE_FIELDS: 'company_name, job_title, app_metadata:department' };
    expect(await askedFields((await h.logIn('auth0|grace', { secrets: more })).outcome)).toEqual(['department']);
  });

  it('records a consent with its version, so a new version counts as a new question', async () => {
    const v1 = { ...SECRETS, PROFILE_FIELDS: 'company_name, app_metadata:terms@2026-11' };
    await skipForm('auth0|grace', { secrets: v1 });
    expect(appMetadataOf('auth0|grace').progressive_profile_snoozed_fields).toEqual(['company_name', 'terms@2026-11']);
    expect((await h.logIn('auth0|grace', { secrets: v1 })).outcome).toEqual({ kind: 'complete' });
    const v2 = { ...SECRETS, PROFILE_FIELDS: 'company_name, app_metadata:terms@2027-01' };
    expect(await askedFields((await h.logIn('auth0|grace', { secrets: v2 })).outcome)).toEqual(['terms']);
  });

  it('still covers what an earlier skip covered when a later skip asks something else', async () => {
    h.users.patch('auth0|grace', {
      app_metadata: {
        progressive_profile_snoozed_until: new Date(Date.now() + DAY).toISOString(),
        progressive_profile_snoozed_fields: ['company_name'],
      },
    });
    expect(await skipForm('auth0|grace')).toEqual(['job_title']);
    expect(appMetadataOf('auth0|grace').progressive_profile_snoozed_fields).toEqual(['company_name', 'job_title']);
  });

  it('covers nothing once it has ended', async () => {
    h.users.patch('auth0|grace', {
      app_metadata: {
        progressive_profile_snoozed_until: new Date(Date.now() - 1000).toISOString(),
        progressive_profile_snoozed_fields: ['company_name', 'job_title'],
      },
    });
    expect(await askedFields((await h.logIn('auth0|grace')).outcome)).toEqual(['company_name', 'job_title']);
  });

  it('of revision 1 (no fields list) covers every field, even one added since, until it ends', async () => {
    const more = { ...SECRETS, PROFILE_FIELDS: 'company_name, job_title, app_metadata:terms@2026-11' };
    expect((await h.logIn('auth0|margaret', { secrets: more })).outcome).toEqual({ kind: 'complete' });
    h.users.patch('auth0|margaret', { app_metadata: { progressive_profile_snoozed_until: new Date(Date.now() - 1000).toISOString() } });
    expect(await askedFields((await h.logIn('auth0|margaret', { secrets: more })).outcome)).toEqual(['company_name', 'job_title', 'terms']);
  });

  it('lasts PROFILE_SNOOZE_DAYS from the skip', async () => {
    const before = Date.now();
    await skipForm('auth0|grace', { secrets: { ...SECRETS, PROFILE_SNOOZE_DAYS: '2' } });
    const until = Date.parse(appMetadataOf('auth0|grace').progressive_profile_snoozed_until as string);
    expect(until).toBeGreaterThanOrEqual(before + 2 * DAY);
    expect(until).toBeLessThanOrEqual(Date.now() + 2 * DAY);
  });
});

describe('PROFILE_MAX_SKIPS', () => {
  // Each skip is followed by the snooze's end, so the next login prompts again.
  function endSnooze(userId: string) {
    h.users.patch(userId, { app_metadata: { progressive_profile_snoozed_until: new Date(Date.now() - 1000).toISOString() } });
  }

  it('counts every skip in app_metadata.progressive_profile_skips, and leaves allow_skip out when unset', async () => {
    for (const expected of [1, 2, 3]) {
      const { outcome } = await h.logIn('auth0|grace');
      expect(await h.sessionClaims(outcome)).not.toHaveProperty('allow_skip');
      await skipForm('auth0|grace');
      expect(appMetadataOf('auth0|grace').progressive_profile_skips).toBe(expected);
      endSnooze('auth0|grace');
    }
  });

  it('sends "allow_skip": false once the count reaches the limit', async () => {
    const secrets = { ...SECRETS, PROFILE_MAX_SKIPS: '2' };
    for (let skip = 0; skip < 2; skip += 1) {
      const { outcome } = await h.logIn('auth0|grace', { secrets });
      expect(await h.sessionClaims(outcome)).not.toHaveProperty('allow_skip');
      await skipForm('auth0|grace', { secrets });
      endSnooze('auth0|grace');
    }
    const { outcome } = await h.logIn('auth0|grace', { secrets });
    expect((await h.sessionClaims(outcome)).allow_skip).toBe(false);
    expect(h.logLines().at(-1)).toMatch(/^progressive-profile: redirect jti=[0-9a-f-]{36} fields=company_name,job_title allow_skip=false$/);
  });

  it('with 0, never offers a skip', async () => {
    const { outcome } = await h.logIn('auth0|grace', { secrets: { ...SECRETS, PROFILE_MAX_SKIPS: '0' } });
    expect((await h.sessionClaims(outcome)).allow_skip).toBe(false);
  });

  it('refuses a skip past the limit: nothing is written, the login goes on, and the next one asks again', async () => {
    const secrets = { ...SECRETS, PROFILE_MAX_SKIPS: '1' };
    h.users.patch('auth0|grace', { app_metadata: { progressive_profile_skips: 1 } });
    const { runtime, transaction } = await h.logIn('auth0|grace', { secrets });
    const token = await signContinueToken({ sub: 'auth0|grace', state: transaction.state, skipped: true, jti: 'login-7' });
    expect(await h.resume(runtime, transaction, token)).toEqual({ kind: 'complete' });
    expect(transaction.pendingMetadata).toEqual({ user_metadata: {}, app_metadata: {} });
    expect(h.logLines().at(-1)).toBe('progressive-profile: continue jti=login-7 outcome=refused (skip_not_allowed)');
    expect((await h.logIn('auth0|grace', { secrets })).outcome.kind).toBe('redirect');
  });
});

describe('the lang claim', () => {
  async function langOf(options: LoginOptions) {
    return (await h.sessionClaims((await h.logIn('auth0|grace', options)).outcome)).lang;
  }

  it("is the first of the login's ui_locales", async () => {
    expect(await langOf({ uiLocales: 'es-MX en', language: 'fr-CA' })).toBe('es-MX');
  });

  it('is written in canonical case', async () => {
    expect(await langOf({ uiLocales: 'PT-br' })).toBe('pt-BR');
  });

  it('is the browser language (event.request.language) when the login named no ui_locales', async () => {
    expect(await langOf({ language: 'fr-CA' })).toBe('fr-CA');
    expect(await langOf({ language: 'de-CH,de;q=0.9' })).toBe('de-CH');
  });

  it('passes over a ui_locales entry that is not a language tag', async () => {
    expect(await langOf({ uiLocales: 'en_US', language: 'it' })).toBe('it');
  });

  it.each([
    ['neither is given', {}],
    ['neither is a language tag', { uiLocales: '<script>', language: '*' }],
    ['the tag is overlong', { uiLocales: `en-${'abcdefgh-'.repeat(5)}x` }],
  ])('is left out when %s', async (_name, options) => {
    expect(await h.sessionClaims((await h.logIn('auth0|grace', options)).outcome)).not.toHaveProperty('lang');
  });
});

describe('PROFILE_DATABASE_CONNECTION', () => {
  const secrets: Record<string, string> = { ...SECRETS, PROFILE_DATABASE_CONNECTION: DATABASE };

  it('asks a user with a verified email and no identity there for a password, first', async () => {
    const userId = addSocialUser();
    expect(await askedFields((await h.logIn(userId, { secrets })).outcome)).toEqual(['password', 'company_name', 'job_title']);
  });

  it('asks the username with the password, where PROFILE_FIELDS lists it', async () => {
    const userId = addSocialUser();
    const withUsername = { ...secrets, PROFILE_FIELDS: 'company_name, app_metadata:username, job_title' };
    expect(await askedFields((await h.logIn(userId, { secrets: withUsername })).outcome)).toEqual([
      'company_name',
      'password',
      'username',
      'job_title',
    ]);
  });

  it('counts the password and username as one question, never split by PROFILE_MAX_FIELDS', async () => {
    const userId = addSocialUser();
    const one = { ...secrets, PROFILE_FIELDS: 'app_metadata:username, company_name', PROFILE_MAX_FIELDS: '1' };
    expect(await askedFields((await h.logIn(userId, { secrets: one })).outcome)).toEqual(['password', 'username']);
    const two = { ...one, PROFILE_FIELDS: 'company_name, app_metadata:username, job_title', PROFILE_MAX_FIELDS: '2' };
    expect(await askedFields((await h.logIn(userId, { secrets: two })).outcome)).toEqual(['company_name', 'password', 'username']);
  });

  it('does not ask a user whose email is not verified for a password or a username', async () => {
    const userId = addSocialUser({ email_verified: false });
    const withUsername = { ...secrets, PROFILE_FIELDS: 'company_name, app_metadata:username' };
    expect(await askedFields((await h.logIn(userId, { secrets: withUsername })).outcome)).toEqual(['company_name']);
    h.users.patch(userId, { user_metadata: { company_name: 'Navy' } });
    expect((await h.logIn(userId, { secrets: withUsername })).outcome).toEqual({ kind: 'complete' });
  });

  it('does not ask a user who already has an identity in that connection', async () => {
    const userId = addSocialUser({ identities: [GITHUB, { connection: DATABASE, provider: 'auth0', user_id: 'x1', isSocial: false }] });
    const withUsername = { ...secrets, PROFILE_FIELDS: 'company_name, app_metadata:username' };
    expect(await askedFields((await h.logIn(userId, { secrets: withUsername })).outcome)).toEqual(['company_name']);
  });

  it('does not ask a database user of that connection (the seeded users)', async () => {
    expect(await askedFields((await h.logIn('auth0|grace', { secrets })).outcome)).toEqual(['company_name', 'job_title']);
  });

  it('lets a snooze cover the password question by recording both ids', async () => {
    const userId = addSocialUser();
    const withUsername = { ...secrets, PROFILE_FIELDS: 'app_metadata:username, company_name', PROFILE_MAX_FIELDS: '1' };
    expect(await skipForm(userId, { secrets: withUsername })).toEqual(['password', 'username']);
    expect(appMetadataOf(userId).progressive_profile_snoozed_fields).toEqual(['password', 'username']);
    expect(await askedFields((await h.logIn(userId, { secrets: withUsername })).outcome)).toEqual(['company_name']);
  });

  it('is enough on its own: PROFILE_FIELDS may be unset', async () => {
    const userId = addSocialUser();
    const { PROFILE_FIELDS: _unset, ...linkOnly } = secrets;
    expect(await askedFields((await h.logIn(userId, { secrets: linkOnly })).outcome)).toEqual(['password']);
  });
});
