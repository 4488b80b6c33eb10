// The identity linker against the emulated tenant through the real `auth0` SDK: each refusal of
// the contract, and every failure between create and link, leaves no database user behind.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../../server/store/memory.js';
import { RequestError } from '../../../server/http/errors.js';
import type { UpstreamBudget } from '../../../server/upstream/budget.js';
import { createIdentityLinker, LINK_MARKER, UNSETTLED_CREATE_SECONDS } from '../../../server/upstream/identity-linker.js';
import { createManagementApi } from '../../../server/upstream/management-api.js';
import { CLIENT_ID, CLIENT_SECRET, type RunningEmulator } from '../../support/management-emulator.js';
import { createFaultyFetch, DATABASE, githubUser, linkingUsers, startLinkingTenant, STRONG_PASSWORD, type LinkingTenantOptions } from '../../support/linking.js';
import { createVirtualTime, type VirtualTime } from '../../support/virtual-time.js';

let emulator: RunningEmulator | undefined;
let time: VirtualTime;

beforeEach(() => {
  time = createVirtualTime();
});
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const KATHERINE = 'github|1001';
const DOROTHY = 'github|1002';

async function setUp(options: LinkingTenantOptions & { usesUsernames?: boolean; requiredScopes?: string[] } = {}) {
  emulator = await startLinkingTenant({ time, ...options });
  const network = createFaultyFetch(time.fetch);
  const warnings: Array<{ obj: object; msg: string }> = [];
  const logger = { warn: (obj: object, msg: string) => warnings.push({ obj, msg }) };
  const api = createManagementApi({
    tenant: emulator.tenant,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    clock: time.clock,
    sleep: time.sleep,
    fetch: network.fetch,
    logger,
    requiredScopes: options.requiredScopes,
  });
  const store = createMemoryStore({ clock: time.clock });
  const linker = createIdentityLinker({ api, connection: DATABASE, usesUsernames: options.usesUsernames ?? true, store, clock: time.clock, logger });
  return { emulator, linker, network, warnings, store };
}

function budget(ms = 5_000): UpstreamBudget {
  return { signal: new AbortController().signal, deadline: time.clock.now() + ms };
}

async function refusal(promise: Promise<unknown>): Promise<RequestError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RequestError);
  return error as RequestError;
}

/** The database users of the connection that are users of their own (not linked into another). */
function standaloneDatabaseUsers(tenant: RunningEmulator): string[] {
  return tenant.users
    .list()
    .filter((user) => user.identities[0]?.connection === DATABASE && user.identities.length === 1)
    .map((user) => user.user_id)
    .filter((id) => !['auth0|ada', 'auth0|grace', 'auth0|linus', 'auth0|margaret', 'auth0|alan'].includes(id));
}

function signsInAs(tenant: RunningEmulator, loginId: string, password: string): string | undefined {
  return tenant.users.checkDatabasePassword(DATABASE, loginId, password)?.user.user_id;
}

