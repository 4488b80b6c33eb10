// An emulated social provider (the `github` connection) standing in for Auth0's redirect to
// GitHub and back: `GET /u/social/{connection}?login=ID` lists the accounts the tenant knows of
// that connection (a user's own, or linked into another user), `POST` signs in with one. The login
// lands on the user holding the identity (the primary when it is linked), is counted, and starts a
// session, as a password sign-in does.
import type { FastifyInstance } from 'fastify';
import type { Connection } from './connections.js';
import type { LoginFlow } from './login-flow.js';
import { renderErrorPage, renderSocialPage, sendPage, type SocialAccount } from './login-page.js';
import type { Sessions } from './sessions.js';
import { profileOfIdentity, type UserStore } from './user-store.js';
import { stringsOf } from './values.js';

export function registerSocialLoginRoutes(
  app: FastifyInstance,
  options: { users: UserStore; connections: readonly Connection[]; sessions: Sessions; flow: LoginFlow },
): void {
  const { users, sessions, flow } = options;
  const socialConnection = (name: string) => options.connections.find((connection) => !connection.isDatabase && connection.name === name);
  const expired = renderErrorPage('invalid_request', 'This login page has expired. Start again from the application.');

  app.get<{ Params: { connection: string } }>('/u/social/:connection', async (request, reply) => {
    const connection = socialConnection(request.params.connection);
    if (!connection) return sendPage(reply, 404, renderErrorPage('invalid_request', 'the connection was not found'));
    const loginId = stringsOf(request.query).login;
    if (!flow.pageOf(loginId)) return sendPage(reply, 400, expired);
    return sendPage(reply, 200, renderSocialPage({ loginId: loginId as string, connection: connection.name, accounts: accountsOf(users, connection) }));
  });

  app.post<{ Params: { connection: string } }>('/u/social/:connection', async (request, reply) => {
    const connection = socialConnection(request.params.connection);
    if (!connection) return sendPage(reply, 404, renderErrorPage('invalid_request', 'the connection was not found'));
    const body = stringsOf(request.body);
    const login = flow.pageOf(body.login);
    if (!login) return sendPage(reply, 400, expired);
    const match = body.account ? users.findByIdentity(connection.strategy, body.account) : undefined;
    if (!match || match.identity.connection !== connection.name) {
      return sendPage(reply, 400, renderErrorPage('invalid_request', 'The provider does not know this account.'));
    }
    flow.pageOf(body.login, true);
    const user = users.recordLogin(match.user.user_id) ?? match.user;
    sessions.start({ userId: user.user_id, connection: connection.name }, reply);
    return flow.run(user, login, request, reply, { prompt: login.query.prompt, connection });
  });
}

/** The provider's accounts: every identity of the connection, with the profile it came with. */
function accountsOf(users: UserStore, connection: Connection): SocialAccount[] {
  const accounts: SocialAccount[] = [];
  for (const user of users.list()) {
    for (const [index, identity] of user.identities.entries()) {
      if (identity.connection !== connection.name) continue;
      const profile = profileOfIdentity(user, index);
      accounts.push({
        account: identity.user_id,
        name: String(profile.name ?? user.name),
        email: String(profile.email ?? user.email),
        isVerified: profile.email_verified === true,
      });
    }
  }
  return accounts;
}
