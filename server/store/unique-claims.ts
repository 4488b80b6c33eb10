// `unique` values claimed in the store (memory, or Redis across instances) before they are
// checked against other users and written, so two users submitting one value at the same time
// through one deployment never both win: Auth0's user search cannot tell, since it lags behind
// writes. A claim holds from before the check until the write is done, then for as long as the
// search may lag; a failed submit lets it go at once.
import { normalizeFieldValue } from '../../common/field-rules.js';
import type { FieldDefinition, FieldValue } from '../../common/wire.js';
import { RequestError } from '../http/errors.js';
import type { ProfilePatch } from '../upstream/profile-writer.js';
import { sha256, type SingleUseStore } from './single-use.js';

/**
 * Seconds a value stays claimed after its write: how far behind writes Auth0's user search may
 * be, with room to spare (it is usually a few seconds; Auth0 documents it as eventually
 * consistent, not bounded). After this, the search itself sees the value.
 */
export const UNIQUE_SEARCH_LAG_SECONDS = 60;

export interface UniqueClaims {
  /**
   * Claims, for `userId`, every value of a `unique` field among `fields` that `patch` writes.
   * Throws `RequestError` `invalid_fields` with `taken` for each value another user holds (and
   * then claims none), `upstream_unavailable` when the store fails.
   */
  claim(userId: string, fields: readonly FieldDefinition[], patch: ProfilePatch, holdSeconds: number): Promise<ClaimedValues>;
}

export interface ClaimedValues {
  /** After the write landed: keeps the values claimed for `UNIQUE_SEARCH_LAG_SECONDS`. */
  keep(): Promise<void>;
  /** After a failure: lets the values go (a claim the store cannot drop lapses by itself). */
  release(): Promise<void>;
}

const NOTHING_CLAIMED: ClaimedValues = { keep: async () => {}, release: async () => {} };

export function createUniqueClaims(store: SingleUseStore): UniqueClaims {
  return {
    async claim(userId, fields, patch, holdSeconds) {
      const owner = sha256(`user:${userId}`);
      const wanted = fields.flatMap((field) => {
        const value = field.unique && field.target ? patch[field.target]?.[field.id] : undefined;
        return value === undefined ? [] : [{ field, key: claimKey(field, value as FieldValue) }];
      });
      if (wanted.length === 0) return NOTHING_CLAIMED;
      const held: string[] = [];
      const taken: string[] = [];
      try {
        for (const { field, key } of wanted) {
          if (await store.hold(key, owner, holdSeconds)) held.push(key);
          else taken.push(field.id);
        }
      } catch (error) {
        await letGo(store, held, owner);
        throw new RequestError('upstream_unavailable', 'The service is busy. Please try again in a moment.', { cause: error });
      }
      if (taken.length > 0) {
        await letGo(store, held, owner);
        throw new RequestError('invalid_fields', 'Some fields need attention.', {
          fields: Object.fromEntries(taken.map((id) => [id, 'taken' as const])),
        });
      }
      return {
        async keep() {
          try {
            for (const key of held) await store.hold(key, owner, UNIQUE_SEARCH_LAG_SECONDS);
          } catch (error) {
            throw new RequestError('upstream_unavailable', 'The service is busy. Please try again in a moment.', { cause: error });
          }
        },
        release: () => letGo(store, held, owner),
      };
    },
  };
}

/** The claim's key: the field and the value as the field normalises it (`Badge` and ` badge ` are one). */
function claimKey(field: FieldDefinition, value: FieldValue): string {
  return `unique:${sha256(`${field.id}\u0000${JSON.stringify(normalizeFieldValue(field, value))}`)}`;
}

async function letGo(store: SingleUseStore, keys: readonly string[], owner: string): Promise<void> {
  // Best effort: a claim left behind lapses after its hold.
  await Promise.allSettled(keys.map((key) => store.unhold(key, owner)));
}
