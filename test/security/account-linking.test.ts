// Account linking through POST /submit, as production wires it, against the emulated tenant over
// real HTTP: each answer of the contract, nothing left behind in the tenant after a refusal or a
// failure, and the password nowhere but in the database identity it was chosen for.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../server/config.js';
import { createServerDeps } from '../../server/deps.js';
import { LINK_MARKER } from '../../server/upstream/identity-linker.js';
import { createFaultyFetch, DATABASE, githubUser, linkingForm, linkingUsers, startLinkingTenant, STRONG_PASSWORD } from '../support/linking.js';
import { CLIENT_ID, startManagementEmulator, type RunningEmulator } from '../support/management-emulator.js';
import { closeProfileServers, emulatedTenantConfig, startProfileServer, type StartProfileServerOptions } from '../support/profile-server.js';
import { createVirtualTime } from '../support/virtual-time.js';
import { expectRefusal, mintSessionToken, verifyContinueToken } from './support.js';
import { captureLines } from '../support/log-lines.js';

const KATHERINE = 'github|1001';
const DOROTHY = 'github|1002';
const SEEDED_DATABASE_USERS = ['auth0|ada', 'auth0|grace', 'auth0|linus', 'auth0|margaret', 'auth0|alan'];
const time = createVirtualTime();
let emulator: RunningEmulator | undefined;

afterEach(async () => {
  await closeProfileServers();
  await emulator?.close();
  emulator = undefined;
});

async function setUp(options: { users?: ReturnType<typeof linkingUsers>; scope?: string; server?: Partial<StartProfileServerOptions> } = {}) {
  const tenant = await startLinkingTenant({ time, users: options.users, scope: options.scope });
  emulator = tenant;
  const { lines, stream } = captureLines();
  const server = await startProfileServer({
    emulator: tenant,
    time,
    config: { form: linkingForm() },
    logger: { logger: { level: 'trace', stream } },
    ...options.server,
  });
  return { tenant, server, logs: () => lines.join('') + JSON.stringify(server.warnings) };
}

async function bodyFor(userId: string, values: Record<string, unknown>, tenant: RunningEmulator) {
  const sessionToken = await mintSessionToken({ sub: userId, iss: tenant.tenant.host }, { iat: Math.floor(time.clock.now() / 1000) });
  return { state: `state-${userId}`, session_token: sessionToken, values };
}

/** Database users that stand alone (created and not linked), besides the seeded ones. */
function orphans(tenant: RunningEmulator): string[] {
  return tenant.users
    .list()
    .filter((user) => user.identities.length === 1 && user.identities[0]?.connection === DATABASE && !SEEDED_DATABASE_USERS.includes(user.user_id))
    .map((user) => user.user_id);
}