describe('linking a database identity', () => {
  it("creates the database user with the primary's verified email, the username and the password, and links it into the signed-in user", async () => {
    const { emulator, linker } = await setUp();
    expect(await linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget())).toBe('linked');
    const katherine = emulator.users.get(KATHERINE)!;
    expect(katherine.identities.map((identity) => [identity.provider, identity.connection])).toEqual([
      ['github', 'github'],
      ['auth0', DATABASE],
    ]);
    expect(katherine.identities[1]?.profileData).toMatchObject({ email: 'katherine@example.com', email_verified: true, username: 'kjohnson' });
    expect(signsInAs(emulator, 'katherine@example.com', STRONG_PASSWORD)).toBe(KATHERINE);
    expect(signsInAs(emulator, 'kjohnson', STRONG_PASSWORD)).toBe(KATHERINE);
    // The marker went with the secondary's metadata; the primary's is untouched.
    expect(katherine.app_metadata).toEqual({});
    expect(standaloneDatabaseUsers(emulator)).toEqual([]);
    expect(await emulator.stats()).toMatchObject({ creates: 1, links: 1, deletes: 0 });
  });

  it('sends no username to a connection that takes none (Auth0 would refuse the create), keeping it for the metadata', async () => {
    const { emulator, linker } = await setUp({ usesUsernames: false, requiresUsername: false });
    expect(await linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget())).toBe('linked');
    expect(emulator.users.get(KATHERINE)?.identities[1]?.profileData).not.toHaveProperty('username');
    expect(signsInAs(emulator, 'katherine@example.com', STRONG_PASSWORD)).toBe(KATHERINE);
  });

  it('does nothing for a user who already has an identity in the connection (a link that landed but answered late)', async () => {
    const { emulator, linker } = await setUp();
    await linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget());
    expect(await linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget())).toBe('already_linked');
    expect(await emulator.stats()).toMatchObject({ creates: 1, links: 1 });
  });

  it('refuses an unverified email with 403 email_unverified, creating nothing', async () => {
    const { emulator, linker } = await setUp();
    const error = await refusal(linker.link(DOROTHY, { password: STRONG_PASSWORD, username: 'dvaughan' }, budget()));
    expect(error).toMatchObject({ code: 'email_unverified', statusCode: 403 });
    expect(await emulator.stats()).toMatchObject({ creates: 0, links: 0 });
    expect(standaloneDatabaseUsers(emulator)).toEqual([]);
  });

  it("answers 422 password_policy with Auth0's reason when Auth0 refuses the password, leaving nothing behind", async () => {
    const { emulator, linker } = await setUp();
    const error = await refusal(linker.link(KATHERINE, { password: 'weakpass', username: 'kjohnson' }, budget()));
    expect(error).toMatchObject({ code: 'invalid_fields', statusCode: 422, fields: { password: 'password_policy' }, messages: { password: 'Password is too weak' } });
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('weakpass');
    expect(standaloneDatabaseUsers(emulator)).toEqual([]);
    expect(emulator.users.get(KATHERINE)?.identities).toHaveLength(1);
  });

  it('answers 422 taken for a username the connection already has, leaving nothing behind', async () => {
    const { emulator, linker } = await setUp({ users: [...linkingUsers(), githubUser('3000', 'other@example.com')] });
    await linker.link('github|3000', { password: STRONG_PASSWORD, username: 'kjohnson' }, budget());
    const error = await refusal(linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'KJohnson'.toLowerCase() }, budget()));
    expect(error).toMatchObject({ code: 'invalid_fields', fields: { username: 'taken' } });
    expect(emulator.users.get(KATHERINE)?.identities).toHaveLength(1);
    expect(standaloneDatabaseUsers(emulator)).toEqual([]);
  });

  it('answers 422 invalid_format with the reason for a username the connection refuses', async () => {
    const { emulator, linker } = await setUp();
    const error = await refusal(linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'a-username-far-too-long' }, budget()));
    expect(error).toMatchObject({ code: 'invalid_fields', fields: { username: 'invalid_format' }, messages: { username: expect.stringMatching(/^The username/u) } });
    expect(standaloneDatabaseUsers(emulator)).toEqual([]);
  });

  it('answers 409 identity_exists for an email that already has an account in the connection, creating nothing', async () => {
    const { emulator, linker } = await setUp({ users: [...linkingUsers(), githubUser('3001', 'grace@example.com')] });
    const error = await refusal(linker.link('github|3001', { password: STRONG_PASSWORD, username: 'ghopper' }, budget()));
    expect(error).toMatchObject({ code: 'identity_exists', statusCode: 409 });
    expect(error.message).toMatch(/Sign in with that account instead/u);
    expect(await emulator.stats()).toMatchObject({ creates: 0, deletes: 0, links: 0 });
    expect(emulator.users.get('auth0|grace')).toBeDefined();
  });

  it('answers upstream_error without creating anything when the grant lacks the linking scopes', async () => {
    const { emulator, linker, warnings } = await setUp({ scope: 'read:users update:users', requiredScopes: ['read:users', 'update:users', 'create:users', 'delete:users'] });
    const error = await refusal(linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget()));
    expect(error).toMatchObject({ code: 'upstream_error', statusCode: 502 });
    expect(await emulator.stats()).toMatchObject({ creates: 0 });
    expect(warnings.at(-1)).toEqual({ obj: { missingScopes: ['create:users', 'delete:users'] }, msg: 'account linking needs scopes the Management API token lacks' });
  });
});

