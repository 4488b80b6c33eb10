// Runs a post-login Action the way Auth0 does (reference §1): builds `event` and `api`, records
// redirects and metadata writes, applies them after the handler returns, and fails the login when
// the handler throws. What runs: the Actions deployed and bound to post-login through the Actions
// API (their deployed code and the secret values they were deployed with, in binding order), or,
// when none is bound, rule/action.js itself with the `secrets` option (a tenant set up in code).
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFunction } from 'node:vm';
import type { BoundAction } from './actions-api.js';
import { decodeJwt, hasValidHs256Signature, signHs256Jwt, type JwtClaims } from './hs256-jwt.js';
import {
  canRedirect,
  resolveRedirect,
  type PostLoginOutcome,
  type PostLoginRequest,
  type PostLoginRuntime,
  type PostLoginTransaction,
} from './post-login.js';
import { toPublicUser, type UserStore } from './user-store.js';

/** The deployable Action of this project. */
export const ACTION_PATH = fileURLToPath(new URL('../../rule/action.js', import.meta.url));

type Handler = (event: unknown, api: unknown) => unknown;

interface ActionModule {
  onExecutePostLogin?: Handler;
  onContinuePostLogin?: Handler;
}

export interface ActionRuntimeOptions {
  readonly users: UserStore;
  /** The Action's secrets (`event.secrets`). */
  readonly secrets: Readonly<Record<string, string>>;
  /** Defaults to rule/action.js. */
  readonly actionPath?: string;
  /** The deployed versions bound to post-login; while it lists any, they run instead of `actionPath` and `secrets`. */
  readonly listBound?: () => readonly BoundAction[];
  /** Epoch milliseconds; injected so tests move time instead of sleeping. */
  readonly now?: () => number;
}

interface Effects {
  redirect?: { url: string; query: Record<string, string> };
  denied?: string;
}

const DEFAULT_TOKEN_LIFETIME_SECONDS = 900;
/** `event.transaction.ui_locales`: the authorization request's space-separated `ui_locales`, as an array (empty when absent). */
export function readUiLocales(uiLocales: string | undefined): string[] {
  return (uiLocales ?? '').split(' ').filter((locale) => locale !== '');
}

export function createActionRuntime(options: ActionRuntimeOptions): PostLoginRuntime {
  if (typeof options.secrets !== 'object' || options.secrets === null) throw new TypeError('secrets must be an object');
  const actionPath = options.actionPath ?? ACTION_PATH;
  const fileAction: LoadedAction = { module: createRequire(import.meta.url)(actionPath) as ActionModule, secrets: options.secrets };
  const now = options.now ?? Date.now;
  const compiled = new Map<string, ActionModule>();
  /** The Action a suspended login redirected from, and those after it: /continue resumes there. */
  const suspended = new WeakMap<PostLoginTransaction, { pipeline: LoadedAction[]; index: number }>();

  function loadPipeline(): LoadedAction[] {
    const bound = options.listBound?.() ?? [];
    if (bound.length === 0) return [fileAction];
    return bound.map((version) => {
      let module = compiled.get(version.versionId);
      if (!module) {
        module = compileAction(version);
        compiled.set(version.versionId, module);
      }
      return { module, secrets: version.secrets };
    });
  }

  /** Runs `first` of the Action at `index`, then onExecutePostLogin of each after it, until one redirects or fails. */
  async function runFrom(
    pipeline: LoadedAction[],
    index: number,
    first: keyof ActionModule,
    transaction: PostLoginTransaction,
    request: PostLoginRequest,
  ): Promise<PostLoginOutcome> {
    for (let at = index; at < pipeline.length; at += 1) {
      const outcome = await run(pipeline[at], at === index ? first : 'onExecutePostLogin', transaction, at === index ? request : transaction.request);
      if (outcome.kind === 'redirect') suspended.set(transaction, { pipeline, index: at });
      if (outcome.kind !== 'complete') return outcome;
    }
    return { kind: 'complete' };
  }

  async function run(
    action: LoadedAction,
    name: keyof ActionModule,
    transaction: PostLoginTransaction,
    request: PostLoginRequest,
  ): Promise<PostLoginOutcome> {
    const handler = action.module[name];
    if (typeof handler !== 'function') {
      return { kind: 'failed', error: 'server_error', description: `The Action does not export ${name}.` };
    }
    const user = options.users.get(transaction.userId);
    if (!user) return { kind: 'failed', error: 'access_denied', description: 'The user no longer exists.' };

    const effects: Effects = {};
    // As the Management API answers it: identities without their passwords.
    const { identities } = toPublicUser(user);
    const primary = identities[0];
    const event = {
      user: {
        user_id: user.user_id,
        email: user.email,
        email_verified: user.email_verified,
        ...(user.username === undefined ? {} : { username: user.username }),
        name: user.name,
        identities,
        user_metadata: user.user_metadata,
        app_metadata: user.app_metadata,
        created_at: user.created_at,
        updated_at: user.updated_at,
      },
      stats: { logins_count: user.logins_count },
      transaction: {
        protocol: transaction.protocol,
        ...(transaction.prompt ? { prompt: [transaction.prompt] } : {}),
        ui_locales: readUiLocales(transaction.request.query.ui_locales),
      },
      request: {
        hostname: request.hostname,
        ip: request.ip,
        query: { ...request.query },
        body: { ...request.body },
        ...(request.language === undefined ? {} : { language: request.language }),
      },
      client: { client_id: transaction.clientId },
      // The connection this login used; a login without one (a test's transaction) used the primary identity's.
      connection: transaction.connection ?? { name: primary.connection, strategy: primary.provider },
      secrets: { ...action.secrets },
    };
    const api = buildApi(transaction, request, effects, user.user_id);
    try {
      await handler(event, api);
    } catch {
      // Auth0 fails the login; the error's text stays out of the answer (it may hold anything).
      return { kind: 'failed', error: 'access_denied', description: 'The login could not complete: an Action failed.' };
    }
    // A deny keeps the metadata set before it (Auth0 does not roll it back): the login flow settles it.
    if (effects.denied !== undefined) return { kind: 'failed', error: 'access_denied', description: effects.denied, isDenied: true };
    if (effects.redirect) return resolveRedirect(transaction, effects.redirect.url, effects.redirect.query);
    return { kind: 'complete' };
  }

  function buildApi(transaction: PostLoginTransaction, request: PostLoginRequest, effects: Effects, userId: string) {
    const api = {
      access: {
        deny(reason: string) {
          effects.denied ??= String(reason);
          return api;
        },
      },
      redirect: {
        canRedirect: () => canRedirect(transaction),
        sendUserTo(url: string, sendOptions: { query?: Record<string, string> } = {}) {
          effects.redirect = { url: String(url), query: { ...(sendOptions.query ?? {}) } };
          return api;
        },
        encodeToken(tokenOptions: { secret: string; expiresInSeconds?: number; payload: JwtClaims }) {
          if (typeof tokenOptions?.secret !== 'string' || tokenOptions.secret === '') {
            throw new TypeError('encodeToken needs a secret');
          }
          const issuedAt = Math.floor(now() / 1000);
          // Auth0's own claims win over the payload's.
          return signHs256Jwt(
            {
              ...tokenOptions.payload,
              sub: userId,
              iss: transaction.request.hostname,
              iat: issuedAt,
              exp: issuedAt + (tokenOptions.expiresInSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS),
              ip: transaction.request.ip,
            },
            tokenOptions.secret,
          );
        },
        validateToken(tokenOptions: { secret: string; tokenParameterName?: string }) {
          return validateToken(tokenOptions, transaction.state, request, userId, now());
        },
      },
      user: {
        setUserMetadata(key: string, value: unknown) {
          transaction.pendingMetadata.user_metadata[String(key)] = structuredClone(value);
          return api;
        },
        setAppMetadata(key: string, value: unknown) {
          transaction.pendingMetadata.app_metadata[String(key)] = structuredClone(value);
          return api;
        },
      },
    };
    return api;
  }

  return {
    execute: (transaction) => runFrom(loadPipeline(), 0, 'onExecutePostLogin', transaction, transaction.request),
    resume(transaction, request) {
      const at = suspended.get(transaction) ?? { pipeline: loadPipeline(), index: 0 };
      suspended.delete(transaction);
      return runFrom(at.pipeline, at.index, 'onContinuePostLogin', transaction, request);
    },
  };
}

