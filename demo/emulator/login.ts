// The login side of the emulated tenant: /authorize and its login page, /u/login, /continue,
// /v2/logout, and the `authorization_code` and `password` grants of /oauth/token. Every login
// runs the post-login pipeline (the Action, or the legacy Rule) and obeys its outcome: complete,
// redirect (the transaction waits under an unguessable `state`), or fail.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { signHs256Jwt } from './hs256-jwt.js';
import type { GrantHandler } from './management-api.js';
import {
  applyPendingMetadata,
  createTransaction,
  type PostLoginOutcome,
  type PostLoginRuntime,
  type PostLoginTransaction,
} from './post-login.js';
import type { EmulatedUser, UserStore } from './user-store.js';

export interface LoginClient {
  readonly clientId: string;
  /** Confidential clients authenticate at /oauth/token with it; public clients have none. */
  readonly clientSecret?: string;
  /** Registered callback URLs; `redirect_uri` must equal one of them exactly. */
  readonly callbacks: readonly string[];
}

export interface LoginOptions {
  readonly users: UserStore;
  readonly runtime: PostLoginRuntime;
  readonly clients: readonly LoginClient[];
  /** The tenant as tokens name it (`127.0.0.1:4010`) and its origin; read per request (the port is known at listen). */
  readonly tenant: () => { host: string; origin: string };
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** How long a login page, a suspended login and a code stay usable; default 600 s. */
  readonly transactionLifetimeSeconds?: number;
}

interface PendingLogin {
  readonly client: LoginClient;
  readonly redirectUri: string;
  readonly appState?: string;
  readonly query: Record<string, string>;
  readonly expiresAt: number;
}

interface LoginFlow {
  readonly transaction: PostLoginTransaction;
  readonly redirectUri: string;
  readonly appState?: string;
}

interface IssuedCode {
  readonly userId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly expiresAt: number;
}

export const SESSION_COOKIE = 'pp_emulator_session';
const CODE_LIFETIME_MS = 60_000;
const SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000;
const ACCESS_TOKEN_LIFETIME_SECONDS = 86_400;
const FORM_BODY_LIMIT = 64 * 1024;
const BROWSER_PROTOCOL = 'oidc-basic-profile';

