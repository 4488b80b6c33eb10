// Shared by the security tests: an app built with a recording writer and a frozen clock, tokens
// forged by hand (any header, any signature), and a login driven over HTTP against the emulator.
import { createHmac } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { jwtVerify } from 'jose';
import { expect } from 'vitest';
import { buildApp, type AppDeps } from '../../server/app.js';
import type { Config } from '../../server/config.js';
import { DEMO_CLIENT_ID, type DemoStack } from '../../demo/stack.js';
import { DEMO_PASSWORD } from '../../demo/emulator/seed-users.js';
import {
  CONTINUE_SECRET, NOW_SECONDS, RecordingWriter, SESSION_SECRET, frozenClock, mintSessionToken, testConfig, type FrozenClock,
} from '../server/support/fixtures.js';

export const VALUES = { company_name: 'Acme', job_title: 'CTO' } as const;

/** Every `error` code of CONTRACT's table, with its status. */
export const CONTRACT_ERRORS: Readonly<Record<string, readonly number[]>> = {
  invalid_request: [400, 413, 415],
  session_expired: [401],
  invalid_session: [401],
  skip_not_allowed: [403],
  session_used: [409],
  invalid_fields: [422],
  rate_limited: [429],
  upstream_error: [502],
  upstream_unavailable: [503],
  upstream_timeout: [504],
};

export interface TestApp {
  app: FastifyInstance;
  clock: FrozenClock;
  writer: RecordingWriter;
  config: Config;
}

const apps: FastifyInstance[] = [];

/** An app over a recording writer and a frozen clock; closed by `closeApps`. */
export function buildTestApp(overrides: Partial<Config> = {}, deps: Partial<AppDeps> & { withoutWriter?: boolean } = {}): TestApp {
  const clock = frozenClock();
  const writer = new RecordingWriter();
  const { withoutWriter, ...rest } = deps;
  const config = testConfig(overrides);
  const app = buildApp(config, { clock, profileWriter: withoutWriter ? undefined : writer, ...rest });
  apps.push(app);
  return { app, clock, writer, config };
}

export async function closeApps(): Promise<void> {
  await Promise.all(apps.splice(0).map((app) => app.close()));
}

export function postJson(app: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url, payload: payload as object, headers });
}

/** A /submit body with a fresh T1 (unless one is given). */
export async function submitBody(options: { token?: string; state?: string; values?: Record<string, unknown> } = {}) {
  return {
    state: options.state ?? 'state-1',
    session_token: options.token ?? (await mintSessionToken()),
    values: options.values ?? VALUES,
  };
}

/** Asserts the exact refusal: status and `error` code, with a human message. */
export function expectRefusal(response: LightMyRequestResponse | { statusCode: number; json(): any }, status: number, error: string): void {
  const body = response.json();
  expect({ status: response.statusCode, error: body.error }).toEqual({ status, error });
  expect(typeof body.message).toBe('string');
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/**
 * A JWT crafted by hand: any header, any claims, signed with HMAC-SHA256 over `secret` whatever
 * the header says (or `signature` verbatim). This is how an attacker makes one.
 */
export function forgeToken(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  options: { secret?: string | Buffer; hash?: 'sha256' | 'sha384' | 'sha512'; signature?: string } = {},
): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature =
    options.signature ?? createHmac(options.hash ?? 'sha256', options.secret ?? SESSION_SECRET).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

/** The claims of a T1 as the Action's encodeToken makes them, around the frozen clock. */
export function sessionClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: 'auth0|user-1', iss: 'acme.eu.auth0.com', iat: NOW_SECONDS, exp: NOW_SECONDS + 900, jti: `jti-${Math.random()}`, ...overrides };
}

export async function verifyContinueToken(token: string, secret = CONTINUE_SECRET) {
  const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
    algorithms: ['HS256'],
    currentDate: new Date(NOW_SECONDS * 1000),
  });
  return payload;
}

/** Logs `email` in at the emulated tenant over HTTP; answers where the tenant sent the browser. */
export async function logInAtTenant(stack: DemoStack, email: string): Promise<URL> {
  const authorize = new URL('/authorize', stack.tenantOrigin);
  authorize.search = new URLSearchParams({
    client_id: DEMO_CLIENT_ID,
    redirect_uri: `${stack.siteOrigin}/callback`,
    response_type: 'code',
    state: 'app-state',
  }).toString();
  const page = await fetch(authorize, { redirect: 'manual' });
  expect(page.status).toBe(200);
  const login = /name="login" value="([^"]+)"/.exec(await page.text())?.[1] as string;
  const response = await fetch(new URL('/u/login', stack.tenantOrigin), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login, email, password: DEMO_PASSWORD }).toString(),
    redirect: 'manual',
  });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') as string);
}

/** POSTs a token to the tenant's /continue as the widget does; answers where the tenant sent the browser. */
export async function postToContinue(continueUrl: string, sessionToken: string): Promise<URL> {
  const response = await fetch(continueUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ session_token: sessionToken }).toString(),
    redirect: 'manual',
  });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') as string);
}

export { CONTINUE_SECRET, NOW_SECONDS, SESSION_SECRET, mintSessionToken };