describe('POST /submit with a linking form', () => {
  it('links a database identity, then writes the username to app_metadata; the password is nowhere else', async () => {
    const { tenant, server, logs } = await setUp();
    const body = await bodyFor(KATHERINE, { username: ' KJohnson ', password: STRONG_PASSWORD, job_title: 'Mathematician' }, tenant);
    const answer = await server.post('/submit', body);
    expect(answer.statusCode).toBe(200);
    const katherine = tenant.users.get(KATHERINE)!;
    expect(katherine.identities.map((identity) => identity.connection)).toEqual(['github', DATABASE]);
    expect(katherine.app_metadata).toEqual({ username: 'kjohnson' });
    expect(katherine.user_metadata).toEqual({ company_name: 'NASA', job_title: 'Mathematician' });
    expect(tenant.users.checkDatabasePassword(DATABASE, 'kjohnson', STRONG_PASSWORD)?.user.user_id).toBe(KATHERINE);
    expect(orphans(tenant)).toEqual([]);
    const continueClaims = await verifyContinueToken(answer.body.session_token).catch(() => undefined);
    // The emulator keeps it on the database identity, as its sign-in; no metadata holds it.
    const metadata = JSON.stringify({ user_metadata: katherine.user_metadata, app_metadata: katherine.app_metadata });
    expect(continueClaims).toBeDefined();
    expect(logs()).toContain('/submit');
    for (const text of [JSON.stringify(answer.body), JSON.stringify(continueClaims), metadata, logs()]) {
      expect(text).not.toContain(STRONG_PASSWORD);
    }
  });

  it('answers 403 email_unverified for an unverified email, creating and writing nothing', async () => {
    const { tenant, server } = await setUp();
    const before = tenant.users.get(DOROTHY);
    expectRefusal(await server.post('/submit', await bodyFor(DOROTHY, { username: 'dvaughan', password: STRONG_PASSWORD }, tenant)), 403, 'email_unverified');
    expect(tenant.users.get(DOROTHY)).toEqual(before);
    expect(orphans(tenant)).toEqual([]);
    expect(await tenant.stats()).toMatchObject({ creates: 0, patches: 0 });
  });

  it("answers 422 password_policy with Auth0's reason in messages, leaves nothing behind, and the same T1 then succeeds", async () => {
    const { tenant, server, logs } = await setUp();
    const body = await bodyFor(KATHERINE, { username: 'kjohnson', password: 'weakpass' }, tenant);
    const refused = await server.post('/submit', body);
    expectRefusal(refused, 422, 'invalid_fields');
    expect(refused.body).toMatchObject({ fields: { password: 'password_policy' }, messages: { password: 'Password is too weak' } });
    expect(JSON.stringify(refused.body) + logs()).not.toContain('weakpass');
    expect(orphans(tenant)).toEqual([]);
    expect(tenant.users.get(KATHERINE)?.app_metadata).toEqual({});
    expect((await server.post('/submit', { ...body, values: { username: 'kjohnson', password: STRONG_PASSWORD } })).statusCode).toBe(200);
  });

  it("answers 422 taken for a username the connection already has, though no user's metadata holds it", async () => {
    const { tenant, server } = await setUp();
    // Signed up directly in the connection: a username, no app_metadata.
    tenant.users.create({
      ...githubUser('x', 'direct@example.com'),
      user_id: 'auth0|direct',
      username: 'kjohnson',
      identities: [{ connection: DATABASE, provider: 'auth0', user_id: 'direct', isSocial: false, password: 'Whatever-1234' }],
    });
    const refused = await server.post('/submit', await bodyFor(KATHERINE, { username: 'kjohnson', password: STRONG_PASSWORD }, tenant));
    expectRefusal(refused, 422, 'invalid_fields');
    expect(refused.body.fields).toEqual({ username: 'taken' });
    expect(tenant.users.get(KATHERINE)?.identities).toHaveLength(1);
    expect(tenant.users.get(KATHERINE)?.app_metadata).toEqual({});
    // The only standalone database user is the one this test signed up directly.
    expect(orphans(tenant)).toEqual(['auth0|direct']);
    expect(await tenant.stats()).toMatchObject({ creates: 0, patches: 0 });
  });

  it('answers 409 identity_exists for an email with an account in the connection, creating nothing', async () => {
    const { tenant, server } = await setUp({ users: [...linkingUsers(), githubUser('3001', 'grace@example.com')] });
    const refused = await server.post('/submit', await bodyFor('github|3001', { username: 'ghopper', password: STRONG_PASSWORD }, tenant));
    expectRefusal(refused, 409, 'identity_exists');
    expect(await tenant.stats()).toMatchObject({ creates: 0, patches: 0 });
  });

  it('answers a retryable 5xx when the link fails, deleting the user it created; the same T1 then succeeds', async () => {
    const network = createFaultyFetch(time.fetch);
    network.add({ method: 'POST', path: /\/identities$/u, fault: { status: 500 } });
    const { tenant, server } = await setUp({ server: { deps: { fetch: network.fetch } } });
    const body = await bodyFor(KATHERINE, { username: 'kjohnson', password: STRONG_PASSWORD }, tenant);
    const failed = await server.post('/submit', body);
    expectRefusal(failed, 502, 'upstream_error');
    expect(orphans(tenant)).toEqual([]);
    expect(tenant.users.get(KATHERINE)?.app_metadata).toEqual({});
    expect((await server.post('/submit', body)).statusCode).toBe(200);
    expect(tenant.users.get(KATHERINE)?.app_metadata).toEqual({ username: 'kjohnson' });
  });

  it('finishes on the retry when the metadata write failed after the link: nothing created twice', async () => {
    const network = createFaultyFetch(time.fetch);
    network.add({ method: 'PATCH', path: /\/users\/github%7C1001$/u, fault: { status: 503 }, times: 4 });
    const { tenant, server } = await setUp({ server: { deps: { fetch: network.fetch } } });
    const body = await bodyFor(KATHERINE, { username: 'kjohnson', password: STRONG_PASSWORD }, tenant);
    expectRefusal(await server.post('/submit', body), 502, 'upstream_error');
    expect(tenant.users.get(KATHERINE)?.identities).toHaveLength(2);
    expect((await server.post('/submit', body)).statusCode).toBe(200);
    expect(tenant.users.get(KATHERINE)?.app_metadata).toEqual({ username: 'kjohnson' });
    expect(await tenant.stats()).toMatchObject({ creates: 1, links: 1 });
  });

  it('answers 504 when the create answers late, and the retry finishes the job with the user it created removed', async () => {
    const network = createFaultyFetch(time.fetch);
    network.add({ method: 'POST', path: /^\/api\/v2\/users$/u, fault: { lateAnswer: true } });
    const { tenant, server } = await setUp({ server: { config: { form: linkingForm(), managementApiTimeout: 1.5 }, deps: { fetch: network.fetch } } });
    const body = await bodyFor(KATHERINE, { username: 'kjohnson', password: STRONG_PASSWORD }, tenant);
    expectRefusal(await server.post('/submit', body), 504, 'upstream_timeout');
    expect(orphans(tenant)).toHaveLength(1);
    expect(tenant.users.get(orphans(tenant)[0]!)?.app_metadata).toEqual({ [LINK_MARKER]: KATHERINE });
    expect((await server.post('/submit', body)).statusCode).toBe(200);
    expect(orphans(tenant)).toEqual([]);
    expect(tenant.users.get(KATHERINE)?.identities).toHaveLength(2);
  });
});

