// The Prometheus metrics, scraped over a real socket from the metrics listener after real requests:
// submits and skips by outcome, durations by route, validation-hook calls by outcome (the demo's
// receiver and hooks that misbehave), Management API attempts by status (the emulated tenant's
// faults, the real auth0 SDK), the in-memory store's entries and the process defaults.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { startValidationHookReceiver, type RunningReceiver } from '../../../demo/validation-hook.js';
import { findFreePort } from '../../../demo/free-port.js';
import { buildApp } from '../../../server/app.js';
import { createServerDeps, type ServerDeps } from '../../../server/deps.js';
import { RequestError } from '../../../server/http/errors.js';
import { buildMetricsApp, createMetrics, type Metrics } from '../../../server/ops/metrics.js';
import { createMemoryStore } from '../../../server/store/memory.js';
import { createRedisStore } from '../../../server/store/redis.js';
import { makeUser, startManagementEmulator, type RunningEmulator } from '../../support/management-emulator.js';
import { emulatedTenantConfig } from '../../support/profile-server.js';
import { createVirtualTime } from '../../support/virtual-time.js';
import { closeApps, post, setup, submitBody, track, VALUES } from '../support/app.js';
import { startCannedHook } from '../support/canned-hook.js';
import { NOW_SECONDS, frozenClock, mintSessionToken } from '../support/fixtures.js';

const HOOK_SECRET = 'metrics-hook-secret-0123456789-abcdefgh';
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  await closeApps();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Scrapes GET /metrics from a metrics listener of its own on a loopback port. */
async function scrape(metrics: Metrics): Promise<{ text: string; contentType: string | null }> {
  const listener = buildMetricsApp(metrics);
  cleanups.push(() => listener.close());
  const origin = await listener.listen({ host: '127.0.0.1', port: 0 });
  const response = await fetch(`${origin}/metrics`);
  expect(response.status).toBe(200);
  return { text: await response.text(), contentType: response.headers.get('content-type') };
}

/** The value of the series `name` with exactly `labels`, or undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/u.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/gu)].map((pair) => [pair[1], pair[2]]));
    const wanted = Object.entries(labels);
    if (wanted.length === Object.keys(found).length && wanted.every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/** Every series of `name` as `labels → value`, for a whole family at once. */
function family(text: string, name: string, label: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}\\{(.*)\\} (\\S+)$`, 'u').exec(line);
    if (!match) continue;
    const key = new RegExp(`${label}="([^"]*)"`, 'u').exec(match[1])?.[1];
    if (key !== undefined) values[key] = (values[key] ?? 0) + Number(match[2]);
  }
  return values;
}

