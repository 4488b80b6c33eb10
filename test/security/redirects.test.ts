// The way back to Auth0: continue_url's host comes only from T1's verified iss mapped to
// configuration, state round-trips exactly, and CORS and the rate limit hold over real HTTP.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import type { Config } from '../../server/config.js';
import { CUSTOM_DOMAIN, RecordingWriter, TENANT, testConfig } from '../server/support/fixtures.js';
import {
  buildTestApp, closeApps, expectRefusal, forgeToken, mintSessionToken, postJson, sessionClaims, submitBody, verifyContinueToken,
} from './support.js';

afterEach(closeApps);

const STATES = [
  'a&b=c&session_token=evil',
  'before#after',
  'line\r\nSet-Cookie: x=1',
  '100%25 %zz %',
  '  spaced  out  ',
  'plus+sign',
  'ünïcödé 😀 東京',
  '%2F%2Fevil.example%2F',
  '/../../evil.example?x=1',
  '"><script>alert(1)</script>',
];

describe('state', () => {
  it.each(STATES)('round-trips %j exactly into continue_url and T2, on the configured host', async (state) => {
    const { app } = buildTestApp();
    for (const host of [TENANT, CUSTOM_DOMAIN]) {
      const token = forgeToken({ alg: 'HS256', typ: 'JWT' }, sessionClaims({ iss: host.host }));
      const response = await postJson(app, '/submit', await submitBody({ token, state }));
      expect(response.statusCode).toBe(200);
      const continueUrl = new URL(response.json().continue_url);
      expect(continueUrl.origin).toBe(host.origin);
      expect(continueUrl.pathname).toBe('/continue');
      expect(continueUrl.hash).toBe('');
      expect([...continueUrl.searchParams.keys()]).toEqual(['state']);
      expect(continueUrl.searchParams.get('state')).toBe(state);
      expect((await verifyContinueToken(response.json().session_token)).state).toBe(state);
    }
  });
});

describe('request headers never steer continue_url', () => {
  const HOSTILE_HEADERS = {
    host: 'evil.example',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'http',
    'x-forwarded-for': '203.0.113.9',
    forwarded: 'host=evil.example;proto=http',
    origin: 'https://evil.example',
    referer: 'https://evil.example/page',
    'x-original-url': '//evil.example/continue',
  };

  it.each([
    ['no proxy trusted', false],
    ['one proxy hop trusted', 1],
  ] as const)('keeps the tenant origin with %s', async (_name, trustProxy) => {
    const { app } = buildTestApp({ trustProxy });
    const response = await postJson(app, '/submit', await submitBody(), HOSTILE_HEADERS);
    expect(response.statusCode).toBe(200);
    expect(new URL(response.json().continue_url).origin).toBe(TENANT.origin);
    expect(JSON.stringify(response.json())).not.toContain('evil.example');
  });
});

/** A listening app on a random loopback port; real HTTP, real sockets. */
async function listen(overrides: Partial<Config>): Promise<{ app: FastifyInstance; origin: string; writer: RecordingWriter }> {
  const writer = new RecordingWriter();
  const app = buildApp(testConfig(overrides), { profileWriter: writer });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { app, origin: `http://127.0.0.1:${address.port}`, writer };
}

const servers: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((app) => app.close()));
});

async function submitOverHttp(origin: string, headers: Record<string, string> = {}) {
  const now = Math.floor(Date.now() / 1000);
  const response = await fetch(`${origin}/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(await submitBody({ token: await mintSessionToken({}, { iat: now }) })),
  });
  return { statusCode: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

describe('CORS over real HTTP', () => {
  const FOREIGN = ['https://evil.example', 'null', 'https://app.example.com.evil.example', 'https://evil-app.example.com', 'http://app.example.com', 'https://app.example.com:444'];

  it.each(FOREIGN)('gives the foreign origin %s no access-control-allow-origin', async (origin) => {
    const server = await listen({});
    servers.push(server.app);
    const response = await fetch(`${server.origin}/submit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify(await submitBody({ token: await mintSessionToken({}, { iat: Math.floor(Date.now() / 1000) }) })),
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    await response.arrayBuffer();
  });

  it.each(FOREIGN)('grants nothing to a preflight from %s', async (origin) => {
    const server = await listen({});
    servers.push(server.app);
    const response = await fetch(`${server.origin}/submit`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    await response.arrayBuffer();
    // Without access-control-allow-origin a browser fails the preflight (the methods list @fastify/cors
    // also sends grants nothing on its own), so the POST is never sent.
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(server.writer.writes).toEqual([]);
  });

  it('grants the configured origin exactly, and no credentials', async () => {
    const server = await listen({});
    servers.push(server.app);
    const response = await fetch(`${server.origin}/submit`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    await response.arrayBuffer();
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('rate limit over real HTTP', () => {
  it('answers 429 rate_limited with Retry-After past RATE_LIMIT, writing nothing more', async () => {
    const server = await listen({ rateLimit: 3 });
    servers.push(server.app);
    for (let i = 0; i < 3; i += 1) expect((await submitOverHttp(server.origin)).statusCode).toBe(200);
    const limited = await submitOverHttp(server.origin);
    expectRefusal({ statusCode: limited.statusCode, json: () => limited.body }, 429, 'rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(server.writer.writes).toHaveLength(3);
  });

  it('is not dodged by a spoofed X-Forwarded-For when TRUST_PROXY is unset', async () => {
    const server = await listen({ rateLimit: 3, trustProxy: false });
    servers.push(server.app);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const spoofed = { 'x-forwarded-for': `198.51.100.${i}`, forwarded: `for=198.51.100.${i}`, 'x-real-ip': `198.51.100.${i}` };
      statuses.push((await submitOverHttp(server.origin, spoofed)).statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    expect(server.writer.writes).toHaveLength(3);
  });
});
