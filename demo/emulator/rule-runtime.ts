// Runs a classic Rule (rule/rule.js, the real file) the way Auth0 did (reference §2): one
// function called with (user, context, callback), the globals `configuration`, `auth0` (a
// restricted Management client, here writing straight to the UserStore) and `UnauthorizedError`,
// `context.redirect` honoured after the rule, and a second pass with protocol `redirect-callback`
// on /continue.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  resolveRedirect,
  type PostLoginOutcome,
  type PostLoginRequest,
  type PostLoginRuntime,
  type PostLoginTransaction,
} from './post-login.js';
import { DEFAULT_DATABASE_CONNECTION, type Metadata, type UserStore } from './user-store.js';

export const RULE_PATH = fileURLToPath(new URL('../../rule/rule.js', import.meta.url));

/** The error a Rule passes to its callback to refuse a login with `access_denied`. */
export class UnauthorizedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

type RuleCallback = (error: unknown, user?: unknown, context?: RuleContext) => void;
type Rule = (user: unknown, context: RuleContext, callback: RuleCallback) => unknown;

interface RuleContext {
  clientID: string;
  protocol: string;
  stats: { loginsCount: number };
  request: { hostname: string; ip: string; query: Record<string, string>; body: Record<string, unknown> };
  connection: string;
  redirect?: { url?: unknown };
  [key: string]: unknown;
}

export interface RuleRuntimeOptions {
  readonly users: UserStore;
  /** The Rules settings (`configuration`): the same keys as the Action's secrets. */
  readonly configuration: Readonly<Record<string, string>>;
  /** Defaults to rule/rule.js. */
  readonly rulePath?: string;
  /** How long a rule may take before the login fails (Auth0: 20 s). */
  readonly timeoutMs?: number;
}

// Modules a rule may require here; Auth0 offered more, this rule needs only these.
const REQUIRABLE = new Set(['crypto', 'node:crypto', 'url', 'node:url']);
const nodeRequire = createRequire(import.meta.url);

export function createRuleRuntime(options: RuleRuntimeOptions): PostLoginRuntime {
  if (typeof options.configuration !== 'object' || options.configuration === null) {
    throw new TypeError('configuration must be an object');
  }
  const source = readFileSync(options.rulePath ?? RULE_PATH, 'utf8');
  // A Rule's source is one function expression; Auth0 evaluated it with these globals in scope.
  const compile = new Function(
    'configuration',
    'auth0',
    'UnauthorizedError',
    'require',
    `"use strict";\nreturn (${source}\n);`,
  ) as (configuration: unknown, auth0: unknown, unauthorized: unknown, require: unknown) => Rule;
  const timeoutMs = options.timeoutMs ?? 20_000;

  function requireModule(name: string): unknown {
    if (!REQUIRABLE.has(name)) throw new Error(`Cannot find module '${name}'`);
    return nodeRequire(name);
  }

  function createManagementClient(host: string) {
    const update = (userId: string, key: 'user_metadata' | 'app_metadata', metadata: Metadata) => {
      const updated = options.users.patch(String(userId), { [key]: metadata });
      return updated ? Promise.resolve(updated) : Promise.reject(new Error('The user does not exist.'));
    };
    return {
      domain: host,
      baseUrl: `http://${host}/api/v2`,
      accessToken: 'emulator-restricted-token',
      users: {
        updateUserMetadata: (userId: string, metadata: Metadata) => update(userId, 'user_metadata', metadata),
        updateAppMetadata: (userId: string, metadata: Metadata) => update(userId, 'app_metadata', metadata),
      },
    };
  }

  async function run(transaction: PostLoginTransaction, request: PostLoginRequest, isContinue: boolean) {
    const stored = options.users.get(transaction.userId);
    if (!stored) return { kind: 'failed', error: 'access_denied', description: 'The user no longer exists.' } as const;
    const user = {
      user_id: stored.user_id,
      email: stored.email,
      name: stored.name,
      user_metadata: stored.user_metadata,
      app_metadata: stored.app_metadata,
    };
    const context: RuleContext = {
      clientID: transaction.clientId,
      connection: transaction.connection?.name ?? DEFAULT_DATABASE_CONNECTION,
      protocol: isContinue ? 'redirect-callback' : transaction.protocol,
      stats: { loginsCount: stored.logins_count },
      request: { hostname: request.hostname, ip: request.ip, query: { ...request.query }, body: { ...request.body } },
    };
    const rule = compile({ ...options.configuration }, createManagementClient(request.hostname), UnauthorizedError, requireModule);
    const result = await callRule(rule, user, context, timeoutMs);
    if ('error' in result) {
      if (result.error instanceof UnauthorizedError) {
        return { kind: 'failed', error: 'access_denied', description: result.error.message } as const;
      }
      return { kind: 'failed', error: 'server_error', description: 'The login could not complete: a rule failed.' } as const;
    }
    // Auth0 ignores context.redirect on the redirect-callback pass.
    const redirectUrl = result.context?.redirect?.url;
    if (!isContinue && typeof redirectUrl === 'string') return resolveRedirect(transaction, redirectUrl);
    return { kind: 'complete' } as const;
  }

  return {
    execute: (transaction): Promise<PostLoginOutcome> => run(transaction, transaction.request, false),
    resume: (transaction, request): Promise<PostLoginOutcome> => run(transaction, request, true),
  };
}

function callRule(
  rule: Rule,
  user: unknown,
  context: RuleContext,
  timeoutMs: number,
): Promise<{ error: unknown } | { context: RuleContext | undefined }> {
  return new Promise((resolve) => {
    let settled = false;
    const timer = setTimeout(() => settle({ error: new Error('The rule timed out.') }), timeoutMs);
    function settle(result: { error: unknown } | { context: RuleContext | undefined }) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    }
    try {
      const returned = rule(user, context, (error, _user, nextContext) => {
        settle(error ? { error } : { context: nextContext ?? context });
      });
      if (returned instanceof Promise) returned.catch((error: unknown) => settle({ error }));
    } catch (error) {
      settle({ error });
    }
  });
}
