// Access to the emulated Management API: `POST /oauth/token` (the client-credentials grant here,
// other grants handed to the login side) and the registry of the access tokens it issued, each
// with its client's granted scopes. Every API route names its scope; a token without it gets
// 403 `insufficient_scope`. POST /__emulator/revoke-tokens makes every token issued so far
// answer 401 `invalid_token` (as after a revoked grant or a rotated signing key).
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiErrorBody, type ApiErrorBody } from './api-errors.js';
import type { FaultQueue } from './faults.js';
import { isNonEmptyString, isRecord, isSameSecret } from './values.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a Management API route requires of the caller's access token. */
    scope?: string;
  }
}

export interface EmulatedClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Scopes its client grant allows (space-separated); default `read:users update:users`; `''`: no grant. */
  readonly scope?: string;
}

/** Answers a `POST /oauth/token` grant other than client_credentials (the login side adds these). */
export type GrantHandler = (body: Record<string, unknown>) => Promise<{ status: number; body: unknown }>;

export type TokenVerdict = 'ok' | 'missing' | 'invalid' | 'forbidden';

export const DEFAULT_SCOPE = 'read:users update:users';
export const ACCESS_TOKEN_LIFETIME_SECONDS = 86_400;

interface Grant {
  readonly clientId: string;
  readonly scopes: ReadonlySet<string>;
  readonly expiresAt: number;
}

/** The access tokens the token endpoint issued, with their scopes; shared by every API plugin. */
export class TokenRegistry {
  readonly #grants = new Map<string, Grant>();
  readonly #clock: { now(): number };

  constructor(clock: { now(): number } = { now: () => Date.now() }) {
    this.#clock = clock;
  }

  issue(clientId: string, scope: string): string {
    const now = this.#clock.now();
    for (const [token, grant] of this.#grants) if (grant.expiresAt <= now) this.#grants.delete(token);
    const token = randomBytes(32).toString('base64url');
    this.#grants.set(token, {
      clientId,
      scopes: new Set(scope.split(' ').filter(Boolean)),
      expiresAt: now + ACCESS_TOKEN_LIFETIME_SECONDS * 1000,
    });
    return token;
  }

  /** Whether `Authorization` carries a live token of ours with `scope` (any live token when no scope). */
  check(authorization: string | undefined, scope?: string): TokenVerdict {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) return 'missing';
    const grant = this.#grants.get(match[1] as string);
    if (!grant || grant.expiresAt <= this.#clock.now()) return 'invalid';
    return scope === undefined || grant.scopes.has(scope) ? 'ok' : 'forbidden';
  }

  /** Forgets every token issued so far; answers how many were live. */
  revokeAll(): number {
    const count = this.#grants.size;
    this.#grants.clear();
    return count;
  }
}

/** The Management API's answer to a verdict other than `ok`. */
export function denialOf(verdict: Exclude<TokenVerdict, 'ok'>, scope: string | undefined): ApiErrorBody {
  if (verdict === 'missing') return apiErrorBody(401, 'Missing authentication', 'missing_authentication');
  if (verdict === 'invalid') return apiErrorBody(401, 'Invalid token', 'invalid_token');
  return apiErrorBody(403, `Insufficient scope, expected any of: ${scope}`, 'insufficient_scope');
}

export interface TokenEndpointOptions {
  readonly tokens: TokenRegistry;
  readonly clients: readonly EmulatedClient[];
  /** The Management API's identifier, `http://127.0.0.1:PORT/api/v2/`. */
  readonly audience: string;
  readonly faults: FaultQueue;
  readonly otherGrants: Readonly<Record<string, GrantHandler>>;
  readonly onRequest: () => void;
}

/** Registers `POST /oauth/token` and `POST /__emulator/revoke-tokens` on `app`. */
export function registerTokenEndpoint(app: FastifyInstance, options: TokenEndpointOptions): void {
  const { tokens, clients, audience } = options;

  app.post('/oauth/token', async (request, reply) => {
    options.onRequest();
    if (options.faults.play('token', request, reply)) return reply;
    reply.header('cache-control', 'no-store');
    const body = isRecord(request.body) ? request.body : {};
    const grantType = typeof body.grant_type === 'string' ? body.grant_type : '';
    if (grantType === 'client_credentials') return handleClientCredentials(request, reply, body);
    const otherGrant = options.otherGrants[grantType];
    if (otherGrant) {
      const answer = await otherGrant(body);
      return reply.code(answer.status).send(answer.body);
    }
    if (!grantType) return reply.code(400).send({ error: 'invalid_request', error_description: 'Missing required parameter: grant_type' });
    return reply.code(400).send({ error: 'unsupported_grant_type', error_description: `Unsupported grant type: ${grantType}` });
  });

  function handleClientCredentials(request: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>) {
    const credentials = readClientCredentials(request, body);
    if (!credentials) {
      return reply.code(401).send({ error: 'invalid_client', error_description: 'Client authentication is required' });
    }
    // Auth0 answers an unknown client and a wrong secret alike.
    const client = clients.find((candidate) => candidate.clientId === credentials.clientId);
    if (!client || !isSameSecret(client.clientSecret, credentials.clientSecret)) {
      return reply.code(401).send({ error: 'access_denied', error_description: 'Unauthorized' });
    }
    if (typeof body.audience !== 'string' || body.audience === '') {
      return reply.code(403).send({
        error: 'access_denied',
        error_description: 'No audience parameter was provided, and no default audience has been configured',
      });
    }
    if (body.audience !== audience) {
      return reply.code(403).send({ error: 'access_denied', error_description: `Service not found: ${body.audience}` });
    }
    const scope = client.scope ?? DEFAULT_SCOPE;
    if (scope.trim() === '') {
      return reply.code(403).send({
        error: 'access_denied',
        error_description: `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
      });
    }
    const accessToken = tokens.issue(client.clientId, scope);
    return reply.send({ access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_LIFETIME_SECONDS, scope });
  }

  app.post('/__emulator/revoke-tokens', async () => ({ revoked: tokens.revokeAll() }));
}

function readClientCredentials(request: FastifyRequest, body: Record<string, unknown>) {
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon)),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
      };
    }
  }
  if (isNonEmptyString(body.client_id) && isNonEmptyString(body.client_secret)) {
    return { clientId: body.client_id, clientSecret: body.client_secret };
  }
  return undefined;
}
