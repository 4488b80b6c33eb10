// Account linking (CONTRACT, seed 003): a signed-in user with a verified email gets a database
// identity in the form's connection: the server creates a user there with the password the user
// chose and links it into the signed-in user as a secondary identity. Nothing is left half-done:
// a link that fails deletes the user it created, and a create whose outcome is unknown (it
// answered late) is found again by a marker and finished or undone on the retry.
import type { Management } from 'auth0';
import { MAX_FIELD_MESSAGE_LENGTH } from '../../common/wire.js';
import { systemClock, type Clock } from '../clock.js';
import { RequestError } from '../http/errors.js';
import { describeError } from '../ops/log.js';
import { sha256, type SingleUseStore } from '../store/single-use.js';
import type { UpstreamBudget } from './budget.js';
import { PASSWORD_FIELD_ID, USERNAME_FIELD_ID, type DatabaseCredentials } from './credentials.js';
import { escapeLucene, type ManagementApi, type ManagementRefusal } from './management-api.js';

/** What linking did: a new database identity, or none because the user already had one there. */
export type LinkOutcome = 'linked' | 'already_linked';

export interface IdentityLinker {
  /**
   * Gives `userId` a database identity in the connection, signing in with `credentials`. Throws
   * `RequestError`: `email_unverified` (403, nothing created), `identity_exists` (409: the email
   * has an account there), `invalid_fields` (422: `password_policy` with Auth0's reason in
   * `messages`, a username `taken` or `invalid_format`), or an upstream 5xx after which nothing
   * is half-done and the same call may be repeated. The password goes to Auth0 and nowhere else.
   */
  link(userId: string, credentials: DatabaseCredentials, budget: UpstreamBudget): Promise<LinkOutcome>;
}

export interface IdentityLinkerOptions {
  api: ManagementApi;
  /** The database connection's name (`link_database_identity.connection`). */
  connection: string;
  /** Its id, when the start-time check could read it: sent with the link, as Auth0 asks when several database connections exist. */
  connectionId?: string;
  /** Whether the connection takes usernames (`requires_username`); undefined when unknown: a given username is sent. */
  usesUsernames?: boolean;
  /** Remembers creates whose outcome is unknown, across instances with Redis. */
  store: SingleUseStore;
  clock?: Clock;
  logger?: { warn(obj: object, msg: string): void };
}

/** The scopes linking needs besides reading and writing users. */
export const LINKING_SCOPES = ['create:users', 'delete:users'] as const;
/**
 * The `app_metadata` key a created user carries until it is linked (Auth0 drops a secondary's
 * metadata when linking): the primary's user id, so a retry can find a user it created whose
 * create answered late, and delete it. Only the M2M application can write `app_metadata`.
 */
export const LINK_MARKER = 'progressive_profile_linking_to';
/** Seconds a create with an unknown outcome is remembered: as long as user search may lag (store/unique-claims.ts). */
export const UNSETTLED_CREATE_SECONDS = 60;
/** Milliseconds of the budget kept for deleting the created user when the link fails. */
const UNDO_RESERVE_MS = 2_000;
const ORPHAN_PAGE_SIZE = 10;
const PASSWORD_REFUSAL = /^Password\w*Error\b:?\s*/u;
const USERNAME_TAKEN = /\busername\b.*\b(in use|exists)\b/iu;
const USERNAME_REFUSAL = /^The username\b/u;

/** Auth0 answered 409 to a create: the email (or username) has an account in the connection. */
class AccountExists extends Error {
  constructor() {
    super('The account already exists in the connection');
    this.name = 'AccountExists';
  }
}

