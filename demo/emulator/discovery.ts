// OpenID Connect discovery for the emulated tenant: `GET /.well-known/openid-configuration`
// (issuer `http://127.0.0.1:PORT/`, the endpoints the emulator has) and its `jwks_uri`. ID tokens
// are HS256 (signed with the client's secret), so the key set is empty.
import type { FastifyInstance } from 'fastify';

export function registerDiscoveryRoutes(app: FastifyInstance, origin: () => string): void {
  app.get('/.well-known/openid-configuration', async (_request, reply) => {
    const base = origin();
    reply.header('cache-control', 'public, max-age=60');
    return {
      issuer: `${base}/`,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/oauth/token`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['HS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      grant_types_supported: ['authorization_code', 'password', 'client_credentials'],
      scopes_supported: ['openid', 'profile', 'email'],
      claims_supported: ['aud', 'email', 'email_verified', 'exp', 'iat', 'iss', 'name', 'sub'],
    };
  });

  app.get('/.well-known/jwks.json', async () => ({ keys: [] }));
}
