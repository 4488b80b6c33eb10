// Auth0's user search (`GET /api/v2/users?q=…&search_engine=v3`) reads an index that lags behind
// writes ("eventually consistent", reference §1.6), while `GET /users/{id}` reads the user at
// once. The index keeps every user's versions with the time each becomes searchable; a query sees,
// per user, the newest version already visible. The lag can change at runtime (a control route).
import type { StoredUser, UserStore } from './user-store.js';

interface Version {
  readonly visibleAt: number;
  /** Undefined: the user was deleted (or linked into another) by then. */
  readonly user: StoredUser | undefined;
}

export interface SearchIndexOptions {
  /** Milliseconds a write takes to reach search; 0: at once. */
  readonly lagMs?: number;
  /** Epoch milliseconds. */
  readonly now?: () => number;
}

export class SearchIndex {
  readonly #versions = new Map<string, Version[]>();
  readonly #now: () => number;
  #lagMs: number;

  /** Indexes `users` as they are (visible at once) and every later write to them. */
  constructor(users: UserStore, options: SearchIndexOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#lagMs = checkLag(options.lagMs ?? 0);
    for (const user of users.list()) this.#versions.set(user.user_id, [{ visibleAt: Number.NEGATIVE_INFINITY, user }]);
    users.onChange((userId, user) => {
      const now = this.#now();
      const versions = this.#versions.get(userId) ?? [];
      versions.push({ visibleAt: now + this.#lagMs, user });
      this.#versions.set(userId, versions);
      // Bounded by the writes of one lag window, however long nobody searches.
      this.#visibleVersion(userId, versions, now);
    });
  }

  get lagMs(): number {
    return this.#lagMs;
  }

  /** Changes the lag of later writes (those already waiting keep theirs). */
  setLag(lagMs: number): void {
    this.#lagMs = checkLag(lagMs);
  }

  /** The users search sees now that `matches`, in the order they were first indexed. */
  search(matches: (user: StoredUser) => boolean): StoredUser[] {
    const now = this.#now();
    const found: StoredUser[] = [];
    for (const [userId, versions] of this.#versions) {
      const user = this.#visibleVersion(userId, versions, now);
      if (user && matches(user)) found.push(structuredClone(user));
    }
    return found;
  }

  /** The user as search sees it at `now`; forgets the versions a newer visible one replaced. */
  #visibleVersion(userId: string, versions: Version[], now: number): StoredUser | undefined {
    // Writes are in order; with a lag changed at runtime a later one may be visible first: it wins.
    let visible = -1;
    for (let index = versions.length - 1; index >= 0; index -= 1) {
      if ((versions[index] as Version).visibleAt <= now) {
        visible = index;
        break;
      }
    }
    if (visible < 0) return undefined;
    if (visible > 0) versions.splice(0, visible);
    const user = versions[0]?.user;
    if (user === undefined && versions.length === 1) this.#versions.delete(userId);
    return user;
  }
}

/** The longest lag the index accepts: an hour. */
export const MAX_LAG_MS = 3_600_000;

/** Whether `lagMs` is a lag the index accepts: milliseconds from 0 to MAX_LAG_MS. */
export function isSearchLag(lagMs: unknown): lagMs is number {
  return typeof lagMs === 'number' && Number.isFinite(lagMs) && lagMs >= 0 && lagMs <= MAX_LAG_MS;
}

function checkLag(lagMs: number): number {
  if (!isSearchLag(lagMs)) throw new TypeError(`the search index lag must be a number of milliseconds from 0 to ${MAX_LAG_MS}`);
  return lagMs;
}

/** One term of a parsed `q`: an exact match on one metadata key, or on the root `username`. */
export type SearchTerm =
  | { readonly target: 'user_metadata' | 'app_metadata'; readonly key: string; readonly value: string }
  | { readonly target: 'username'; readonly value: string };

/** A parsed `q`: one or more terms joined by `OR` (a user matches when any term does). */
export interface SearchQuery {
  readonly anyOf: readonly SearchTerm[];
}

// One term: `user_metadata.KEY:` / `app_metadata.KEY:` / `username:`, then a quoted phrase or a
// bare word, backslash escapes allowed in the key and the value.
const TERM = /(?:(user_metadata|app_metadata)\.((?:[^\s:\\"]|\\.)+)|(username)):(?:"((?:[^"\\]|\\.)*)"|((?:[^\s"\\()]|\\.)+))/suy;
// Auth0 takes operators only in capitals; a lower-case `or` would be a term of its own.
const OR = /\s+OR\s+/uy;

/**
 * Parses what the emulator supports of Auth0's v3 search syntax: `user_metadata.KEY:"value"`,
 * `app_metadata.KEY:"value"` and `username:"value"` (quoted or a bare word), alone or joined by
 * `OR`, undoing backslash escapes in keys and values. Anything else is undefined (Auth0 would
 * accept more; the emulator answers it 400).
 */
export function parseSearchQuery(q: string): SearchQuery | undefined {
  const text = q.trim();
  const anyOf: SearchTerm[] = [];
  let position = 0;
  for (;;) {
    TERM.lastIndex = position;
    const match = TERM.exec(text);
    if (!match) return undefined;
    anyOf.push(toTerm(match));
    position = TERM.lastIndex;
    if (position === text.length) return { anyOf };
    OR.lastIndex = position;
    if (!OR.exec(text)) return undefined;
    position = OR.lastIndex;
  }
}

function toTerm(match: RegExpExecArray): SearchTerm {
  const unescape = (text: string) => text.replace(/\\(.)/gsu, '$1');
  const value = unescape((match[4] ?? match[5]) as string);
  if (match[3] !== undefined) return { target: 'username', value };
  return { target: match[1] as 'user_metadata' | 'app_metadata', key: unescape(match[2] as string), value };
}

/** Whether `user` matches any of the query's terms, as Auth0's search compares them. */
export function matchesSearchQuery(user: StoredUser, query: SearchQuery): boolean {
  return query.anyOf.some((term) => matchesTerm(user, term));
}

// Metadata compares case-sensitively (Auth0's search does); `username` does not, as Auth0 keeps
// usernames lower-case (a seeded user's may not be).
function matchesTerm(user: StoredUser, term: SearchTerm): boolean {
  if (term.target === 'username') return typeof user.username === 'string' && user.username.toLowerCase() === term.value.toLowerCase();
  const stored = user[term.target][term.key];
  if (typeof stored === 'string') return stored === term.value;
  if (typeof stored === 'number' || typeof stored === 'boolean') return String(stored) === term.value;
  return false;
}
