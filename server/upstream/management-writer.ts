// Writes profile data through the Auth0 Management API (management-api.ts: the real `auth0` SDK,
// retries, the time budget): one PATCH of the metadata, and the user search behind `unique`
// (metadata, and for a `username` field the root username too).
import type { Management } from 'auth0';
import { USERNAME_FIELD_ID } from './credentials.js';
import { LINK_MARKER } from './identity-linker.js';
import { createManagementApi, escapeLucene, type ManagementApi, type ManagementApiOptions } from './management-api.js';
import type { Metadata, ProfilePatch, ProfileWriter, WriteOptions } from './profile-writer.js';

type MetadataTarget = 'user_metadata' | 'app_metadata';

// Two rows suffice (a user is one row, whichever terms it matches): if one is this user, the
// other is someone else. A username search may also meet this user's own unfinished link.
const SEARCH_PAGE_SIZE = 2;
const USERNAME_SEARCH_PAGE_SIZE = 3;

/**
 * A `ProfileWriter` over the Management API (`api`, or one built from `options`). Throws
 * `RequestError` `upstream_error` (502), `upstream_unavailable` (503) or `upstream_timeout` (504),
 * and a `TypeError` for a caller's mistake such as an empty patch, which would wipe metadata.
 * The PATCH is idempotent (it sets the same keys to the same values), so it is retried after a
 * 5xx or a timeout, and a submit repeated after one writes nothing new.
 */
export function createManagementWriter(source: ManagementApi | ManagementApiOptions): ProfileWriter {
  const api = 'call' in source ? source : createManagementApi(source);
  const { client } = api;
  return {
    async writeProfile(userId: string, patch: ProfilePatch, writeOptions: WriteOptions): Promise<void> {
      assertUserId(userId);
      const body = buildPatchBody(patch);
      await api.call('update_user', (requestOptions) => client.users.update(userId, body, requestOptions), writeOptions);
    },

    async isValueTaken(userId, target, fieldId, value, writeOptions): Promise<boolean> {
      assertUserId(userId);
      if (target !== 'user_metadata' && target !== 'app_metadata') {
        throw new TypeError('isValueTaken: target must be user_metadata or app_metadata');
      }
      if (typeof fieldId !== 'string' || fieldId === '') throw new TypeError('isValueTaken: fieldId is required');
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new TypeError('isValueTaken: value must be a string, number or boolean');
      }
      const q = buildTakenQuery(target, fieldId, value);
      if (!isRootUsernameChecked(fieldId, value)) {
        const users = await api.searchUsers(q, 'user_id', SEARCH_PAGE_SIZE, writeOptions);
        return users.some((user) => user.user_id !== userId);
      }
      const users = await api.searchUsers(q, 'user_id,app_metadata', USERNAME_SEARCH_PAGE_SIZE, writeOptions);
      return users.some((user) => user.user_id !== userId && !isOwnUnfinishedLink(user, userId));
    },

    close(): void {
      // The SDK holds no sockets of its own; undici's idle connections close by themselves.
    },
  };
}

/**
 * The user search behind `isValueTaken`: the metadata key's exact value; for a `username` field
 * also the root `username` a database connection gives its users, in the same request (`OR`), so
 * a name someone signed up with counts as taken though no metadata holds it. Auth0 stores
 * usernames lower-case and documents case-insensitive search only for email and the name fields,
 * so the root term asks for the lower-cased value.
 */
function buildTakenQuery(target: MetadataTarget, fieldId: string, value: string | number | boolean): string {
  const metadataTerm = `${target}.${escapeLucene(fieldId)}:"${escapeLucene(String(value))}"`;
  if (!isRootUsernameChecked(fieldId, value)) return metadataTerm;
  return `${metadataTerm} OR username:"${escapeLucene(value.toLowerCase())}"`;
}

function isRootUsernameChecked(fieldId: string, value: unknown): value is string {
  return fieldId === USERNAME_FIELD_ID && typeof value === 'string';
}

/**
 * A database user the identity linker created for `userId` and has not linked yet (its create
 * answered late; the retry links or deletes it): it holds the username for this user, not
 * against them. Only the Management API writes app_metadata, so no user can forge the marker.
 */
function isOwnUnfinishedLink(user: Management.UserResponseSchema, userId: string): boolean {
  const appMetadata: unknown = user.app_metadata;
  return typeof appMetadata === 'object' && appMetadata !== null && (appMetadata as Record<string, unknown>)[LINK_MARKER] === userId;
}

/** The PATCH body: only the two metadata objects, each present only when it has keys. */
function buildPatchBody(patch: ProfilePatch): { user_metadata?: Metadata; app_metadata?: Metadata } {
  if (typeof patch !== 'object' || patch === null) throw new TypeError('writeProfile: patch must be an object');
  const body: { user_metadata?: Metadata; app_metadata?: Metadata } = {};
  for (const target of ['user_metadata', 'app_metadata'] as const satisfies readonly MetadataTarget[]) {
    const metadata = patch[target];
    if (metadata === undefined) continue;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new TypeError(`writeProfile: patch.${target} must be an object`);
    }
    // `{}` would not be a no-op: the Management API reads it as "delete all metadata".
    if (Object.keys(metadata).length === 0) throw new TypeError(`writeProfile: patch.${target} is empty, which would wipe it`);
    body[target] = metadata;
  }
  if (body.user_metadata === undefined && body.app_metadata === undefined) {
    throw new TypeError('writeProfile: patch has nothing to write');
  }
  return body;
}

function assertUserId(userId: string): void {
  if (typeof userId !== 'string' || userId === '') throw new TypeError('ProfileWriter: userId is required');
}

