import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TenantHost } from '../../../server/config.js';
import { LINK_MARKER } from '../../../server/upstream/identity-linker.js';
import { escapeLucene } from '../../../server/upstream/management-api.js';
import { createManagementWriter } from '../../../server/upstream/management-writer.js';
import type { WriteOptions } from '../../../server/upstream/profile-writer.js';
import { RequestError } from '../../../server/http/errors.js';
import { findFreePort } from '../../../demo/free-port.js';
import { CLIENT_ID, CLIENT_SECRET, makeUser, startManagementEmulator, type RunningEmulator } from '../../support/management-emulator.js';
import { createVirtualTime, type VirtualTime } from '../../support/virtual-time.js';

interface SentRequest {
  method: string;
  url: string;
  body: string | undefined;
}

let emulator: RunningEmulator | undefined;
// The writer, the tenant's rate limit and these tests share one virtual clock: waits cost no real time.
let time: VirtualTime;
// The waits the writer asked for (its sleeps), in virtual milliseconds: what a test asserts instead
// of an upper bound on elapsed time, which would include the machine's own speed.
let waits: number[] = [];

beforeEach(() => {
  time = createVirtualTime();
});

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function setUp(options: { clientSecret?: string; rateLimit?: boolean } = {}) {
  emulator = await startManagementEmulator({
    users: [
      makeUser('auth0|alice', { user_metadata: { company_name: 'Acme', job_title: 'CTO' }, app_metadata: { plan: 'pro' } }),
      makeUser('auth0|bob', { user_metadata: { company_name: 'Say "hi" \\ (now): *', nickname: 'bobby' } }),
      // Signed up in a database connection: a root username, no metadata.
      makeUser('auth0|dbuser', { username: 'bob' }),
      makeUser('github|42', { app_metadata: { username: 'ghopper' } }),
      // Created by the identity linker for github|7, not linked yet (its create answered late).
      makeUser('auth0|pending', { username: 'kjohnson', app_metadata: { [LINK_MARKER]: 'github|7' } }),
    ],
    freeTierRateLimit: options.rateLimit ?? false,
    clock: time.clock,
  });
  const sent: SentRequest[] = [];
  const warnings: Array<{ obj: object; msg: string }> = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    sent.push({ method: init?.method ?? 'GET', url, body: typeof init?.body === 'string' ? init.body : undefined });
    return time.fetch(input, init);
  };
  const writer = createManagementWriter({
    tenant: emulator.tenant,
    clientId: CLIENT_ID,
    clientSecret: options.clientSecret ?? CLIENT_SECRET,
    fetch: recordingFetch,
    clock: time.clock,
    sleep: recordingSleep,
    logger: { warn: (obj, msg) => warnings.push({ obj, msg }) },
  });
  return { emulator, writer, sent, warnings };
}

function budget(ms: number): WriteOptions {
  return { signal: new AbortController().signal, deadline: time.clock.now() + ms };
}

async function failure(promise: Promise<unknown>): Promise<RequestError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RequestError);
  return error as RequestError;
}

/** `run`'s result and the milliseconds it took on the virtual clock (its waits plus the real time it ran). */
function recordingSleep(ms: number, signal?: AbortSignal): Promise<void> {
  waits.push(ms);
  return time.sleep(ms, signal);
}

/**
 * Runs `run`; answers its result, the time it took on the shared clock (virtual waits plus the real
 * time underneath: a lower bound on it is safe, an upper bound races the machine) and the waits
 * it asked for.
 */
async function timed<T>(run: () => Promise<T>): Promise<{ result: T; elapsed: number; waits: number[]; waited: number }> {
  waits = [];
  const startedAt = time.clock.now();
  const result = await run();
  return { result, elapsed: time.clock.now() - startedAt, waits: [...waits], waited: waits.reduce((sum, ms) => sum + ms, 0) };
}

// A hung request ends only by the writer's own deadline timer (real time): the hang tests give it a
// short budget and allow five times that, still well below what ends a hang when the deadline
// does not (the SDK's own timeout, 2 s and more past it).
const HANG_BUDGET_MS = 300;
const WITHIN_HANG_BUDGET = 5 * HANG_BUDGET_MS;