describe('metrics of /submit and /skip', () => {
  it('counts each answer by outcome and times each route, serving them on the metrics listener only', async () => {
    const metrics = createMetrics();
    const clock = frozenClock();
    const store = createMemoryStore({ clock });
    cleanups.push(() => store.close());
    const { app, writer } = setup({}, { metrics, store, clock });

    const used = await submitBody();
    expect((await post(app, '/submit', used)).statusCode).toBe(200);
    expect((await post(app, '/submit', used)).statusCode).toBe(409);
    expect((await post(app, '/submit', { ...(await submitBody()), session_token: await mintSessionToken({}, { secret: 'another-secret-0123456789-abcdefghijklmn' }) })).statusCode).toBe(401);
    expect((await post(app, '/submit', await submitBody({ company_name: '', job_title: 'CTO' }))).statusCode).toBe(422);
    expect((await post(app, '/submit', { session_token: 'x', values: VALUES })).statusCode).toBe(400);
    writer.failure = new RequestError('upstream_unavailable', 'The profile service cannot be reached.');
    expect((await post(app, '/submit', await submitBody())).statusCode).toBe(503);
    expect((await post(app, '/skip', { state: 's', session_token: await mintSessionToken() })).statusCode).toBe(200);
    expect((await post(app, '/skip', { state: 's', session_token: await mintSessionToken({ allow_skip: false }) })).statusCode).toBe(403);
    expect((await app.inject('/form')).statusCode).toBe(200);

    // Never on the public port.
    expect((await app.inject('/metrics')).statusCode).toBe(404);
    const { text, contentType } = await scrape(metrics);
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(family(text, 'progressive_profile_submits_total', 'outcome')).toEqual({
      200: 1,
      session_used: 1,
      invalid_session: 1,
      invalid_fields: 1,
      invalid_request: 1,
      upstream_unavailable: 1,
    });
    expect(family(text, 'progressive_profile_skips_total', 'outcome')).toEqual({ 200: 1, skip_not_allowed: 1 });
    const durations = (route: string, method: string) => sample(text, 'progressive_profile_request_duration_seconds_count', { route, method });
    expect([durations('/submit', 'POST'), durations('/skip', 'POST'), durations('/form', 'GET')]).toEqual([6, 2, 1]);
    expect(sample(text, 'progressive_profile_request_duration_seconds_bucket', { route: '/submit', method: 'POST', le: '15' })).toBe(6);
    // The used T1s and the refused attempt's count, at least.
    expect(sample(text, 'progressive_profile_single_use_store_entries')).toBe(store.size);
    expect(store.size).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('keeps each app’s counts in its own registry, and gauges no store that cannot count its entries (Redis)', async () => {
    const first = createMetrics({ collectDefaults: false });
    const second = createMetrics({ collectDefaults: false });
    const redisPort = await findFreePort();
    const redis = createRedisStore(`redis://127.0.0.1:${redisPort}`);
    cleanups.push(() => redis.close());
    const { app } = setup({}, { metrics: first });
    await setup({}, { metrics: second, store: redis }).app.ready();
    expect((await post(app, '/submit', await submitBody())).statusCode).toBe(200);

    const one = (await scrape(first)).text;
    const other = (await scrape(second)).text;
    expect(sample(one, 'progressive_profile_submits_total', { outcome: '200' })).toBe(1);
    expect(sample(other, 'progressive_profile_submits_total', { outcome: '200' })).toBe(0);
    expect(sample(one, 'progressive_profile_single_use_store_entries')).toBe(1);
    expect(other).not.toContain('progressive_profile_single_use_store_entries');
    expect(other).not.toContain('process_cpu_user_seconds_total');
  });
});

describe('metrics of the validation hook', () => {
  async function startReceiver(secret: string): Promise<RunningReceiver> {
    const receiver = await startValidationHookReceiver({ secret, now: () => NOW_SECONDS * 1000 });
    cleanups.push(() => receiver.close());
    return receiver;
  }

  it('counts calls accepted, refused, and each kind of failure', async () => {
    const metrics = createMetrics({ collectDefaults: false });
    const receiver = await startReceiver(HOOK_SECRET);
    const otherReceiver = await startReceiver('another-hook-secret-0123456789-abcdefg');
    const accepted = { company_name: 'Initech', job_title: 'CTO' };
    const submitTo = async (url: string, values: Record<string, unknown> = accepted, timeout = 3) => {
      const { app } = setup({ validationHook: { url, secret: HOOK_SECRET }, validationHookTimeout: timeout }, { metrics });
      return (await post(app, '/submit', await submitBody(values))).statusCode;
    };

    expect(await submitTo(receiver.url)).toBe(200);
    expect(await submitTo(receiver.url, { company_name: 'Acme', job_title: 'CTO' })).toBe(422);
    expect(await submitTo(otherReceiver.url)).toBe(503);
    expect(await submitTo(`http://127.0.0.1:${await findFreePort()}/hook`)).toBe(503);
    expect(await submitTo(await startCannedHook(cleanups, { status: 200, body: 'yes' }))).toBe(503);
    expect(await submitTo(await startCannedHook(cleanups, { status: 200, body: '{"error": {}}' }))).toBe(503);
    expect(await submitTo(await startCannedHook(cleanups, { status: 302, body: '' }))).toBe(503);
    expect(await submitTo(await startCannedHook(cleanups), accepted, 0.2)).toBe(503);

    const { text } = await scrape(metrics);
    expect(family(text, 'progressive_profile_validation_hook_calls_total', 'outcome')).toEqual({
      accepted: 1,
      refused: 1,
      hook_status: 1,
      hook_unreachable: 1,
      hook_garbage: 1,
      hook_shape: 1,
      hook_redirect: 1,
      hook_timeout: 1,
    });
    expect(family(text, 'progressive_profile_submits_total', 'outcome')).toEqual({ 200: 1, invalid_fields: 1, upstream_unavailable: 6 });
  });
});

describe('metrics of the Management API', () => {
  const time = createVirtualTime();

  async function startTenant(): Promise<RunningEmulator> {
    const users = Array.from({ length: 4 }, (_, index) => makeUser(`auth0|user-${index}`));
    const emulator = await startManagementEmulator({ users, clock: time.clock });
    cleanups.push(() => emulator.close());
    return emulator;
  }

  /** The production wiring against `emulator`, counting into `metrics`. */
  async function startServer(emulator: RunningEmulator, metrics: Metrics, managementApiTimeout = 10): Promise<FastifyInstance> {
    const config = emulatedTenantConfig(emulator.tenant, { managementApiTimeout });
    const deps: ServerDeps = await createServerDeps(config, {
      clock: time.clock,
      sleep: time.sleep,
      fetch: time.fetch,
      onManagementAttempt: metrics.countManagementAttempt,
    });
    cleanups.push(() => deps.close());
    return track(buildApp(config, { ...deps, metrics }));
  }

  async function submitAs(app: FastifyInstance, emulator: RunningEmulator, userId: string) {
    const token = await mintSessionToken({ sub: userId, iss: emulator.tenant.host }, { iat: Math.floor(time.clock.now() / 1000) });
    return (await post(app, '/submit', { state: 's', session_token: token, values: VALUES })).statusCode;
  }

  it('counts every HTTP attempt by endpoint and status: 5xx, 429, a dropped connection, a revoked token, a timeout', async () => {
    const emulator = await startTenant();
    const metrics = createMetrics({ collectDefaults: false });
    const app = await startServer(emulator, metrics);

    await emulator.queueFaults('api', [{ status: 503 }, { status: 429, retryAfter: 1 }, { drop: true }]);
    expect(await submitAs(app, emulator, 'auth0|user-0')).toBe(200);
    await emulator.revokeTokens();
    expect(await submitAs(app, emulator, 'auth0|user-1')).toBe(200);
    await emulator.queueFaults('api', [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }]);
    expect(await submitAs(app, emulator, 'auth0|user-2')).toBe(502);
    const impatient = await startServer(emulator, metrics, 0.3);
    await emulator.queueFaults('api', [{ hang: true }]);
    expect(await submitAs(impatient, emulator, 'auth0|user-3')).toBe(504);

    const { text } = await scrape(metrics);
    const attempts = (endpoint: string, status: string) => sample(text, 'progressive_profile_management_api_requests_total', { endpoint, status });
    // One token per server, and a new one after the revocation.
    expect(attempts('token', '200')).toBe(3);
    expect({
      503: attempts('api', '503'),
      429: attempts('api', '429'),
      network: attempts('api', 'network'),
      401: attempts('api', '401'),
      500: attempts('api', '500'),
      timeout: attempts('api', 'timeout'),
    }).toEqual({ 503: 1, 429: 1, network: 1, 401: 1, 500: 4, timeout: 1 });
    // The two writes that landed, at least.
    expect(attempts('api', '200')).toBeGreaterThanOrEqual(2);
    expect(family(text, 'progressive_profile_submits_total', 'outcome')).toEqual({ 200: 2, upstream_error: 1, upstream_timeout: 1 });
  });
});