export function createIdentityLinker(options: IdentityLinkerOptions): IdentityLinker {
  const { api, connection, connectionId, usesUsernames, store, logger } = options;
  if (typeof connection !== 'string' || connection === '') throw new TypeError('createIdentityLinker: option "connection" is required');
  const clock = options.clock ?? systemClock;
  const { client } = api;

  function assertLinkingGranted(): void {
    const missing = api.missingScopes()?.filter((scope) => (LINKING_SCOPES as readonly string[]).includes(scope));
    if (missing && missing.length > 0) {
      logger?.warn({ missingScopes: missing }, 'account linking needs scopes the Management API token lacks');
      throw new RequestError('upstream_error', 'Account linking is not available right now. Please try again later.');
    }
  }

  async function createUser(email: string, credentials: DatabaseCredentials, primaryId: string, budget: UpstreamBudget): Promise<string> {
    const body: Management.CreateUserRequestContent = {
      connection,
      email,
      password: credentials.password,
      // Only verified addresses get here (checked by the caller).
      email_verified: true,
      verify_email: false,
      app_metadata: { [LINK_MARKER]: primaryId },
      ...(credentials.username !== undefined && usesUsernames !== false ? { username: credentials.username } : {}),
    };
    try {
      const created = await api.call('create_user', (requestOptions) => client.users.create(body, requestOptions), budget, {
        // Not idempotent: after a 5xx or a timeout the user may exist; the retry finds it by its marker.
        retryServerErrors: false,
        translateRefusal: (refusal) => translateCreateRefusal(refusal, credentials.password),
      });
      if (typeof created.user_id !== 'string' || !created.user_id.startsWith('auth0|')) {
        throw new RequestError('upstream_error', 'The profile service answered unexpectedly.');
      }
      return created.user_id;
    } catch (error) {
      if (error instanceof RequestError && error.statusCode >= 500) await noteUnsettled(primaryId);
      throw error;
    }
  }

  /** Users this linker created for `primaryId` that are still unlinked (a create that answered late). */
  async function findUnlinkedCreations(primaryId: string, email: string, budget: UpstreamBudget): Promise<string[]> {
    const q = `app_metadata.${escapeLucene(LINK_MARKER)}:"${escapeLucene(primaryId)}"`;
    const users = await api.searchUsers(q, 'user_id,email,identities', ORPHAN_PAGE_SIZE, budget);
    return users
      .filter(
        (user) =>
          typeof user.user_id === 'string' &&
          user.email?.toLowerCase() === email.toLowerCase() &&
          user.identities?.length === 1 &&
          user.identities[0]?.provider === 'auth0' &&
          user.identities[0]?.connection === connection,
      )
      .map((user) => user.user_id as string);
  }

  async function deleteUser(userId: string, budget: UpstreamBudget): Promise<void> {
    await api.call('delete_user', (requestOptions) => client.users.delete(userId, requestOptions), budget);
  }

  /** Creates the database user; a 409 meets users this linker left behind (deleted, then created again) or answers `identity_exists`. */
  async function createOrReplace(email: string, credentials: DatabaseCredentials, primaryId: string, budget: UpstreamBudget) {
    try {
      return await createUser(email, credentials, primaryId, budget);
    } catch (error) {
      if (!(error instanceof AccountExists)) throw error;
    }
    const leftBehind = await findUnlinkedCreations(primaryId, email, budget);
    if (leftBehind.length === 0) {
      // Our own create may have landed moments ago, not yet searchable: come back, not "sign in instead".
      if ((await readUnsettled(primaryId)) !== undefined) {
        throw new RequestError('upstream_unavailable', 'Your account is still being set up. Please try again in a moment.', {
          retryAfter: 5,
        });
      }
      throw identityExists();
    }
    for (const userId of leftBehind) await deleteUser(userId, budget);
    try {
      return await createUser(email, credentials, primaryId, budget);
    } catch (error) {
      throw error instanceof AccountExists ? identityExists() : error;
    }
  }

  /** Links `createdId` into `primaryId`; when that fails, deletes it, so no half-made account stays. */
  async function linkOrUndo(primaryId: string, createdId: string, budget: UpstreamBudget): Promise<void> {
    const reserve = Math.min(UNDO_RESERVE_MS, Math.max(0, budget.deadline - clock.now()) / 3);
    try {
      await api.call(
        'link_identity',
        (requestOptions) =>
          client.users.identities.link(
            primaryId,
            { provider: 'auth0', user_id: createdId.slice('auth0|'.length), ...(connectionId ? { connection_id: connectionId } : {}) },
            requestOptions,
          ),
        { signal: budget.signal, deadline: budget.deadline - reserve },
        // A link that answered late may have landed: a retry would then be refused. One attempt;
        // the submit's retry sees the identity linked, or starts over.
        { retryServerErrors: false },
      );
    } catch (error) {
      try {
        // Answers 204 for a user already gone, including one the late link moved into the primary.
        await deleteUser(createdId, budget);
      } catch (undoError) {
        logger?.warn({ err: describeError(undoError) }, 'could not delete the database user of a failed link; the next attempt removes it');
        await noteUnsettled(primaryId);
      }
      // Whatever the link's refusal, T1 stays usable and the user may try again.
      if (error instanceof RequestError && error.statusCode >= 500) throw error;
      throw new RequestError('upstream_error', 'The profile service refused the request.', { cause: error });
    }
  }

  async function noteUnsettled(primaryId: string): Promise<void> {
    try {
      await store.hold(unsettledKey(primaryId), 'create', UNSETTLED_CREATE_SECONDS);
    } catch (error) {
      logger?.warn({ err: describeError(error) }, 'could not remember an unsettled database user');
    }
  }

  async function readUnsettled(primaryId: string): Promise<string | undefined> {
    try {
      return await store.holderOf(unsettledKey(primaryId));
    } catch {
      return 'unknown';
    }
  }

  return {
    async link(userId, credentials, budget) {
      if (typeof credentials?.password !== 'string' || credentials.password === '') {
        throw new TypeError('link: credentials.password is required');
      }
      const user = await api.call(
        'get_user',
        (requestOptions) => client.users.get(userId, { fields: 'email,email_verified,identities', include_fields: true }, requestOptions),
        budget,
      );
      // A retry after a link that landed but answered late: nothing left to do.
      if (user.identities?.some((identity) => identity.provider === 'auth0' && identity.connection === connection)) {
        return 'already_linked';
      }
      // A database identity on an unverified address would let whoever owns the address take the account.
      if (typeof user.email !== 'string' || user.email === '' || user.email_verified !== true) {
        throw new RequestError('email_unverified', 'Please verify your email address first, then sign in again.');
      }
      assertLinkingGranted();
      const createdId = await createOrReplace(user.email, credentials, userId, budget);
      await linkOrUndo(userId, createdId, budget);
      return 'linked';
    },
  };
}

