// What the emulator's login pages and its two extension runtimes (Actions, legacy Rules) share:
// a login transaction, the outcome of running the post-login pipeline over it, and Auth0's
// redirect rules (who may be redirected, how `state` is appended).
import type { Metadata, UserStore } from './user-store.js';

/** The HTTP request an extension sees as `event.request` / `context.request`. */
export interface PostLoginRequest {
  /** The tenant host the login runs on, as tokens name it (`127.0.0.1:4010`). */
  readonly hostname: string;
  readonly ip: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
  /** The browser's preferred language (the first tag of `Accept-Language`), as `event.request.language`. */
  readonly language?: string;
}

export interface PostLoginTransaction {
  readonly userId: string;
  readonly clientId: string;
  /** `oidc-basic-profile` for a browser login; `oauth2-password`, `oauth2-refresh-token`... for back-channel grants. */
  readonly protocol: string;
  /** The authorization request's `prompt`; `none` is silent authentication. */
  readonly prompt?: string;
  /** Auth0's opaque `state` for /continue: random, unguessable, appended to any redirect. */
  readonly state: string;
  /** The request that started the login (/authorize, /u/login or /oauth/token). */
  readonly request: PostLoginRequest;
  /** The connection the user signed in with (`event.connection`); unset: the default database connection. */
  readonly connection?: { readonly name: string; readonly strategy: string };
  /** `api.user.setUserMetadata` / `setAppMetadata` calls, batched until the login completes. */
  readonly pendingMetadata: { user_metadata: Metadata; app_metadata: Metadata };
}

export type PostLoginError = 'access_denied' | 'interaction_required' | 'server_error';

export type PostLoginOutcome =
  | { readonly kind: 'complete' }
  | { readonly kind: 'redirect'; readonly url: string }
  | {
      readonly kind: 'failed';
      readonly error: PostLoginError;
      readonly description: string;
      /** Set when `api.access.deny` ended the login, not an error: Auth0 then keeps the metadata set before it. */
      readonly isDenied?: boolean;
    };

export interface PostLoginRuntime {
  /** Runs the post-login extension for a fresh authentication. */
  execute(transaction: PostLoginTransaction): Promise<PostLoginOutcome>;
  /** Resumes a suspended login at /continue; `request` is the /continue request (query and body). */
  resume(transaction: PostLoginTransaction, request: PostLoginRequest): Promise<PostLoginOutcome>;
}

// Back-channel grants have no browser to redirect (reference §1.2, §1.7).
const NO_REDIRECT_PROTOCOLS: ReadonlySet<string> = new Set([
  'oauth2-resource-owner',
  'oauth2-refresh-token',
  'oauth2-password',
]);

export function createTransaction(
  fields: Omit<PostLoginTransaction, 'pendingMetadata'>,
): PostLoginTransaction {
  return { ...fields, pendingMetadata: { user_metadata: {}, app_metadata: {} } };
}

/** Auth0's `api.redirect.canRedirect()`: no redirect for silent authentication or back-channel grants. */
export function canRedirect(transaction: PostLoginTransaction): boolean {
  return transaction.prompt !== 'none' && !NO_REDIRECT_PROTOCOLS.has(transaction.protocol);
}

/**
 * The outcome of an extension asking for a redirect: the target with its query and Auth0's
 * `state` appended (its own query kept), or the error Auth0 answers when it may not redirect.
 */
export function resolveRedirect(
  transaction: PostLoginTransaction,
  url: string,
  query: Readonly<Record<string, string>> = {},
): PostLoginOutcome {
  if (!canRedirect(transaction)) {
    return transaction.prompt === 'none'
      ? { kind: 'failed', error: 'interaction_required', description: 'A redirect is not possible with prompt=none.' }
      : { kind: 'failed', error: 'access_denied', description: `A redirect is not possible for ${transaction.protocol}.` };
  }
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { kind: 'failed', error: 'server_error', description: 'The redirect target is not a URL.' };
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    return { kind: 'failed', error: 'server_error', description: 'The redirect target is not a web URL.' };
  }
  for (const [key, value] of Object.entries(query)) target.searchParams.set(key, String(value));
  target.searchParams.set('state', transaction.state);
  return { kind: 'redirect', url: target.toString() };
}

/**
 * What becomes of the batched metadata once the pipeline has answered: written when the login
 * completes, and when `api.access.deny` ended it (Auth0 does not roll back metadata set before a
 * deny, reference §1.6); dropped when the extension failed; kept pending across a redirect.
 */
export function settlePendingMetadata(
  users: UserStore,
  transaction: PostLoginTransaction,
  outcome: PostLoginOutcome,
  now = new Date(),
): void {
  if (outcome.kind === 'redirect') return;
  if (outcome.kind === 'complete' || outcome.isDenied === true) {
    applyPendingMetadata(users, transaction, now);
    return;
  }
  transaction.pendingMetadata.user_metadata = {};
  transaction.pendingMetadata.app_metadata = {};
}

/** Writes the batched metadata once, as Auth0 does when the login completes; an empty batch writes nothing. */
export function applyPendingMetadata(users: UserStore, transaction: PostLoginTransaction, now = new Date()): void {
  const patch: { user_metadata?: Metadata; app_metadata?: Metadata } = {};
  for (const key of ['user_metadata', 'app_metadata'] as const) {
    if (Object.keys(transaction.pendingMetadata[key]).length > 0) patch[key] = transaction.pendingMetadata[key];
  }
  if (patch.user_metadata || patch.app_metadata) users.patch(transaction.userId, patch, now);
  transaction.pendingMetadata.user_metadata = {};
  transaction.pendingMetadata.app_metadata = {};
}
