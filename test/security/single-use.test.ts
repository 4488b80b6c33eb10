// Single use of T1, attacked: re-encodings of one signed token without `jti`, and a client that
// keeps trying values with one T1. Over real HTTP against the emulated Management API, with the
// memory store and a real redis-server.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../../server/store/redis.js';
import { MAX_REFUSED_ATTEMPTS } from '../../server/store/single-use.js';
import { RequestError } from '../../server/http/errors.js';
import { makeUser, startManagementEmulator, type RunningEmulator } from '../support/management-emulator.js';
import { closeProfileServers, startProfileServer, type ProfileServer } from '../support/profile-server.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { createVirtualTime } from '../support/virtual-time.js';
import { testForm } from '../server/support/fixtures.js';
import { buildTestApp, closeApps, expectRefusal, mintSessionToken, postJson, submitBody } from './support.js';

const time = createVirtualTime();
const USERS = Array.from({ length: 10 }, (_, index) => `auth0|encoded-${index}`);
let emulator: RunningEmulator;
let redis: RedisServer;

beforeAll(async () => {
  emulator = await startManagementEmulator({ users: USERS.map((id) => makeUser(id)), clock: time.clock });
  redis = await startRedisServer();
});
afterAll(async () => {
  await emulator.close();
  await redis.stop();
});
afterEach(async () => {
  await closeProfileServers();
  await closeApps();
});

async function startServer(store: 'memory' | 'redis'): Promise<ProfileServer> {
  return startProfileServer({ emulator, time, config: store === 'redis' ? { redisUrl: redis.url } : {} });
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Nine other spellings of one HS256 token's signature that jose decodes to the same bytes: its 43
 * characters carry 256 bits, so the last one has 2 spare low bits (3 other values); a `=` pad;
 * whitespace inside (space, tab, line feed, CR LF) or after it; and all of these at once.
 */
function reencode(token: string): string[] {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  expect(signature).toHaveLength(43);
  const last = BASE64URL.indexOf(signature.at(-1) as string);
  const withLowBits = (bits: number) => signature.slice(0, -1) + BASE64URL[(last & ~3) | bits];
  const otherBits = [1, 2, 3].map((bits) => (last & 3) ^ bits);
  const variants = [
    ...otherBits.map(withLowBits),
    `${signature}=`,
    `${signature.slice(0, 20)} ${signature.slice(20)}`,
    `${signature.slice(0, 5)}\t${signature.slice(5)}`,
    `${signature.slice(0, 30)}\n${signature.slice(30)}`,
    `${signature.slice(0, 12)}\r\n${signature.slice(12)}`,
    ` ${withLowBits(otherBits[0] as number).slice(0, 40)} ${withLowBits(otherBits[0] as number).slice(40)}= `,
  ];
  expect(new Set(variants).size).toBe(9);
  return variants.map((variant) => `${header}.${payload}.${variant}`);
}

async function bodyWithoutJti(userId: string) {
  const token = await mintSessionToken({ sub: userId, iss: emulator.tenant.host }, { omit: ['jti'], iat: Math.floor(time.clock.now() / 1000) });
  return { state: `state-${userId}`, session_token: token, values: { company_name: 'Acme', job_title: 'CTO' } };
}

describe('a T1 without jti, re-encoded', () => {
  it.each(['memory', 'redis'] as const)('gets one T2 and writes once for the token and its nine re-encodings, one after another (%s store)', async (store) => {
    const server = await startServer(store);
    const body = await bodyWithoutJti(store === 'memory' ? USERS[0]! : USERS[1]!);
    const before = await emulator.stats();
    expect((await server.post('/submit', body)).statusCode).toBe(200);
    for (const token of reencode(body.session_token)) {
      expectRefusal(await server.post('/submit', { ...body, session_token: token }), 409, 'session_used');
      expectRefusal(await server.post('/skip', { state: body.state, session_token: token }), 409, 'session_used');
    }
    expect((await emulator.stats()).patches - before.patches).toBe(1);
  });

  it('gets one T2 when the token and its nine re-encodings arrive at once', async () => {
    const server = await startServer('memory');
    const body = await bodyWithoutJti(USERS[2]!);
    const before = await emulator.stats();
    const answers = await Promise.all([body.session_token, ...reencode(body.session_token)].map((token) => server.post('/submit', { ...body, session_token: token })));
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, ...Array.from({ length: 9 }, () => 409)]);
    expect((await emulator.stats()).patches - before.patches).toBe(1);
  });

  it('accepts each re-encoding as the token it is, so the refusals above are single use and not a bad signature', async () => {
    const token = await mintSessionToken({}, { omit: ['jti'] });
    for (const variant of reencode(token)) {
      // A fresh app each time: a store that has seen none of them.
      const { app, writer } = buildTestApp();
      expect((await postJson(app, '/submit', await submitBody({ token: variant }))).statusCode).toBe(200);
      expect(writer.writes).toHaveLength(1);
    }
  });
});

describe('refused attempts per T1', () => {
  const invalid = { company_name: '', job_title: 'CTO' };

  it.each(['memory', 'redis'] as const)(`answers session_used after ${MAX_REFUSED_ATTEMPTS} refused submits of one T1 (%s store)`, async (kind) => {
    const store = kind === 'redis' ? createRedisStore(redis.url, { keyPrefix: `pp:refusals-${Date.now()}:` }) : undefined;
    const { app, writer } = buildTestApp({}, store ? { store } : {});
    const body = await submitBody({ values: invalid });
    for (let attempt = 1; attempt <= MAX_REFUSED_ATTEMPTS; attempt += 1) {
      expectRefusal(await postJson(app, '/submit', body), 422, 'invalid_fields');
    }
    expectRefusal(await postJson(app, '/submit', { ...body, values: { company_name: 'Acme', job_title: 'CTO' } }), 409, 'session_used');
    expect(writer.writes).toEqual([]);
    await store?.close();
  });

  it('lets a person who fixes the form within the limit through', async () => {
    const { app, writer } = buildTestApp();
    const body = await submitBody({ values: invalid });
    for (let attempt = 1; attempt < MAX_REFUSED_ATTEMPTS; attempt += 1) expectRefusal(await postJson(app, '/submit', body), 422, 'invalid_fields');
    expect((await postJson(app, '/submit', { ...body, values: { company_name: 'Acme', job_title: 'CTO' } })).statusCode).toBe(200);
    expect(writer.writes).toHaveLength(1);
  });

  it('never counts upstream failures: the same submit may be retried after any number of 5xx', async () => {
    const { app, writer } = buildTestApp();
    const body = await submitBody();
    writer.failure = new RequestError('upstream_error', 'Upstream trouble.');
    for (let attempt = 1; attempt <= MAX_REFUSED_ATTEMPTS + 2; attempt += 1) expectRefusal(await postJson(app, '/submit', body), 502, 'upstream_error');
    writer.failure = undefined;
    expect((await postJson(app, '/submit', body)).statusCode).toBe(200);
  });

  it('counts /skip refused as not allowed against the same T1', async () => {
    const { app } = buildTestApp({ form: testForm({ allow_skip: false }) });
    const body = await submitBody();
    for (let attempt = 1; attempt <= MAX_REFUSED_ATTEMPTS; attempt += 1) {
      expectRefusal(await postJson(app, '/skip', { state: body.state, session_token: body.session_token }), 403, 'skip_not_allowed');
    }
    expectRefusal(await postJson(app, '/submit', body), 409, 'session_used');
  });
});
