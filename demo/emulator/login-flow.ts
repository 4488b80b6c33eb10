// A browser login from the moment the user is known: the post-login pipeline (the Action, or the
// legacy Rule) runs over it and the tenant obeys its outcome. Complete: the batched metadata is
// written and a code goes to the application's callback. Redirect: the login waits under Auth0's
// unguessable `state` until /continue resumes it, once. Failed: the error goes to the callback,
// after keeping the metadata of a deny (post-login.ts). Also holds the open login pages.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { withQuery, type LoginClient } from './clients.js';
import type { Connection } from './connections.js';
import {
  createTransaction,
  settlePendingMetadata,
  type PostLoginOutcome,
  type PostLoginRequest,
  type PostLoginRuntime,
  type PostLoginTransaction,
} from './post-login.js';
import { ExpiringMap, randomToken } from './sessions.js';
import type { StoredUser, UserStore } from './user-store.js';
import { isRecord, stringsOf } from './values.js';

/** An /authorize request waiting on the login page. */
export interface PendingLogin {
  readonly client: LoginClient;
  readonly redirectUri: string;
  readonly appState?: string;
  readonly query: Record<string, string>;
  /** The database connection the page's password form signs in to. */
  readonly connection: Connection;
}

export interface LoginFlowOptions {
  readonly users: UserStore;
  readonly runtime: PostLoginRuntime;
  /** The tenant as tokens name it (`127.0.0.1:4010`) and its origin; read per request (the port is known at listen). */
  readonly tenant: () => { host: string; origin: string };
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** How long a login page, a suspended login and a code stay usable. */
  readonly lifetimeMs: number;
}

interface SuspendedLogin {
  readonly transaction: PostLoginTransaction;
  readonly redirectUri: string;
  readonly appState?: string;
  readonly expiresAt: number;
}

interface IssuedCode {
  readonly userId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly expiresAt: number;
}

export interface LoginFlow {
  /** Keeps an /authorize request for its login page; answers the page's id. */
  openPage(login: PendingLogin): string;
  /** The live pending login of a page id; `isTaken` ends it (a login page signs in once). */
  pageOf(loginId: string | undefined, isTaken?: boolean): PendingLogin | undefined;
  /** Runs the pipeline for `user` signing in through `login` and answers the browser. */
  run(
    user: StoredUser,
    login: PendingLogin,
    request: FastifyRequest,
    reply: FastifyReply,
    context: { prompt?: string; connection: Connection },
  ): Promise<FastifyReply>;
  /** /continue: resumes the login suspended under `state` (once), or answers undefined when there is none. */
  resume(state: string | undefined, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** Redeems a code once; the user id when it was issued to this client for this redirect_uri. */
  redeemCode(code: unknown, clientId: string, redirectUri: unknown): string | undefined;
}

const CODE_LIFETIME_MS = 60_000;
const BROWSER_PROTOCOL = 'oidc-basic-profile';

export function createLoginFlow(options: LoginFlowOptions): LoginFlow {
  const { users, runtime, now } = options;
  const pages = new ExpiringMap<PendingLogin & { expiresAt: number }>(now);
  const suspended = new ExpiringMap<SuspendedLogin>(now);
  const codes = new ExpiringMap<IssuedCode>(now);

  function requestOf(request: FastifyRequest, query: Record<string, string>, body: Record<string, unknown> = {}): PostLoginRequest {
    return {
      hostname: options.tenant().host,
      ip: request.ip,
      query,
      body,
      language: readLanguage(request.headers['accept-language']),
    };
  }

  function finish(login: Omit<SuspendedLogin, 'expiresAt'>, outcome: PostLoginOutcome, reply: FastifyReply) {
    settlePendingMetadata(users, login.transaction, outcome, new Date(now()));
    if (outcome.kind === 'redirect') {
      suspended.set(login.transaction.state, { ...login, expiresAt: now() + options.lifetimeMs });
      return reply.redirect(outcome.url);
    }
    if (outcome.kind === 'failed') {
      return reply.redirect(
        withQuery(login.redirectUri, { error: outcome.error, error_description: outcome.description, state: login.appState }),
      );
    }
    const code = randomToken();
    codes.set(code, {
      userId: login.transaction.userId,
      clientId: login.transaction.clientId,
      redirectUri: login.redirectUri,
      expiresAt: now() + CODE_LIFETIME_MS,
    });
    return reply.redirect(withQuery(login.redirectUri, { code, state: login.appState }));
  }

  return {
    openPage(login) {
      const loginId = randomToken();
      pages.set(loginId, { ...login, expiresAt: now() + options.lifetimeMs });
      return loginId;
    },

    pageOf(loginId, isTaken = false) {
      return pages.get(loginId, isTaken);
    },

    async run(user, login, request, reply, context) {
      const transaction = createTransaction({
        userId: user.user_id,
        clientId: login.client.clientId,
        protocol: BROWSER_PROTOCOL,
        prompt: context.prompt,
        state: randomToken(),
        request: requestOf(request, login.query),
        connection: { name: context.connection.name, strategy: context.connection.strategy },
      });
      const outcome = await runtime.execute(transaction);
      return finish({ transaction, redirectUri: login.redirectUri, appState: login.appState }, outcome, reply);
    },

    async resume(state, request, reply) {
      // Single use: a state resumes its login once, whatever the outcome.
      const login = suspended.get(state, true);
      if (!login) return undefined;
      const body = isRecord(request.body) ? request.body : {};
      const outcome = await runtime.resume(login.transaction, requestOf(request, stringsOf(request.query), { ...body }));
      return finish(login, outcome, reply);
    },

    redeemCode(code, clientId, redirectUri) {
      // One use: the code is gone whatever happens next.
      const issued = codes.get(typeof code === 'string' ? code : undefined, true);
      if (!issued || issued.clientId !== clientId || issued.redirectUri !== redirectUri) return undefined;
      return issued.userId;
    },
  };
}

/** The first language tag of an `Accept-Language` header (`es-MX,es;q=0.9` → `es-MX`). */
function readLanguage(header: string | undefined): string | undefined {
  const tag = header?.split(',')[0]?.split(';')[0]?.trim();
  return tag && tag !== '*' ? tag : undefined;
}
