// User search lags behind writes, as Auth0's does, while reading a user by id does not: a write is
// invisible to search until the lag has passed. Time is moved by hand, never slept.
import { afterEach, describe, expect, it } from 'vitest';
import { matchesSearchQuery, parseSearchQuery, SearchIndex, type SearchQuery } from '../../demo/emulator/search-index.js';
import { UserStore } from '../../demo/emulator/user-store.js';
import { CLIENT_ID, CLIENT_SECRET, makeUser, startManagementEmulator, type RunningEmulator } from '../support/management-emulator.js';
import { accessToken, ALL_USER_SCOPES, callApi } from './support.js';

let emulator: RunningEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const credentials = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
const hasBadge = (badge: string) => (user: { app_metadata: Record<string, unknown> }) => user.app_metadata.badge === badge;

describe('the search index', () => {
  it('shows the users that exist when it starts at once, and each later write only after the lag', () => {
    let now = 1_000;
    const users = new UserStore([makeUser('auth0|alice', { app_metadata: { badge: 'a' } })]);
    const index = new SearchIndex(users, { lagMs: 2_000, now: () => now });
    expect(index.search(hasBadge('a')).map((user) => user.user_id)).toEqual(['auth0|alice']);

    users.patch('auth0|alice', { app_metadata: { badge: 'b' } });
    users.create(makeUser('auth0|bob', { app_metadata: { badge: 'b' } }));
    expect(users.get('auth0|alice')?.app_metadata.badge).toBe('b');
    expect(index.search(hasBadge('b'))).toEqual([]);
    expect(index.search(hasBadge('a')).map((user) => user.user_id)).toEqual(['auth0|alice']);

    now += 1_999;
    expect(index.search(hasBadge('b'))).toEqual([]);
    now += 1;
    expect(index.search(hasBadge('b')).map((user) => user.user_id)).toEqual(['auth0|alice', 'auth0|bob']);
    expect(index.search(hasBadge('a'))).toEqual([]);
  });

  it('keeps a deleted user findable until the lag has passed', () => {
    let now = 0;
    const users = new UserStore([makeUser('auth0|alice', { app_metadata: { badge: 'a' } })]);
    const index = new SearchIndex(users, { lagMs: 500, now: () => now });
    users.delete('auth0|alice');
    expect(index.search(hasBadge('a'))).toHaveLength(1);
    now = 500;
    expect(index.search(hasBadge('a'))).toEqual([]);
  });

  it('applies a changed lag to later writes', () => {
    let now = 0;
    const users = new UserStore([makeUser('auth0|alice')]);
    const index = new SearchIndex(users, { now: () => now });
    users.patch('auth0|alice', { app_metadata: { badge: 'now' } });
    expect(index.search(hasBadge('now'))).toHaveLength(1);
    index.setLag(100);
    users.patch('auth0|alice', { app_metadata: { badge: 'later' } });
    expect(index.search(hasBadge('later'))).toEqual([]);
    expect(index.search(hasBadge('now'))).toHaveLength(1);
    now = 100;
    expect(index.search(hasBadge('later'))).toHaveLength(1);
    expect(() => index.setLag(-1)).toThrow(TypeError);
  });

  it('parses exact metadata and username queries, escapes undone', () => {
    expect(parseSearchQuery('app_metadata.badge:"a\\"b"')).toEqual({ anyOf: [{ target: 'app_metadata', key: 'badge', value: 'a"b' }] });
    expect(parseSearchQuery('user_metadata.job\\.title:CTO')).toEqual({ anyOf: [{ target: 'user_metadata', key: 'job.title', value: 'CTO' }] });
    expect(parseSearchQuery(' username:"bob\\ jr" ')).toEqual({ anyOf: [{ target: 'username', value: 'bob jr' }] });
    expect(parseSearchQuery('email:"a@example.com"')).toBeUndefined();
  });

  it('parses terms joined by OR, and refuses any other operator, a lower-case or, grouping or a dangling OR', () => {
    expect(parseSearchQuery('app_metadata.username:"a OR b" OR username:"a\\ OR\\ b"')).toEqual({
      anyOf: [
        { target: 'app_metadata', key: 'username', value: 'a OR b' },
        { target: 'username', value: 'a OR b' },
      ],
    });
    expect(parseSearchQuery('username:a OR user_metadata.x:1 OR app_metadata.y:"2"')?.anyOf).toHaveLength(3);
    for (const q of [
      'username:"a" AND app_metadata.username:"a"',
      'username:"a" or app_metadata.username:"a"',
      'username:"a" app_metadata.username:"a"',
      'username:"a" OR',
      'OR username:"a"',
      '(username:"a" OR username:"b")',
      'username:(a OR b)',
      'NOT username:"a"',
      'username:"a" OR email:"a@example.com"',
      'usernames:"a"',
    ]) {
      expect(parseSearchQuery(q), q).toBeUndefined();
    }
  });

  it('matches a user on any term: username whatever its case, metadata only in the same case', () => {
    const user = new UserStore([makeUser('auth0|bob', { username: 'Bob', app_metadata: { username: 'bobby' } })]).get('auth0|bob')!;
    const matches = (q: string) => matchesSearchQuery(user, parseSearchQuery(q) as SearchQuery);
    expect(matches('username:"bob"')).toBe(true);
    expect(matches('username:"BOB"')).toBe(true);
    expect(matches('username:"bo"')).toBe(false);
    expect(matches('app_metadata.username:"bobby"')).toBe(true);
    expect(matches('app_metadata.username:"Bobby"')).toBe(false);
    expect(matches('app_metadata.username:"bob" OR username:"bob"')).toBe(true);
    expect(matches('app_metadata.username:"bobby" OR username:"nobody"')).toBe(true);
    expect(matches('app_metadata.username:"nobody" OR username:"nobody"')).toBe(false);
    const noUsername = makeUser('github|1', { app_metadata: { username: 'bob' } });
    expect(matchesSearchQuery(new UserStore([noUsername]).get('github|1')!, parseSearchQuery('username:"bob"') as SearchQuery)).toBe(false);
  });
});

