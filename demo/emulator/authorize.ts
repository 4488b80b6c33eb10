// Where a browser login starts: `GET /authorize` (client and redirect_uri checked exactly; an
// existing session reused without counting a login; `prompt=none` never shows a page; a social
// `connection` goes straight to its provider) and the login page's password form, `POST /u/login`,
// which accepts an email or a username and signs in as the primary user even through a linked
// database identity (Auth0's behaviour after linking). A password sign-in counts a login before
// the pipeline runs (reference §1.6).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { findClient, withQuery, type LoginClient } from './clients.js';
import type { Connection } from './connections.js';
import type { LoginFlow, PendingLogin } from './login-flow.js';
import { renderErrorPage, renderLoginPage, sendPage, type DemoPick } from './login-page.js';
import type { Sessions } from './sessions.js';
import { profileOfIdentity, type UserStore } from './user-store.js';
import { stringsOf } from './values.js';

export interface AuthorizeOptions {
  readonly users: UserStore;
  readonly clients: readonly LoginClient[];
  readonly connections: readonly Connection[];
  readonly sessions: Sessions;
  readonly flow: LoginFlow;
}

export function registerAuthorizeRoutes(app: FastifyInstance, options: AuthorizeOptions): void {
  const { users, sessions, flow } = options;
  const socialConnections = options.connections.filter((connection) => !connection.isDatabase);
  const defaultDatabase = options.connections.find((connection) => connection.isDatabase) as Connection;

  function sendLoginPage(reply: FastifyReply, status: number, loginId: string, login: PendingLogin, error?: string, email?: string) {
    return sendPage(
      reply,
      status,
      renderLoginPage({
        loginId,
        socialConnections: socialConnections.map((connection) => connection.name),
        picks: demoPicksOf(users, login.connection, socialConnections),
        error,
        email,
      }),
    );
  }

  app.get('/authorize', async (request, reply) => {
    const query = stringsOf(request.query);
    const client = findClient(options.clients, query.client_id);
    if (!client) return sendPage(reply, 400, renderErrorPage('invalid_request', 'Unknown client_id.'));
    // Exact match against the registered callbacks: no open redirect, even here.
    if (typeof query.redirect_uri !== 'string' || !client.callbacks.includes(query.redirect_uri)) {
      return sendPage(reply, 400, renderErrorPage('invalid_request', 'The redirect_uri is not registered for this client.'));
    }
    const back = (error: string, description: string) =>
      reply.redirect(withQuery(query.redirect_uri as string, { error, error_description: description, state: query.state }));
    if (query.response_type !== 'code') return back('unsupported_response_type', 'Only response_type=code is supported.');
    const named = query.connection === undefined ? defaultDatabase : options.connections.find((connection) => connection.name === query.connection);
    if (!named) return back('invalid_request', 'the connection was not found');
    const login: PendingLogin = {
      client,
      redirectUri: query.redirect_uri,
      appState: query.state,
      query,
      connection: named.isDatabase ? named : defaultDatabase,
    };

    const session = sessions.of(request);
    const sessionUser = session && users.get(session.userId);
    // The connection the session signed in with is the login's (`event.connection`).
    const sessionConnection = options.connections.find((connection) => connection.name === session?.connection) ?? login.connection;
    if (query.prompt === 'none') {
      if (!sessionUser) return back('login_required', 'Login required');
      // Silent authentication: the pipeline runs, the login is not counted.
      return flow.run(sessionUser, login, request, reply, { prompt: 'none', connection: sessionConnection });
    }
    if (sessionUser && query.prompt !== 'login') {
      // A reused session is not a new login: no count.
      return flow.run(sessionUser, login, request, reply, { prompt: query.prompt, connection: sessionConnection });
    }
    const loginId = flow.openPage(login);
    if (!named.isDatabase) return reply.redirect(`/u/social/${encodeURIComponent(named.name)}?login=${encodeURIComponent(loginId)}`);
    return sendLoginPage(reply, 200, loginId, login);
  });

  app.post('/u/login', async (request, reply) => {
    const body = stringsOf(request.body);
    const login = flow.pageOf(body.login);
    if (!login) {
      return sendPage(reply, 400, renderErrorPage('invalid_request', 'This login page has expired. Start again from the application.'));
    }
    const match = body.email ? users.checkDatabasePassword(login.connection.name, body.email, body.password) : undefined;
    if (!match) {
      return sendLoginPage(reply, 401, body.login as string, login, 'Wrong email or password.', body.email);
    }
    flow.pageOf(body.login, true);
    // Counted before the pipeline runs, on the primary user (reference §1.6).
    const user = users.recordLogin(match.user.user_id) ?? match.user;
    sessions.start({ userId: user.user_id, connection: login.connection.name }, reply);
    return flow.run(user, login, request, reply, { prompt: login.query.prompt, connection: login.connection });
  });
}

/** One-click sign-ins: each user's password in the page's database connection, else its social account. */
function demoPicksOf(users: UserStore, connection: Connection, socialConnections: readonly Connection[]): DemoPick[] {
  const picks: DemoPick[] = [];
  for (const user of users.list()) {
    const index = user.identities.findIndex(
      (identity) => identity.provider === 'auth0' && identity.connection === connection.name && identity.password !== undefined,
    );
    if (index >= 0) {
      const email = String(profileOfIdentity(user, index).email ?? user.email);
      picks.push({ kind: 'password', name: user.name, email, password: user.identities[index]?.password as string });
      continue;
    }
    const social = user.identities.find((identity) => socialConnections.some((candidate) => candidate.name === identity.connection));
    if (social) picks.push({ kind: 'social', name: user.name, email: user.email, connection: social.connection, account: social.user_id });
  }
  return picks;
}