/**
 * Auth0's refusals of a create, by status and, where Auth0 gives no error code, by the start of
 * its message (documented wording): a weak password (`PasswordStrengthError: …` and its
 * siblings), a username in use (Auth0 answers 400 for it), a username the connection refuses.
 */
function translateCreateRefusal(refusal: ManagementRefusal, password: string): Error | undefined {
  if (refusal.status === 409) return new AccountExists();
  if (refusal.status !== 400) return undefined;
  const message = readMessage(refusal.body);
  if (PASSWORD_REFUSAL.test(message)) {
    const reason = toFieldMessage(message.replace(PASSWORD_REFUSAL, ''), password) ?? 'The password is too weak.';
    return fieldRefusal(PASSWORD_FIELD_ID, 'password_policy', reason);
  }
  if (USERNAME_TAKEN.test(message)) return fieldRefusal(USERNAME_FIELD_ID, 'taken');
  if (USERNAME_REFUSAL.test(message)) return fieldRefusal(USERNAME_FIELD_ID, 'invalid_format', toFieldMessage(message, password));
  return undefined;
}

function fieldRefusal(fieldId: string, code: 'password_policy' | 'taken' | 'invalid_format', message?: string): RequestError {
  return new RequestError('invalid_fields', 'Some fields need attention.', {
    fields: { [fieldId]: code },
    ...(message ? { messages: { [fieldId]: message } } : {}),
  });
}

function identityExists(): RequestError {
  return new RequestError('identity_exists', 'This email already has an account with a password. Sign in with that account instead.');
}

function readMessage(body: unknown): string {
  const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : '';
}

/** Auth0's reason as plain text of at most 200 characters; undefined when empty or when it would echo the password. */
function toFieldMessage(text: string, password: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029<>]/gu, ' ').replace(/\s+/gu, ' ').trim();
  if (plain === '' || plain.includes(password)) return undefined;
  const characters = [...plain];
  return characters.length <= MAX_FIELD_MESSAGE_LENGTH ? plain : `${characters.slice(0, MAX_FIELD_MESSAGE_LENGTH - 1).join('')}…`;
}

function unsettledKey(primaryId: string): string {
  return `link:${sha256(primaryId)}`;
}