describe('user search over HTTP', () => {
  it('hides a write from GET /users for the configured lag while GET /users/{id} sees it at once', async () => {
    let now = Date.UTC(2026, 10, 30, 9, 0, 0);
    emulator = await startManagementEmulator({
      users: [makeUser('auth0|alice')],
      clients: [{ ...credentials, scope: ALL_USER_SCOPES }],
      searchIndexLagMs: 2_000,
      clock: { now: () => now },
    });
    const { origin } = emulator;
    const token = await accessToken(origin, credentials);
    const search = async () =>
      (await callApi(origin, token, 'GET', `/users?${new URLSearchParams({ q: 'app_metadata.badge:"b-7"', search_engine: 'v3' })}`)).body;

    await callApi(origin, token, 'PATCH', '/users/auth0%7Calice', { app_metadata: { badge: 'b-7' } });
    expect((await callApi(origin, token, 'GET', '/users/auth0%7Calice')).body.app_metadata).toEqual({ badge: 'b-7' });
    expect(await search()).toEqual([]);
    now += 2_000;
    expect((await search()).map((user: { user_id: string }) => user.user_id)).toEqual(['auth0|alice']);
  });

  it('finds a new database user by username, or by either of two OR-ed terms, only after the lag', async () => {
    let now = 0;
    emulator = await startManagementEmulator({
      users: [makeUser('auth0|alice', { app_metadata: { username: 'carol' } })],
      clients: [{ ...credentials, scope: ALL_USER_SCOPES }],
      searchIndexLagMs: 1_000,
      clock: { now: () => now },
    });
    const { origin, users } = emulator;
    const token = await accessToken(origin, credentials);
    const search = async (q: string) =>
      ((await callApi(origin, token, 'GET', `/users?${new URLSearchParams({ q, search_engine: 'v3', fields: 'user_id' })}`)).body as Array<{ user_id: string }>).map(
        (user) => user.user_id,
      );

    users.create(makeUser('auth0|bob', { username: 'bob' }));
    expect(await search('username:"bob"')).toEqual([]);
    expect(await search('app_metadata.username:"carol" OR username:"carol"')).toEqual(['auth0|alice']);
    now = 1_000;
    expect(await search('username:"Bob"')).toEqual(['auth0|bob']);
    expect(await search('app_metadata.username:"bob" OR username:"bob"')).toEqual(['auth0|bob']);
    expect(await search('app_metadata.username:"carol" OR username:"bob"')).toEqual(['auth0|alice', 'auth0|bob']);

    const unsupported = await callApi(origin, token, 'GET', `/users?${new URLSearchParams({ q: 'username:"bob" AND app_metadata.plan:"pro"' })}`);
    expect(unsupported.status).toBe(400);
    expect(unsupported.body).toMatchObject({ statusCode: 400, error: 'Bad Request', errorCode: 'invalid_query_string' });
  });

  it('changes the lag at runtime through POST /__emulator/search-lag, and refuses a bad one', async () => {
    let now = 0;
    emulator = await startManagementEmulator({ users: [makeUser('auth0|alice')], clock: { now: () => now } });
    const { origin } = emulator;
    const setLag = (body: unknown) =>
      fetch(`${origin}/__emulator/search-lag`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await setLag({ lagMs: 1_000 });
    expect(await answer.json()).toEqual({ lagMs: 1_000 });
    expect((await setLag({ lagMs: -5 })).status).toBe(400);
    expect((await setLag({})).status).toBe(400);

    const token = await accessToken(origin, credentials);
    await callApi(origin, token, 'PATCH', '/users/auth0%7Calice', { app_metadata: { badge: 'x' } });
    const search = async () => (await callApi(origin, token, 'GET', '/users?q=app_metadata.badge%3Ax')).body;
    expect(await search()).toEqual([]);
    now = 1_000;
    expect(await search()).toHaveLength(1);
  });
});
