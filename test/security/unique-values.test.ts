// `unique` values under concurrency, over real HTTP against the emulated tenant whose user search
// lags behind writes: the store's claim, not the search, decides who wins a race, in one process
// (memory) and across two instances sharing a real redis-server.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseFormDefinition } from '../../server/fields/form-definition.js';
import { UNIQUE_SEARCH_LAG_SECONDS } from '../../server/store/unique-claims.js';
import { createFaultyFetch, DATABASE, githubUser, linkingForm, linkingUsers, startLinkingTenant, STRONG_PASSWORD } from '../support/linking.js';
import type { RunningEmulator } from '../support/management-emulator.js';
import { closeProfileServers, startProfileServer, type ProfileServer } from '../support/profile-server.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { createVirtualTime } from '../support/virtual-time.js';
import { expectRefusal, mintSessionToken } from './support.js';

const SEARCH_LAG_MS = 2_000;
const USER_COUNT = 100;
const time = createVirtualTime();
let emulator: RunningEmulator;
let redis: RedisServer;
let nextUser = 0;
let nextValue = 0;

beforeAll(async () => {
  emulator = await startLinkingTenant({ users: linkingUsers(USER_COUNT), time, searchIndexLagMs: SEARCH_LAG_MS });
  redis = await startRedisServer();
});
afterAll(async () => {
  await emulator.close();
  await redis.stop();
});
afterEach(async () => {
  await closeProfileServers();
  await emulator.clearFaults();
});

/** A badge form: one app_metadata field, unique. */
const BADGE_FORM = parseFormDefinition(
  { fields: [{ id: 'badge', label: 'Badge', type: 'text', required: true, maxLength: 30, target: 'app_metadata', unique: true }] },
  { hasManagementCredentials: true },
);

/** A username form without account linking: the name is only saved to app_metadata. */
const USERNAME_FORM = parseFormDefinition(
  { fields: [{ id: 'username', label: 'Username', type: 'text', required: true, maxLength: 15, target: 'app_metadata', unique: true }] },
  { hasManagementCredentials: true },
);

function freshUsers(count: number): string[] {
  if (nextUser + count > USER_COUNT) throw new Error('out of emulated users');
  return Array.from({ length: count }, () => `github|${2000 + nextUser++}`);
}

/** A value nobody has claimed in this file. */
function freshValue(): string {
  nextValue += 1;
  return `badge-${nextValue}`;
}

function startServer(options: { redis?: boolean; form?: typeof BADGE_FORM } = {}): Promise<ProfileServer> {
  return startProfileServer({
    emulator,
    time,
    config: { form: options.form ?? BADGE_FORM, ...(options.redis ? { redisUrl: redis.url } : {}) },
  });
}

async function bodyFor(userId: string, values: Record<string, unknown>) {
  const sessionToken = await mintSessionToken({ sub: userId, iss: emulator.tenant.host }, { iat: Math.floor(time.clock.now() / 1000) });
  return { state: `state-${userId}`, session_token: sessionToken, values };
}

function holdersOf(value: string): string[] {
  return emulator.users
    .list()
    .filter((user) => user.app_metadata.badge === value || user.app_metadata.username === value)
    .map((user) => user.user_id);
}

describe('20 users claiming one value at the same time', () => {
  it.each([
    ['one instance, memory store', 1],
    ['two instances sharing Redis', 2],
  ] as const)('give exactly one success and 19 × 422 taken (%s)', async (_name, instances) => {
    const fleet = await Promise.all(Array.from({ length: instances }, () => startServer({ redis: instances > 1 })));
    const value = freshValue();
    const users = freshUsers(20);
    const bodies = await Promise.all(users.map((userId) => bodyFor(userId, { badge: value.toUpperCase() })));
    const answers = await Promise.all(bodies.map((body, index) => fleet[index % fleet.length]!.post('/submit', body)));
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, ...Array.from({ length: 19 }, () => 422)]);
    for (const answer of answers.filter((one) => one.statusCode === 422)) {
      expectRefusal(answer, 422, 'invalid_fields');
      expect(answer.body.fields).toEqual({ badge: 'taken' });
    }
    // Stored as the one value it is: trimmed and lower-cased.
    expect(holdersOf(value)).toHaveLength(1);
  });

  it('give exactly one success when the value is a username a linking form creates', async () => {
    const server = await startServer({ form: linkingForm() });
    const users = freshUsers(20);
    const bodies = await Promise.all(users.map((userId) => bodyFor(userId, { username: 'shared', password: STRONG_PASSWORD })));
    const answers = await Promise.all(bodies.map((body) => server.post('/submit', body)));
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, ...Array.from({ length: 19 }, () => 422)]);
    expect(holdersOf('shared')).toHaveLength(1);
    expect(emulator.users.checkDatabasePassword(DATABASE, 'shared', STRONG_PASSWORD)?.user.user_id).toBe(holdersOf('shared')[0]);
  });
});

