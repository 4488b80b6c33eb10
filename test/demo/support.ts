// Shared by the emulator's tests: a whole emulated tenant on a free port, a browser-like login
// over plain HTTP, and the real `auth0` SDK pointed at the emulator (it always calls
// https://DOMAIN, so its fetch is rewritten to the loopback origin).
import { randomBytes } from 'node:crypto';
import { ManagementClient, ManagementError } from 'auth0';
import { expect } from 'vitest';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../demo/emulator/emulator.js';
import { DEMO_PASSWORD } from '../../demo/emulator/seed-users.js';
import { SECRETS } from '../rule/support.js';

export const CALLBACK = 'http://127.0.0.1:5173/callback';
export const FORM = 'http://127.0.0.1:3999/complete-profile?lang=en';
export const BROWSER_CLIENT = { clientId: 'demo-app', clientSecret: randomBytes(16).toString('hex'), callbacks: [CALLBACK] };
export const M2M = { clientId: 'm2m', clientSecret: randomBytes(32).toString('hex'), callbacks: [] as string[] };
export const ALL_USER_SCOPES = 'read:users update:users create:users delete:users read:connections';

/** A whole tenant (fresh seeded users) running the Action, listening on a free port. */
export async function startTenant(options: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  const emulator = createEmulator({
    secrets: { ...SECRETS, PROFILE_FORM_URL: FORM },
    clients: [BROWSER_CLIENT, { ...M2M, scope: ALL_USER_SCOPES }],
    ...options,
  });
  await emulator.listen();
  return emulator;
}

export function authorizeUrl(origin: string, params: Record<string, string> = {}): string {
  const url = new URL('/authorize', origin);
  url.search = new URLSearchParams({
    client_id: BROWSER_CLIENT.clientId,
    redirect_uri: CALLBACK,
    response_type: 'code',
    state: 'app-state',
    ...params,
  }).toString();
  return url.toString();
}

export function form(body: Record<string, string>, cookie?: string): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(body).toString(),
    redirect: 'manual',
  };
}

export function locationOf(response: Response): URL {
  expect(response.status).toBe(302);
  // A relative Location resolves against the request's URL, as a browser resolves it.
  return new URL(response.headers.get('location') as string, response.url);
}

export function sessionCookieOf(response: Response): string {
  return (response.headers.get('set-cookie') as string).split(';')[0] as string;
}

/** Opens the login page; answers its login id and HTML. */
export async function openLoginPage(emulator: Emulator, params: Record<string, string> = {}) {
  const page = await fetch(authorizeUrl(emulator.origin, params), { redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  return { login: /name="login" value="([^"]+)"/.exec(html)?.[1] as string, html };
}

/** Opens the login page and signs in with `loginId` (an email or a username); answers the /u/login response. */
export async function logIn(emulator: Emulator, loginId: string, password = DEMO_PASSWORD, params: Record<string, string> = {}) {
  const { login } = await openLoginPage(emulator, params);
  return fetch(new URL('/u/login', emulator.origin), form({ login, email: loginId, password }));
}

export async function exchangeCode(emulator: Emulator, code: string) {
  const response = await fetch(new URL('/oauth/token', emulator.origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'authorization_code',
      code,
      client_id: BROWSER_CLIENT.clientId,
      client_secret: BROWSER_CLIENT.clientSecret,
      redirect_uri: CALLBACK,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** The user id a completed login's code stands for (asks the token endpoint, as the app would). */
export async function userOfCallback(emulator: Emulator, callback: URL): Promise<string> {
  expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
  const tokens = await exchangeCode(emulator, callback.searchParams.get('code') as string);
  expect(tokens.status).toBe(200);
  return tokens.body.profile.user_id as string;
}

/** The real `auth0` SDK (v7) against an emulator at `origin`, without retries. */
export function sdkClient(origin: string, credentials: { clientId: string; clientSecret: string } = M2M): ManagementClient {
  const host = new URL(origin).host;
  return new ManagementClient({
    domain: host,
    audience: `${origin}/api/v2/`,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    maxRetries: 0,
    fetch: (input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      return globalThis.fetch(url.replace(`https://${host}`, origin), init);
    },
  });
}

/** The client-credentials body for the Management API of the emulator at `origin`. */
export function credentialsBody(origin: string, credentials: { clientId: string; clientSecret: string } = M2M): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    audience: `${origin}/api/v2/`,
  };
}

/** A client-credentials access token for the Management API, over plain HTTP. */
export async function accessToken(origin: string, credentials: { clientId: string; clientSecret: string } = M2M): Promise<string> {
  const { status, body } = await postToken(origin, credentialsBody(origin, credentials));
  expect(status).toBe(200);
  return body.access_token as string;
}

/** One Management API call over plain HTTP; answers the status, headers and parsed body. */
export async function callApi(origin: string, token: string | undefined, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${origin}/api/v2${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as any };
}

/** `POST /oauth/token` with any body, as JSON or as a form. */
export async function postToken(origin: string, body: Record<string, string>, asForm = false) {
  const response = await fetch(`${origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': asForm ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: asForm ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The SDK error a call must fail with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<ManagementError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(ManagementError);
  return outcome as ManagementError;
}