describe('a failure between create and link', () => {
  it.each([
    ['answers 5xx', { status: 503 }],
    ['hangs', { hang: true as const }],
  ])('deletes the user it created when the link %s, and answers a retryable 5xx; the retry links', async (_name, fault) => {
    const { emulator, linker, network } = await setUp();
    network.add({ method: 'POST', path: /\/identities$/u, fault });
    const error = await refusal(linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget(3_000)));
    expect(error.statusCode).toBeGreaterThanOrEqual(500);
    expect(standaloneDatabaseUsers(emulator)).toEqual([]);
    expect(await emulator.stats()).toMatchObject({ creates: 1, deletes: 1, links: 0 });
    expect(await linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget())).toBe('linked');
    expect(signsInAs(emulator, 'kjohnson', STRONG_PASSWORD)).toBe(KATHERINE);
  });

  it('answers a retryable 5xx when a link that landed answered late, and the retry finds it done', async () => {
    const { emulator, linker, network } = await setUp();
    network.add({ method: 'POST', path: /\/identities$/u, fault: { lateAnswer: true } });
    const error = await refusal(linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget(3_000)));
    expect(error.statusCode).toBeGreaterThanOrEqual(500);
    // The delete met a user already moved into Katherine: Auth0 answers 204 and nothing changes.
    expect(emulator.users.get(KATHERINE)?.identities).toHaveLength(2);
    expect(await linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget())).toBe('already_linked');
    expect(standaloneDatabaseUsers(emulator)).toEqual([]);
  });

  it('leaves the user it could not delete for the retry, which deletes it by its marker and links a new one', async () => {
    const { emulator, linker, network, warnings } = await setUp();
    network.add({ method: 'POST', path: /\/identities$/u, fault: { status: 503 } });
    network.add({ method: 'DELETE', path: /\/users\/auth0%7C/u, fault: { status: 503 }, times: 4 });
    await refusal(linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget(10_000)));
    const [orphan] = standaloneDatabaseUsers(emulator);
    expect(emulator.users.get(orphan!)?.app_metadata).toEqual({ [LINK_MARKER]: KATHERINE });
    expect(warnings.map((warning) => warning.msg)).toContain('could not delete the database user of a failed link; the next attempt removes it');
    expect(await linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget())).toBe('linked');
    expect(emulator.users.get(orphan!)).toBeUndefined();
    expect(standaloneDatabaseUsers(emulator)).toEqual([]);
    expect(signsInAs(emulator, 'kjohnson', STRONG_PASSWORD)).toBe(KATHERINE);
  });
});

describe('a create that answers late', () => {
  it('answers 504; the retry meets 409 for the user it created, deletes it by its marker and links a new one', async () => {
    const { emulator, linker, network } = await setUp();
    network.add({ method: 'POST', path: /\/users$/u, fault: { lateAnswer: true } });
    const error = await refusal(linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget(1_500)));
    expect(error).toMatchObject({ code: 'upstream_timeout', statusCode: 504 });
    expect(standaloneDatabaseUsers(emulator)).toHaveLength(1);
    // The user retries with another password: the new one is the one that signs in.
    expect(await linker.link(KATHERINE, { password: 'Second-Try-2026', username: 'kjohnson' }, budget())).toBe('linked');
    expect(standaloneDatabaseUsers(emulator)).toEqual([]);
    expect(signsInAs(emulator, 'kjohnson', 'Second-Try-2026')).toBe(KATHERINE);
    expect(signsInAs(emulator, 'kjohnson', STRONG_PASSWORD)).toBeUndefined();
    expect(await emulator.stats()).toMatchObject({ creates: 2, deletes: 1, links: 1 });
  });

  it('asks to come back (503 with Retry-After) while search cannot see it yet, never "sign in instead", then links', async () => {
    const { emulator, linker, network } = await setUp({ searchIndexLagMs: 10_000 });
    network.add({ method: 'POST', path: /\/users$/u, fault: { lateAnswer: true } });
    await refusal(linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget(1_500)));
    const early = await refusal(linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget()));
    expect(early).toMatchObject({ code: 'upstream_unavailable', statusCode: 503 });
    expect(early.retryAfter).toBeGreaterThanOrEqual(1);
    await time.sleep(10_000);
    expect(await linker.link(KATHERINE, { password: STRONG_PASSWORD, username: 'kjohnson' }, budget())).toBe('linked');
    expect(standaloneDatabaseUsers(emulator)).toEqual([]);
  });

  it(`answers identity_exists once the unsettled create is older than ${UNSETTLED_CREATE_SECONDS} s and search shows no user of ours`, async () => {
    const { linker, network } = await setUp({ users: [...linkingUsers(), githubUser('3001', 'grace@example.com')] });
    network.add({ method: 'POST', path: /\/users$/u, fault: { status: 503 } });
    await refusal(linker.link('github|3001', { password: STRONG_PASSWORD, username: 'ghopper' }, budget()));
    expect(await refusal(linker.link('github|3001', { password: STRONG_PASSWORD, username: 'ghopper' }, budget()))).toMatchObject({
      code: 'upstream_unavailable',
    });
    await time.sleep(UNSETTLED_CREATE_SECONDS * 1000 + 1);
    expect(await refusal(linker.link('github|3001', { password: STRONG_PASSWORD, username: 'ghopper' }, budget()))).toMatchObject({
      code: 'identity_exists',
    });
  });
});
