// The /oauth/token grants of the login side, which the Management API's token endpoint hands over:
// `authorization_code` (a code from a completed browser login, once, for its client and
// redirect_uri) and `password` (Resource Owner Password: a real login, counted, through the
// pipeline, which may not redirect there). Both answer an HS256 ID token and the user's profile.
import { authenticateClient, type LoginClient } from './clients.js';
import type { Connection } from './connections.js';
import { signHs256Jwt } from './hs256-jwt.js';
import type { LoginFlow } from './login-flow.js';
import { createTransaction, settlePendingMetadata, type PostLoginRuntime } from './post-login.js';
import { randomToken } from './sessions.js';
import { ACCESS_TOKEN_LIFETIME_SECONDS, type GrantHandler } from './tokens.js';
import { toPublicUser, type StoredUser, type UserStore } from './user-store.js';

export interface LoginGrantsOptions {
  readonly users: UserStore;
  readonly clients: readonly LoginClient[];
  readonly runtime: PostLoginRuntime;
  readonly flow: LoginFlow;
  /** The database connection password grants sign in to (Auth0's default directory). */
  readonly connection: Connection;
  readonly tenant: () => { host: string; origin: string };
  readonly now: () => number;
}

const ID_TOKEN_LIFETIME_SECONDS = 36_000;

export function createLoginGrants(options: LoginGrantsOptions): Record<string, GrantHandler> {
  const { users, clients, now } = options;
  // Signs id tokens of public clients (confidential ones use their secret, as Auth0's HS256 does).
  const publicClientKey = randomToken();

  function tokensFor(user: StoredUser, client: LoginClient) {
    const issuedAt = Math.floor(now() / 1000);
    const idToken = signHs256Jwt(
      {
        iss: `${options.tenant().origin}/`,
        sub: user.user_id,
        aud: client.clientId,
        iat: issuedAt,
        exp: issuedAt + ID_TOKEN_LIFETIME_SECONDS,
        email: user.email,
        email_verified: user.email_verified,
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
        // As the Management API shows them: without any password.
        identities: toPublicUser(user).identities.map(({ connection, provider, user_id }) => ({ connection, provider, user_id })),
      },
    };
  }

  return {
    async authorization_code(body) {
      const authenticated = authenticateClient(clients, body);
      if (authenticated.error) return authenticated.error;
      const userId = options.flow.redeemCode(body.code, authenticated.client.clientId, body.redirect_uri);
      if (userId === undefined) return { status: 403, body: { error: 'invalid_grant', error_description: 'Invalid authorization code' } };
      const user = users.get(userId);
      if (!user) return { status: 403, body: { error: 'invalid_grant', error_description: 'The user no longer exists.' } };
      return { status: 200, body: tokensFor(user, authenticated.client) };
    },

    async password(body) {
      const authenticated = authenticateClient(clients, body);
      if (authenticated.error) return authenticated.error;
      const match = typeof body.username === 'string' ? users.checkDatabasePassword(options.connection.name, body.username, body.password) : undefined;
      if (!match) {
        return { status: 403, body: { error: 'invalid_grant', error_description: 'Wrong email or password.' } };
      }
      const user = users.recordLogin(match.user.user_id) ?? match.user;
      const transaction = createTransaction({
        userId: user.user_id,
        clientId: authenticated.client.clientId,
        protocol: 'oauth2-password',
        state: randomToken(),
        request: { hostname: options.tenant().host, ip: '127.0.0.1', query: {}, body: {} },
        connection: { name: options.connection.name, strategy: options.connection.strategy },
      });
      const outcome = await options.runtime.execute(transaction);
      // No browser to send anywhere: a redirect ends the grant, and its batch is dropped with it.
      if (outcome.kind === 'redirect') {
        return { status: 403, body: { error: 'interaction_required', error_description: 'A redirect is not possible here.' } };
      }
      settlePendingMetadata(users, transaction, outcome, new Date(now()));
      if (outcome.kind === 'failed') return { status: 403, body: { error: outcome.error, error_description: outcome.description } };
      return { status: 200, body: tokensFor(users.get(user.user_id) ?? user, authenticated.client) };
    },
  };
}