describe('a claimed value', () => {
  it('is taken for another user while the search still lags, and after the claim lapses the search says taken', async () => {
    const server = await startServer();
    const value = freshValue();
    const [first, second, third] = freshUsers(3);
    expect((await server.post('/submit', await bodyFor(first!, { badge: value }))).statusCode).toBe(200);
    expect((await server.post('/submit', await bodyFor(second!, { badge: ` ${value.toUpperCase()} ` }))).body.fields).toEqual({ badge: 'taken' });
    await time.sleep(UNIQUE_SEARCH_LAG_SECONDS * 1000 + 1_000);
    expect((await server.post('/submit', await bodyFor(third!, { badge: value }))).body.fields).toEqual({ badge: 'taken' });
    expect(holdersOf(value)).toEqual([first]);
  });

  it('stays its owner\'s: the same user submitting it again (a retry, another login) succeeds', async () => {
    const server = await startServer();
    const value = freshValue();
    const [owner] = freshUsers(1);
    expect((await server.post('/submit', await bodyFor(owner!, { badge: value }))).statusCode).toBe(200);
    expect((await server.post('/submit', await bodyFor(owner!, { badge: value }))).statusCode).toBe(200);
  });

  it('is released when the write fails, so another user may take it at once', async () => {
    const network = createFaultyFetch(time.fetch);
    const server = await startProfileServer({ emulator, time, config: { form: BADGE_FORM }, deps: { fetch: network.fetch } });
    const value = freshValue();
    const [loser, winner] = freshUsers(2);
    // The search answers; every attempt of the write fails.
    network.add({ method: 'PATCH', path: /^\/api\/v2\/users\//u, fault: { status: 500 }, times: 4 });
    expectRefusal(await server.post('/submit', await bodyFor(loser!, { badge: value })), 502, 'upstream_error');
    expect((await server.post('/submit', await bodyFor(winner!, { badge: value }))).statusCode).toBe(200);
    expect(holdersOf(value)).toEqual([winner]);
  });
});

describe('a username a user signed up with in a database connection', () => {
  it('is taken for a social user claiming it in a form without linking, once search sees it; nothing is written', async () => {
    const server = await startServer({ form: USERNAME_FORM });
    // Signed up directly in the connection: a root username, no metadata.
    emulator.users.create({
      ...githubUser('x', 'signed-up@example.com'),
      user_id: 'auth0|signed-up',
      username: 'dbname',
      identities: [{ connection: DATABASE, provider: 'auth0', user_id: 'signed-up', isSocial: false, password: STRONG_PASSWORD }],
    });
    await time.sleep(SEARCH_LAG_MS);
    const [claimant] = freshUsers(1);
    const before = await emulator.stats();
    const refused = await server.post('/submit', await bodyFor(claimant!, { username: ' DBName ' }));
    expectRefusal(refused, 422, 'invalid_fields');
    expect(refused.body.fields).toEqual({ username: 'taken' });
    expect(emulator.users.get(claimant!)?.app_metadata).toEqual({});
    expect((await emulator.stats()).patches).toBe(before.patches);

    // Its owner may still save it as their own.
    expect((await server.post('/submit', await bodyFor('auth0|signed-up', { username: 'dbname' }))).statusCode).toBe(200);
    expect(emulator.users.get('auth0|signed-up')?.app_metadata).toEqual({ username: 'dbname' });
  });
});