interface LoadedAction {
  readonly module: ActionModule;
  readonly secrets: Readonly<Record<string, string>>;
}

/** A deployed version's code as a CommonJS module, its `require` resolving as rule/action.js's does. */
function compileAction(version: BoundAction): ActionModule {
  const module = { exports: {} as ActionModule };
  try {
    const load = compileFunction(version.code, ['exports', 'require', 'module', '__filename', '__dirname'], {
      filename: `${version.name} (version ${version.number})`,
    });
    load(module.exports, createRequire(ACTION_PATH), module, ACTION_PATH, dirname(ACTION_PATH));
  } catch (error) {
    // A module that throws as it loads fails every login it runs in, as on Auth0.
    const fail = () => Promise.reject(error);
    return { onExecutePostLogin: fail, onContinuePostLogin: fail };
  }
  return module.exports;
}

/**
 * Auth0's `api.redirect.validateToken`, with the checks and error texts users see from Auth0
 * (reference §1.5): the token in query or body, its `state` claim equal to the /continue state,
 * an HS256 signature by `secret`, `sub`/`iss`/`exp`/`iat` present, header `typ` JWT, `sub` the
 * user, `exp` in the future. Returns every claim.
 */
export function validateToken(
  options: { secret: string; tokenParameterName?: string },
  continueState: string,
  request: PostLoginRequest,
  userId: string,
  nowMs: number,
): JwtClaims {
  const name = options?.tokenParameterName ?? 'session_token';
  const params: Record<string, unknown> = { ...request.query, ...request.body };
  if (!Object.hasOwn(params, name)) {
    throw new Error(`There is no parameter called '${name}' available in either the POST body or query string.`);
  }
  const invalid = (message: string) => new Error(`The session token is invalid: ${message}`);
  const token = decodeJwt(String(params[name]));
  if (!token) throw invalid('Malformed token.');
  const { header, claims } = token;
  if (claims.state !== continueState) throw invalid('State in the token does not match the /continue state.');
  if (typeof options.secret !== 'string' || !hasValidHs256Signature(token, options.secret)) {
    throw invalid('Failed signature validation');
  }
  for (const claim of ['sub', 'iss', 'exp', 'iat']) {
    if (!Object.hasOwn(claims, claim)) throw invalid('Missing or invalid standard claims');
  }
  if (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT') throw invalid('Unexpected token payload type');
  if (claims.sub !== userId) throw invalid('The sub claim does not match the user_id.');
  if (typeof claims.exp !== 'number' || claims.exp <= Math.floor(nowMs / 1000)) throw invalid('Token has expired.');
  return claims;
}