describe('GET /form with a linking form', () => {
  it("shows the connection's password rules on the password field", async () => {
    const { server } = await setUp();
    const form = (await (await fetch(`${server.origin}/form`)).json()) as { fields: Array<{ id: string; password_policy?: unknown }> };
    expect(form.fields.find((field) => field.id === 'password')?.password_policy).toEqual({ policy: 'good', min_length: 8 });
  });

  it('shows none, with a start warning, when the grant cannot read connections', async () => {
    const { server } = await setUp({ scope: 'read:users update:users create:users delete:users' });
    const form = (await (await fetch(`${server.origin}/form`)).json()) as { fields: Array<{ id: string; password_policy?: unknown }> };
    expect(form.fields.find((field) => field.id === 'password')).not.toHaveProperty('password_policy');
    expect(server.deps.startupWarnings).toEqual([
      "AUTH0_CLIENT_ID: grant read:connections so the form can show the connection's password rules before the user types",
    ]);
  });
});

describe('the start-time check of the M2M grant', () => {
  async function startDeps(scope: string, form = linkingForm()) {
    emulator = await startLinkingTenant({ time, scope });
    const config = emulatedTenantConfig(emulator.tenant, { form });
    return createServerDeps(config, { clock: time.clock, sleep: time.sleep, fetch: time.fetch });
  }

  it('stops, naming every missing scope, when the grant cannot link', async () => {
    const error = await startDeps('read:users update:users').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('AUTH0_CLIENT_ID');
    expect((error as ConfigError).message).toContain('lacks create:users delete:users');
  });

  it('stops when a form with unique fields has a grant that cannot read users', async () => {
    const form = { ...linkingForm(), link_database_identity: undefined };
    const error = await startDeps('update:users', form).catch((caught: unknown) => caught);
    expect((error as ConfigError).message).toContain('lacks read:users');
  });

  it('stops when the linking connection is not a database connection of the tenant', async () => {
    const error = await startDeps('read:users update:users create:users delete:users read:connections', linkingForm('No-Such-Database')).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('PROFILE_FIELDS_FILE');
  });

  it('stops when the tenant refuses the credentials', async () => {
    emulator = await startLinkingTenant({ time });
    const config = emulatedTenantConfig(emulator.tenant, { management: { clientId: CLIENT_ID, clientSecret: 'not-the-secret' }, form: linkingForm() });
    const error = await createServerDeps(config, { clock: time.clock, sleep: time.sleep, fetch: time.fetch }).catch((caught: unknown) => caught);
    expect((error as ConfigError).variable).toBe('AUTH0_CLIENT_SECRET');
    expect((error as ConfigError).message).not.toContain('not-the-secret');
  });

  it('only warns when the tenant cannot be reached at start, and checks the grant again on first use', async () => {
    const gone = await startManagementEmulator();
    await gone.close();
    const config = emulatedTenantConfig(gone.tenant, { form: linkingForm() });
    const deps = await createServerDeps(config, { clock: time.clock, sleep: time.sleep, fetch: time.fetch });
    try {
      expect(deps.startupWarnings).toEqual([
        'AUTH0_DOMAIN: the tenant could not be reached at start to check the M2M grant; it is checked again on first use',
      ]);
      expect(deps.identityLinker).toBeDefined();
    } finally {
      await deps.close();
    }
  });

  it('asks for no token at start when the form needs only plain writes', async () => {
    emulator = await startLinkingTenant({ time, scope: 'update:users' });
    const config = emulatedTenantConfig(emulator.tenant);
    const deps = await createServerDeps(config, { clock: time.clock });
    await deps.close();
    expect((await emulator.stats()).tokenRequests).toBe(0);
  });
});