describe('writeProfile', () => {
  it('sends exactly one PATCH with the metadata as given, through the loopback origin', async () => {
    const { emulator, writer, sent } = await setUp();
    const patch = { user_metadata: { company_name: 'Globex', job_title: null }, app_metadata: { tier: 'gold' } };
    await writer.writeProfile('auth0|alice', patch, budget(5_000));
    const patches = sent.filter((request) => request.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0].url).toBe(`${emulator.origin}/api/v2/users/auth0%7Calice`);
    expect(JSON.parse(patches[0].body ?? '')).toEqual(patch);
    expect(emulator.users.get('auth0|alice')).toMatchObject({
      user_metadata: { company_name: 'Globex' },
      app_metadata: { plan: 'pro', tier: 'gold' },
    });
    expect(await emulator.stats()).toMatchObject({ tokenRequests: 1, apiRequests: 1, patches: 1 });
  });

  it('sends only the metadata objects the patch holds', async () => {
    const { writer, sent } = await setUp();
    await writer.writeProfile('auth0|alice', { app_metadata: { tier: 'gold' } }, budget(5_000));
    expect(JSON.parse(sent.find((request) => request.method === 'PATCH')?.body ?? '')).toEqual({ app_metadata: { tier: 'gold' } });
  });

  it('refuses an empty patch or an empty metadata object, which would wipe metadata, without calling Auth0', async () => {
    const { writer, sent } = await setUp();
    for (const patch of [{}, { user_metadata: {} }, { app_metadata: {} }, { user_metadata: { a: 1 }, app_metadata: {} }]) {
      await expect(writer.writeProfile('auth0|alice', patch, budget(5_000))).rejects.toBeInstanceOf(TypeError);
    }
    expect(sent).toEqual([]);
  });

  it('fetches one Management API token for many writes', async () => {
    const { emulator, writer } = await setUp();
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        writer.writeProfile('auth0|alice', { user_metadata: { [`key_${index}`]: index } }, budget(10_000)),
      ),
    );
    for (let index = 0; index < 10; index += 1) {
      await writer.writeProfile('auth0|bob', { user_metadata: { counter: index } }, budget(5_000));
    }
    expect(await emulator.stats()).toMatchObject({ tokenRequests: 1, patches: 50 });
  });

  it('waits out a 429 by its Retry-After, then succeeds', async () => {
    const { emulator, writer, warnings } = await setUp();
    await writer.writeProfile('auth0|alice', { user_metadata: { warm: true } }, budget(5_000));
    await emulator.queueFaults('api', [{ status: 429, retryAfter: 1 }]);
    const { elapsed, waits } = await timed(() => writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, budget(5_000)));
    expect(elapsed).toBeGreaterThanOrEqual(990);
    // One wait, of the second asked for (less what passed since the 429; more than a backoff's 300 ms).
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(500);
    expect(waits[0]).toBeLessThanOrEqual(1_000);
    expect(await emulator.stats()).toMatchObject({ apiRequests: 3, patches: 2 });
    expect(warnings).toEqual([
      { obj: { operation: 'update_user', status: 429, failure: 'rate_limited', attempt: 1 }, msg: 'Management API call failed' },
    ]);
  });

  it('waits out a 429 until its x-ratelimit-reset, then succeeds', async () => {
    const { emulator, writer } = await setUp();
    await emulator.queueFaults('api', [{ status: 429, resetInSeconds: 1 }]);
    const { elapsed, waits } = await timed(() => writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, budget(5_000)));
    // The reset is a whole unix second (the current one rounded up, plus the 1 asked for), so the
    // one wait lies in [1, 2) s, less what passed since the 429.
    expect(elapsed).toBeGreaterThan(200);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(500);
    expect(waits[0]).toBeLessThanOrEqual(2_000);
    expect(await emulator.stats()).toMatchObject({ apiRequests: 2, patches: 1 });
  });

  it('answers upstream_unavailable with retryAfter at once when a 429 asks to wait past the deadline', async () => {
    const { emulator, writer } = await setUp();
    const inThirtySeconds = new Date(time.clock.now() + 30_000).toUTCString();
    for (const fault of [{ status: 429, retryAfter: 30 }, { status: 429, retryAfter: inThirtySeconds }, { status: 429, resetInSeconds: 30 }]) {
      await emulator.queueFaults('api', [fault]);
      const { result: error, waits } = await timed(() =>
        failure(writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, budget(3_000))),
      );
      expect(error).toMatchObject({ code: 'upstream_unavailable', statusCode: 503 });
      expect(error.retryAfter).toBeGreaterThanOrEqual(28);
      expect(error.retryAfter).toBeLessThanOrEqual(31);
      // At once: no wait at all.
      expect(waits).toEqual([]);
    }
    expect(emulator.users.get('auth0|alice')?.user_metadata).not.toHaveProperty('a');
  });

  it('answers upstream_unavailable with retryAfter at once when a 429 leaves too little of the budget for another attempt', async () => {
    const { emulator, writer } = await setUp();
    await emulator.queueFaults('api', [{ status: 429, retryAfter: 1 }]);
    const { result: error, waits } = await timed(() =>
      failure(writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, budget(1_200))),
    );
    expect(error).toMatchObject({ code: 'upstream_unavailable', statusCode: 503, retryAfter: 1 });
    expect(waits).toEqual([]);
    expect((await emulator.stats()).apiRequests).toBe(1);
  });

  it("survives the free tier's own limit by waiting for the bucket", async () => {
    const { emulator, writer } = await setUp({ rateLimit: true });
    const { waits } = await timed(() =>
      Promise.all(
        Array.from({ length: 4 }, (_, index) =>
          writer.writeProfile('auth0|alice', { user_metadata: { [`key_${index}`]: index } }, budget(8_000)),
        ),
      ),
    );
    // Every write succeeded, so inside its budget (past it, a write answers upstream_timeout).
    const stats = await emulator.stats();
    expect(stats.patches).toBe(4);
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(waits.length).toBeGreaterThan(0);
  });

  it("spends the free tier's tenant-wide budget on writes, not on refused retries, when 20 write at once", async () => {
    const { emulator, writer } = await setUp({ rateLimit: true });
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        writer.writeProfile('auth0|alice', { user_metadata: { [`key_${index}`]: index } }, budget(14_000)),
      ),
    );
    const stats = await emulator.stats();
    expect(stats.patches).toBe(20);
    // At most the first, simultaneous attempt of each write is refused; paced retries are not.
    // (Without pacing, every waiting write retried at the same reset second: about 6 requests each.)
    expect(stats.apiRequests).toBeLessThanOrEqual(40);
  }, 20_000);

  it('retries 5xx answers a bounded number of times, then answers upstream_error; the same write then succeeds', async () => {
    const { emulator, writer, warnings } = await setUp();
    await emulator.queueFaults('api', Array.from({ length: 6 }, () => ({ status: 503 })));
    const { result: error, waits, waited } = await timed(() =>
      failure(writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, budget(10_000))),
    );
    expect(error).toMatchObject({ code: 'upstream_error', statusCode: 502 });
    // A backoff between attempts, not a wait until the deadline.
    expect(waits).toHaveLength(3);
    expect(waited).toBeLessThan(4_000);
    expect((await emulator.stats()).apiRequests).toBe(4);
    expect(warnings.map((warning) => warning.obj)).toEqual(
      [1, 2, 3, 4].map((attempt) => ({ operation: 'update_user', status: 503, failure: 'server', attempt })),
    );
    await emulator.clearFaults();
    await writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, budget(5_000));
    expect(emulator.users.get('auth0|alice')?.user_metadata).toMatchObject({ a: 1 });
  });

  it('recovers from a 500 and a dropped connection within the budget', async () => {
    const { emulator, writer } = await setUp();
    await emulator.queueFaults('api', [{ status: 500 }, { drop: true }]);
    await writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, budget(5_000));
    expect(await emulator.stats()).toMatchObject({ apiRequests: 3, patches: 1 });
  });

  it('answers upstream_error without retrying an unexpected 4xx', async () => {
    const { emulator, writer } = await setUp();
    const error = await failure(writer.writeProfile('auth0|nobody', { user_metadata: { a: 1 } }, budget(5_000)));
    expect(error).toMatchObject({ code: 'upstream_error', statusCode: 502 });
    await emulator.queueFaults('api', [{ status: 400 }]);
    await failure(writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, budget(5_000)));
    expect((await emulator.stats()).apiRequests).toBe(2);
  });

  it('answers upstream_timeout when the API hangs, within the deadline', async () => {
    const { emulator, writer } = await setUp();
    await writer.writeProfile('auth0|alice', { user_metadata: { warm: true } }, budget(5_000));
    await emulator.queueFaults('api', [{ hang: true }]);
    const { result: error, elapsed } = await timed(() =>
      failure(writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, budget(HANG_BUDGET_MS))),
    );
    expect(error).toMatchObject({ code: 'upstream_timeout', statusCode: 504 });
    expect(elapsed).toBeGreaterThanOrEqual(HANG_BUDGET_MS - 50);
    expect(elapsed).toBeLessThan(WITHIN_HANG_BUDGET);
  });

  it("answers upstream_timeout as soon as the caller's signal aborts", async () => {
    const { emulator, writer } = await setUp();
    await emulator.queueFaults('api', [{ hang: true }]);
    const signal = AbortSignal.timeout(HANG_BUDGET_MS);
    const { result: error, elapsed } = await timed(() =>
      failure(writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, { signal, deadline: time.clock.now() + 10_000 })),
    );
    expect(error.code).toBe('upstream_timeout');
    // Long before the 10 s deadline.
    expect(elapsed).toBeLessThan(WITHIN_HANG_BUDGET);
  });

  it('answers upstream_unavailable when the tenant refuses connections', async () => {
    const port = await findFreePort();
    const tenant: TenantHost = { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` };
    const writer = createManagementWriter({
      tenant,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      clock: time.clock,
      sleep: recordingSleep,
      fetch: time.fetch,
    });
    const { result: error, waits, waited } = await timed(() =>
      failure(writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, budget(5_000))),
    );
    // Refused at once each time: a bounded number of attempts, backoffs between them, inside the budget.
    expect(error).toMatchObject({ code: 'upstream_unavailable', statusCode: 503 });
    expect(waits.length).toBeLessThanOrEqual(3);
    expect(waited).toBeLessThan(5_000);
  });

  it('answers upstream_error when the token endpoint refuses the credentials, without retrying', async () => {
    const { emulator, writer, warnings } = await setUp({ clientSecret: 'not-the-secret' });
    const error = await failure(writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, budget(5_000)));
    expect(error).toMatchObject({ code: 'upstream_error', statusCode: 502 });
    expect(await emulator.stats()).toMatchObject({ tokenRequests: 1, apiRequests: 0 });
    expect(JSON.stringify(warnings)).not.toContain('not-the-secret');
  });

  it('retries a failing token endpoint like the API itself', async () => {
    const { emulator, writer } = await setUp();
    await emulator.queueFaults('token', [{ status: 503 }, { status: 429 }]);
    await writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, budget(5_000));
    expect(await emulator.stats()).toMatchObject({ tokenRequests: 3, patches: 1 });
  });

  it('answers upstream_timeout within the deadline when the token endpoint hangs', async () => {
    const { emulator, writer } = await setUp();
    await emulator.queueFaults('token', [{ hang: true }]);
    const { result: error, elapsed } = await timed(() =>
      failure(writer.writeProfile('auth0|alice', { user_metadata: { a: 1 } }, budget(HANG_BUDGET_MS))),
    );
    expect(error.code).toBe('upstream_timeout');
    // The token request has its own 10 s limit: only the writer's deadline ends it this soon.
    expect(elapsed).toBeLessThan(WITHIN_HANG_BUDGET);
    expect((await emulator.stats()).patches).toBe(0);
  });

  it('logs statuses and attempts, never bodies, values or secrets', async () => {
    const { emulator, writer, warnings } = await setUp();
    await emulator.queueFaults('api', [{ status: 503, body: { message: 'secret-body jane@example.com' } }]);
    await writer.writeProfile('auth0|alice', { user_metadata: { email2: 'jane@example.com' } }, budget(5_000));
    const logged = JSON.stringify(warnings);
    expect(warnings).toHaveLength(1);
    for (const secret of ['secret-body', 'jane@example.com', CLIENT_SECRET, 'auth0|alice']) expect(logged).not.toContain(secret);
  });
});

describe('isValueTaken', () => {
  it("is true when another user holds the value and false for one's own or an unused value", async () => {
    const { writer } = await setUp();
    expect(await writer.isValueTaken('auth0|bob', 'user_metadata', 'company_name', 'Acme', budget(5_000))).toBe(true);
    expect(await writer.isValueTaken('auth0|alice', 'user_metadata', 'company_name', 'Acme', budget(5_000))).toBe(false);
    expect(await writer.isValueTaken('auth0|alice', 'user_metadata', 'company_name', 'Initech', budget(5_000))).toBe(false);
    expect(await writer.isValueTaken('auth0|bob', 'app_metadata', 'plan', 'pro', budget(5_000))).toBe(true);
  });

  it('escapes quotes, backslashes and Lucene operators so the value matches exactly', async () => {
    const { writer, sent } = await setUp();
    expect(await writer.isValueTaken('auth0|alice', 'user_metadata', 'company_name', 'Say "hi" \\ (now): *', budget(5_000))).toBe(
      true,
    );
    expect(await writer.isValueTaken('auth0|alice', 'user_metadata', 'company_name', '*', budget(5_000))).toBe(false);
    const search = new URL(sent.filter((request) => request.method === 'GET')[0].url);
    expect(search.pathname).toBe('/api/v2/users');
    expect(search.searchParams.get('q')).toBe('user_metadata.company_name:"Say\\ \\"hi\\"\\ \\\\\\ \\(now\\)\\:\\ \\*"');
    expect(search.searchParams.get('search_engine')).toBe('v3');
    expect(search.searchParams.get('fields')).toBe('user_id');
  });

  it("counts a database user's username as taken for a username field, whatever the case, in one search", async () => {
    const { writer, sent } = await setUp();
    expect(await writer.isValueTaken('auth0|alice', 'app_metadata', 'username', 'bob', budget(5_000))).toBe(true);
    expect(await writer.isValueTaken('auth0|alice', 'app_metadata', 'username', 'Bob', budget(5_000))).toBe(true);
    expect(await writer.isValueTaken('auth0|alice', 'user_metadata', 'username', 'bob', budget(5_000))).toBe(true);
    expect(await writer.isValueTaken('auth0|alice', 'app_metadata', 'username', 'ghopper', budget(5_000))).toBe(true);
    expect(await writer.isValueTaken('auth0|alice', 'app_metadata', 'username', 'bobby', budget(5_000))).toBe(false);
    const searches = sent.filter((request) => request.method === 'GET').map((request) => new URL(request.url).searchParams);
    expect(searches).toHaveLength(5);
    expect(searches[0]!.get('q')).toBe('app_metadata.username:"bob" OR username:"bob"');
    expect(searches[1]!.get('q')).toBe('app_metadata.username:"Bob" OR username:"bob"');
    expect(searches[2]!.get('q')).toBe('user_metadata.username:"bob" OR username:"bob"');
    expect(searches[0]!.get('search_engine')).toBe('v3');
    expect(searches[0]!.get('fields')).toBe('user_id,app_metadata');
  });

  it("does not count a user's own username against them, nor a username for a field with another id", async () => {
    const { writer, sent } = await setUp();
    expect(await writer.isValueTaken('auth0|dbuser', 'app_metadata', 'username', 'bob', budget(5_000))).toBe(false);
    expect(await writer.isValueTaken('github|42', 'app_metadata', 'username', 'ghopper', budget(5_000))).toBe(false);
    expect(await writer.isValueTaken('auth0|alice', 'app_metadata', 'handle', 'bob', budget(5_000))).toBe(false);
    expect(await writer.isValueTaken('auth0|alice', 'user_metadata', 'nickname', 'bob', budget(5_000))).toBe(false);
    const queries = sent.filter((request) => request.method === 'GET').map((request) => new URL(request.url).searchParams.get('q'));
    expect(queries.slice(2)).toEqual(['app_metadata.handle:"bob"', 'user_metadata.nickname:"bob"']);
  });

  it("does not count the database user a user's own unfinished link created, but does for anyone else", async () => {
    const { writer } = await setUp();
    expect(await writer.isValueTaken('github|7', 'app_metadata', 'username', 'kjohnson', budget(5_000))).toBe(false);
    expect(await writer.isValueTaken('github|8', 'app_metadata', 'username', 'kjohnson', budget(5_000))).toBe(true);
  });

  it('escapes the username in both terms', async () => {
    const { writer, sent } = await setUp();
    expect(await writer.isValueTaken('auth0|alice', 'app_metadata', 'username', 'bob" OR x:"', budget(5_000))).toBe(false);
    const search = new URL(sent.filter((request) => request.method === 'GET')[0]!.url);
    expect(search.searchParams.get('q')).toBe('app_metadata.username:"bob\\"\\ OR\\ x\\:\\"" OR username:"bob\\"\\ or\\ x\\:\\""');
  });

  it('translates upstream failures like writes do', async () => {
    const { emulator, writer } = await setUp();
    await emulator.queueFaults('api', Array.from({ length: 4 }, () => ({ status: 502 })));
    const error = await failure(writer.isValueTaken('auth0|alice', 'user_metadata', 'company_name', 'Acme', budget(10_000)));
    expect(error.code).toBe('upstream_error');
  });
});

describe('escapeLucene', () => {
  it('escapes every Lucene special character and leaves others alone', () => {
    expect(escapeLucene('a+b-c&&d||e!f(g)h{i}j[k]l^m"n~o*p?q:r\\s/t u')).toBe(
      'a\\+b\\-c\\&\\&d\\|\\|e\\!f\\(g\\)h\\{i\\}j\\[k\\]l\\^m\\"n\\~o\\*p\\?q\\:r\\\\s\\/t\\ u',
    );
    expect(escapeLucene('Ünïcode_42')).toBe('Ünïcode_42');
  });
});

describe('createManagementWriter', () => {
  it('refuses plain http to a host that is not loopback', () => {
    expect(() =>
      createManagementWriter({
        tenant: { host: 'acme.example.com', origin: 'http://acme.example.com' },
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
      }),
    ).toThrow(TypeError);
  });
});