/** A map whose entries expire; entries are inserted with one lifetime, so the oldest expire first. */
class ExpiringMap<T extends { expiresAt: number }> {
  readonly #entries = new Map<string, T>();
  readonly #now: () => number;
  constructor(now: () => number) {
    this.#now = now;
  }
  set(key: string, value: T): void {
    for (const [oldKey, old] of this.#entries) {
      if (old.expiresAt > this.#now()) break;
      this.#entries.delete(oldKey);
    }
    this.#entries.delete(key);
    this.#entries.set(key, value);
  }
  /** The live entry under `key`, removed when `isTaken` (single use). */
  get(key: string | undefined, isTaken = false): T | undefined {
    if (typeof key !== 'string' || key === '') return undefined;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (isTaken || entry.expiresAt <= this.#now()) this.#entries.delete(key);
    return entry.expiresAt > this.#now() ? entry : undefined;
  }
  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/** The first language tag of an `Accept-Language` header (`es-MX,es;q=0.9` → `es-MX`). */
function readLanguage(header: string | undefined): string | undefined {
  const tag = header?.split(',')[0]?.split(';')[0]?.trim();
  return tag && tag !== '*' ? tag : undefined;
}

/** Unguessable: 256 random bits. */
function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only http callbacks on this machine: the emulator never redirects a browser elsewhere. */
export function isLoopbackCallback(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' && (parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost');
  } catch {
    return false;
  }
}

/** Builds the login routes (a Fastify plugin) and the /oauth/token grants the Management API plugin delegates. */
export function createLogin(options: LoginOptions): {
  routes: (app: FastifyInstance) => Promise<void>;
  otherGrants: Record<string, GrantHandler>;
} {
  for (const client of options.clients) {
    for (const callback of client.callbacks) {
      if (!isLoopbackCallback(callback)) {
        throw new TypeError(`clients: callback ${JSON.stringify(callback)} of ${client.clientId} is not an http://127.0.0.1 or http://localhost URL`);
      }
    }
  }
  const now = options.now ?? Date.now;
  const lifetimeMs = (options.transactionLifetimeSeconds ?? 600) * 1000;
  const pendingLogins = new ExpiringMap<PendingLogin>(now);
  const suspended = new ExpiringMap<LoginFlow & { expiresAt: number }>(now);
  const codes = new ExpiringMap<IssuedCode>(now);
  const sessions = new ExpiringMap<{ userId: string; expiresAt: number }>(now);
  // Signs id tokens of public clients (confidential ones use their secret, as Auth0's HS256 does).
  const publicClientKey = randomToken();

  const findClient = (clientId: unknown) => options.clients.find((client) => client.clientId === clientId);

  function newTransaction(
    userId: string,
    clientId: string,
    protocol: string,
    request: FastifyRequest,
    query: Record<string, string>,
    prompt?: string,
  ): PostLoginTransaction {
    return createTransaction({
      userId,
      clientId,
      protocol,
      prompt,
      state: randomToken(),
      request: { hostname: options.tenant().host, ip: request.ip, query, body: {}, language: readLanguage(request.headers['accept-language']) },
    });
  }

  function finishBrowserLogin(flow: LoginFlow, outcome: PostLoginOutcome, reply: FastifyReply) {
    if (outcome.kind === 'redirect') {
      suspended.set(flow.transaction.state, { ...flow, expiresAt: now() + lifetimeMs });
      return reply.redirect(outcome.url);
    }
    if (outcome.kind === 'failed') {
      return reply.redirect(
        withQuery(flow.redirectUri, { error: outcome.error, error_description: outcome.description, state: flow.appState }),
      );
    }
    applyPendingMetadata(options.users, flow.transaction, new Date(now()));
    const code = randomToken();
    codes.set(code, {
      userId: flow.transaction.userId,
      clientId: flow.transaction.clientId,
      redirectUri: flow.redirectUri,
      expiresAt: now() + CODE_LIFETIME_MS,
    });
    return reply.redirect(withQuery(flow.redirectUri, { code, state: flow.appState }));
  }

  async function runLogin(
    user: EmulatedUser,
    pending: Omit<PendingLogin, 'expiresAt'>,
    request: FastifyRequest,
    reply: FastifyReply,
    prompt?: string,
  ) {
    const transaction = newTransaction(user.user_id, pending.client.clientId, BROWSER_PROTOCOL, request, pending.query, prompt);
    const flow: LoginFlow = { transaction, redirectUri: pending.redirectUri, appState: pending.appState };
    return finishBrowserLogin(flow, await options.runtime.execute(transaction), reply);
  }

  function sessionUser(request: FastifyRequest): EmulatedUser | undefined {
    const session = sessions.get(readCookie(request.headers.cookie, SESSION_COOKIE));
    return session && options.users.get(session.userId);
  }

  function tokensFor(user: EmulatedUser, client: LoginClient) {
    const issuedAt = Math.floor(now() / 1000);
    const idToken = signHs256Jwt(
      {
        iss: `${options.tenant().origin}/`,
        sub: user.user_id,
        aud: client.clientId,
        iat: issuedAt,
        exp: issuedAt + 36_000,
        email: user.email,
        name: user.name,
      },
      client.clientSecret ?? publicClientKey,
    );
    return {
      access_token: randomToken(),
      id_token: idToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      profile: {
        user_id: user.user_id,
        email: user.email,
        name: user.name,
        user_metadata: user.user_metadata,
        app_metadata: user.app_metadata,
      },
    };
  }

  /** Checks client_id and, for a confidential client, client_secret; an OAuth error answer otherwise. */
  function authenticateClient(body: Record<string, unknown>) {
    const client = findClient(body.client_id);
    if (!client) return { error: { status: 401, body: { error: 'invalid_client', error_description: 'Unknown client.' } } };
    if (client.clientSecret !== undefined && body.client_secret !== client.clientSecret) {
      return { error: { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed.' } } };
    }
    return { client };
  }

  const otherGrants: Record<string, GrantHandler> = {
    async authorization_code(body) {
      const authenticated = authenticateClient(body);
      if (authenticated.error) return authenticated.error;
      // One use: the code is gone whatever happens next.
      const issued = codes.get(typeof body.code === 'string' ? body.code : undefined, true);
      if (!issued || issued.clientId !== authenticated.client.clientId || issued.redirectUri !== body.redirect_uri) {
        return { status: 403, body: { error: 'invalid_grant', error_description: 'Invalid authorization code' } };
      }
      const user = options.users.get(issued.userId);
      if (!user) return { status: 403, body: { error: 'invalid_grant', error_description: 'The user no longer exists.' } };
      return { status: 200, body: tokensFor(user, authenticated.client) };
    },

    async password(body) {
      const authenticated = authenticateClient(body);
      if (authenticated.error) return authenticated.error;
      const user = typeof body.username === 'string' ? options.users.findByEmail(body.username) : undefined;
      if (!user || body.password !== user.password) {
        return { status: 403, body: { error: 'invalid_grant', error_description: 'Wrong email or password.' } };
      }
      options.users.recordLogin(user.user_id);
      const transaction = createTransaction({
        userId: user.user_id,
        clientId: authenticated.client.clientId,
        protocol: 'oauth2-password',
        state: randomToken(),
        request: { hostname: options.tenant().host, ip: '127.0.0.1', query: {}, body: {} },
      });
      const outcome = await options.runtime.execute(transaction);
      if (outcome.kind === 'failed') return { status: 403, body: { error: outcome.error, error_description: outcome.description } };
      if (outcome.kind === 'redirect') {
        return { status: 403, body: { error: 'interaction_required', error_description: 'A redirect is not possible here.' } };
      }
      applyPendingMetadata(options.users, transaction, new Date(now()));
      return { status: 200, body: tokensFor(options.users.get(user.user_id) ?? user, authenticated.client) };
    },
  };

  async function routes(app: FastifyInstance): Promise<void> {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    app.get('/authorize', async (request, reply) => {
      const query = stringsOf(request.query);
      const client = findClient(query.client_id);
      if (!client) return sendPage(reply, 400, errorPage('invalid_request', 'Unknown client_id.'));
      // Exact match against the registered callbacks: no open redirect, even here.
      if (typeof query.redirect_uri !== 'string' || !client.callbacks.includes(query.redirect_uri)) {
        return sendPage(reply, 400, errorPage('invalid_request', 'The redirect_uri is not registered for this client.'));
      }
      const pending = { client, redirectUri: query.redirect_uri, appState: query.state, query };
      if (query.response_type !== 'code') {
        return reply.redirect(
          withQuery(pending.redirectUri, {
            error: 'unsupported_response_type',
            error_description: 'Only response_type=code is supported.',
            state: pending.appState,
          }),
        );
      }
      const user = sessionUser(request);
      if (query.prompt === 'none') {
        if (!user) {
          return reply.redirect(
            withQuery(pending.redirectUri, { error: 'login_required', error_description: 'Login required', state: pending.appState }),
          );
        }
        return runLogin(user, pending, request, reply, 'none');
      }
      if (user && query.prompt !== 'login') {
        options.users.recordLogin(user.user_id);
        return runLogin(options.users.get(user.user_id) ?? user, pending, request, reply, query.prompt);
      }
      const loginId = randomToken();
      pendingLogins.set(loginId, { ...pending, expiresAt: now() + lifetimeMs });
      return sendPage(reply, 200, loginPage(loginId, options.users.list()));
    });

    app.post('/u/login', async (request, reply) => {
      const body = stringsOf(request.body);
      const pending = pendingLogins.get(body.login);
      if (!pending) {
        return sendPage(reply, 400, errorPage('invalid_request', 'This login page has expired. Start again from the application.'));
      }
      const found = typeof body.email === 'string' ? options.users.findByEmail(body.email) : undefined;
      if (!found || body.password !== found.password) {
        return sendPage(reply, 401, loginPage(body.login, options.users.list(), 'Wrong email or password.'));
      }
      pendingLogins.delete(body.login);
      const user = options.users.recordLogin(found.user_id) ?? found;
      const sessionId = randomToken();
      sessions.set(sessionId, { userId: user.user_id, expiresAt: now() + SESSION_LIFETIME_MS });
      reply.header('set-cookie', `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Lax`);
      return runLogin(user, pending, request, reply, pending.query.prompt);
    });

    async function handleContinue(request: FastifyRequest, reply: FastifyReply) {
      const query = stringsOf(request.query);
      // Single use: a state resumes its login once, whatever the outcome.
      const flow = suspended.get(query.state, true);
      if (!flow) {
        return sendPage(reply, 400, errorPage('invalid_request', 'The login transaction was not found or has expired.'));
      }
      const body = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
      const outcome = await options.runtime.resume(flow.transaction, {
        hostname: options.tenant().host,
        ip: request.ip,
        query,
        body: { ...body },
      });
      return finishBrowserLogin(flow, outcome, reply);
    }
    app.get('/continue', handleContinue);
    app.post('/continue', handleContinue);

    app.get('/v2/logout', async (request, reply) => {
      const query = stringsOf(request.query);
      const sessionId = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (sessionId) sessions.delete(sessionId);
      reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
      const client = findClient(query.client_id);
      // Back to the application only on an origin it registered.
      const origins = new Set((client?.callbacks ?? []).map((callback) => new URL(callback).origin));
      if (query.returnTo && isLoopbackCallback(query.returnTo) && origins.has(new URL(query.returnTo).origin)) {
        return reply.redirect(query.returnTo);
      }
      return sendPage(reply, 200, page('Signed out', '<h1>Signed out</h1><p>You are signed out of the emulated tenant.</p>'));
    });
  }

  return { routes, otherGrants };
}

function stringsOf(value: unknown): Record<string, string> {
  const strings: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return strings;
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') strings[key] = item;
  return strings;
}

function withQuery(url: string, query: Record<string, string | undefined>): string {
  const target = new URL(url);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) target.searchParams.set(key, value);
  return target.toString();
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function sendPage(reply: FastifyReply, status: number, html: string) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(html);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Auth0 tenant emulator</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1b1f24; }
  main { max-width: 28rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input { display: block; width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; border: 1px solid #6b7280; border-radius: 4px; }
  button { margin-top: 1rem; padding: .5rem 1rem; font: inherit; border: 0; border-radius: 4px; background: #1d4ed8; color: #fff; cursor: pointer; }
  button:focus-visible, input:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
  ul { list-style: none; padding: 0; }
  li form button { width: 100%; text-align: left; background: #eef2ff; color: #1e3a8a; }
  [role="alert"] { color: #b91c1c; font-weight: 600; }
</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>`;
}

function loginPage(loginId: string, users: readonly EmulatedUser[], error?: string): string {
  const id = escapeHtml(loginId);
  const picks = users
    .map(
      (user) => `<li><form method="post" action="/u/login">
<input type="hidden" name="login" value="${id}">
<input type="hidden" name="email" value="${escapeHtml(user.email)}">
<input type="hidden" name="password" value="${escapeHtml(user.password)}">
<button type="submit">${escapeHtml(user.name)} <small>(${escapeHtml(user.email)})</small></button>
</form></li>`,
    )
    .join('\n');
  return page(
    'Log in',
    `<h1>Log in</h1>
<p>This is a local Auth0 tenant emulator. Pick a demo user or sign in with an email and password.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/u/login">
<input type="hidden" name="login" value="${id}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Continue</button>
</form>
<h2>Demo users</h2>
<ul>
${picks}
</ul>`,
  );
}

function errorPage(code: string, description: string): string {
  return page('Error', `<h1>Something went wrong</h1><p role="alert"><strong>${escapeHtml(code)}</strong>: ${escapeHtml(description)}</p>`);
}
