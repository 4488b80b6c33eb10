// The emulator's users and their identities, shared by its login pages, its extension runtimes
// and its Management API. A user is a primary identity plus any identities linked to it; a
// database identity carries its sign-in password, which nothing answers. Metadata merges as
// Auth0's Management API documents: first level only, `null` deletes a key, and an empty object
// replaces (wipes) the whole metadata object.

import { isSameSecret } from './values.js';

export type Metadata = Record<string, unknown>;

/** One of a user's identities, as Auth0 lists them in `user.identities` (the first is the primary). */
export interface EmulatedIdentity {
  /** The connection's name, e.g. `Username-Password-Authentication` or `github`. */
  connection: string;
  /** `auth0` for a database connection, the social provider's name otherwise (`github`). */
  provider: string;
  /** The id within the provider (the part of `user_id` after `provider|`). */
  user_id: string;
  isSocial: boolean;
  /** A database identity's sign-in password (plain text: the emulator runs on one machine). Never answered. */
  password?: string;
  /** A linked (secondary) identity's own profile: `email`, `email_verified`, `name`, `username`. */
  profileData?: Record<string, unknown>;
}

export interface EmulatedUser {
  user_id: string;
  email: string;
  /** Whether the email address was verified; default true (the seeded demo users). */
  email_verified?: boolean;
  /** A database connection's username, when the user has one. */
  username?: string;
  name: string;
  /** The user's identities, primary first; default: one identity named by `user_id`. */
  identities?: EmulatedIdentity[];
  /** Shorthand when seeding: the password of the user's own database identity (moved onto it). */
  password?: string;
  logins_count: number;
  user_metadata: Metadata;
  app_metadata: Metadata;
  created_at: string;
  updated_at: string;
}

/** A user as the store keeps it: identities listed, the password on its database identity. */
export type StoredUser = Omit<EmulatedUser, 'password' | 'identities' | 'email_verified'> & {
  email_verified: boolean;
  identities: EmulatedIdentity[];
};

/** A user as the Management API answers it: no password anywhere. */
export type PublicUser = Omit<StoredUser, 'identities'> & { identities: Array<Omit<EmulatedIdentity, 'password'>> };

export interface MetadataPatch {
  user_metadata?: Metadata;
  app_metadata?: Metadata;
}

/** Where an identity was found: its user (the primary) and whether it is that user's own identity. */
export interface IdentityMatch {
  readonly user: StoredUser;
  readonly identity: EmulatedIdentity;
  readonly isPrimary: boolean;
}

export type LinkProblem = 'primary_missing' | 'secondary_missing' | 'same_user' | 'already_linked';

/** Told after every write: the user as it now is, or undefined once it is gone (deleted, or linked into another). */
export type UserChangeListener = (userId: string, user: StoredUser | undefined) => void;

/** The default database connection: the one identities derived from an `auth0|…` user_id belong to. */
export const DEFAULT_DATABASE_CONNECTION = 'Username-Password-Authentication';

export class UserStore {
  readonly #users = new Map<string, StoredUser>();
  readonly #listeners = new Set<UserChangeListener>();

  constructor(users: readonly EmulatedUser[] = []) {
    for (const user of users) this.#users.set(user.user_id, normalizeUser(user));
  }

  get(userId: string): StoredUser | undefined {
    const user = this.#users.get(userId);
    return user && structuredClone(user);
  }

  list(): StoredUser[] {
    return [...this.#users.values()].map((user) => structuredClone(user));
  }

  /** The user whose own (primary) email this is, in any connection. */
  findByEmail(email: string): StoredUser | undefined {
    const wanted = email.trim().toLowerCase();
    for (const user of this.#users.values()) if (user.email.toLowerCase() === wanted) return structuredClone(user);
    return undefined;
  }

  /**
   * The database identity in `connection` whose email or username is `loginId` (case-insensitive),
   * whether it is a user's own identity or one linked into another user: signing in with it
   * signs in as that (primary) user, as Auth0 does after linking.
   */
  findDatabaseLogin(connection: string, loginId: string): IdentityMatch | undefined {
    const wanted = loginId.trim().toLowerCase();
    if (wanted === '') return undefined;
    return this.#findIdentity((identity, profile) => {
      if (identity.provider !== 'auth0' || identity.connection !== connection) return false;
      return [profile.email, profile.username].some((value) => typeof value === 'string' && value.toLowerCase() === wanted);
    });
  }

  /** The database login of `loginId` when `password` is its identity's password (a password sign-in). */
  checkDatabasePassword(connection: string, loginId: string, password: unknown): IdentityMatch | undefined {
    const match = this.findDatabaseLogin(connection, loginId);
    const expected = match?.identity.password;
    return expected !== undefined && typeof password === 'string' && isSameSecret(expected, password) ? match : undefined;
  }

  /** The user holding the identity `provider|identityUserId`, as its own identity or a linked one. */
  findByIdentity(provider: string, identityUserId: string): IdentityMatch | undefined {
    return this.#findIdentity((identity) => identity.provider === provider && identity.user_id === identityUserId);
  }

  /** Replaces a user (adds it when new); a database identity given without a password keeps the stored one. */
  put(user: EmulatedUser): void {
    const next = normalizeUser(user);
    const previous = this.#users.get(next.user_id);
    for (const identity of next.identities) {
      if (identity.password !== undefined || identity.provider !== 'auth0') continue;
      const kept = previous?.identities.find((old) => old.provider === identity.provider && old.user_id === identity.user_id);
      if (kept?.password !== undefined) identity.password = kept.password;
    }
    this.#save(next);
  }

  /** Adds a new user; false (nothing changed) when its user_id is taken. */
  create(user: EmulatedUser): boolean {
    if (this.#users.has(user.user_id)) return false;
    this.#save(normalizeUser(user));
    return true;
  }

  /** Deletes a user with every identity linked to it; false when unknown. */
  delete(userId: string): boolean {
    if (!this.#users.delete(userId)) return false;
    this.#notify(userId, undefined);
    return true;
  }

  /** Applies a PATCH body with Auth0's merge rules; returns the updated user, or undefined when unknown. */
  patch(userId: string, patch: MetadataPatch, now = new Date()): StoredUser | undefined {
    const user = this.#users.get(userId);
    if (!user) return undefined;
    for (const key of ['user_metadata', 'app_metadata'] as const) {
      const change = patch[key];
      if (change === undefined) continue;
      user[key] = mergeMetadata(user[key], change);
    }
    user.updated_at = now.toISOString();
    this.#notify(userId, user);
    return structuredClone(user);
  }

  recordLogin(userId: string): StoredUser | undefined {
    const user = this.#users.get(userId);
    if (!user) return undefined;
    user.logins_count += 1;
    this.#notify(userId, user);
    return structuredClone(user);
  }

  /**
   * Links the user `provider|identityUserId` into `primaryId` as Auth0 does: the secondary stops
   * being a user, its identities join the primary's (its own with its profile as `profileData`),
   * and its metadata is dropped, not merged. `connection`, when given, must be the secondary's.
   */
  link(
    primaryId: string,
    secondary: { provider: string; user_id: string; connection?: string },
    now = new Date(),
  ): { identities: EmulatedIdentity[] } | { problem: LinkProblem } {
    const primary = this.#users.get(primaryId);
    if (!primary) return { problem: 'primary_missing' };
    const secondaryId = `${secondary.provider}|${secondary.user_id}`;
    if (secondaryId === primaryId) return { problem: 'same_user' };
    const linked = this.#users.get(secondaryId);
    if (!linked) {
      return { problem: this.findByIdentity(secondary.provider, secondary.user_id) ? 'already_linked' : 'secondary_missing' };
    }
    const [own, ...alreadyLinked] = linked.identities;
    if (!own || (secondary.connection !== undefined && own.connection !== secondary.connection)) {
      return { problem: 'secondary_missing' };
    }
    const profileData: Record<string, unknown> = { email: linked.email, email_verified: linked.email_verified, name: linked.name };
    if (linked.username !== undefined) profileData.username = linked.username;
    primary.identities.push({ ...own, profileData }, ...alreadyLinked);
    primary.updated_at = now.toISOString();
    this.#users.delete(secondaryId);
    this.#notify(secondaryId, undefined);
    this.#notify(primaryId, primary);
    return { identities: structuredClone(primary.identities) };
  }

  /** Calls `listener` after every write; answers the function that stops it. */
  onChange(listener: UserChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #findIdentity(matches: (identity: EmulatedIdentity, profile: Record<string, unknown>) => boolean): IdentityMatch | undefined {
    for (const user of this.#users.values()) {
      for (const [index, identity] of user.identities.entries()) {
        if (matches(identity, profileOfIdentity(user, index))) {
          return { user: structuredClone(user), identity: structuredClone(identity), isPrimary: index === 0 };
        }
      }
    }
    return undefined;
  }

  #save(user: StoredUser): void {
    this.#users.set(user.user_id, user);
    this.#notify(user.user_id, user);
  }

  #notify(userId: string, user: StoredUser | undefined): void {
    if (this.#listeners.size === 0) return;
    const snapshot = user && structuredClone(user);
    for (const listener of this.#listeners) listener(userId, snapshot);
  }
}

/**
 * The stored form of a user: `email_verified` defaults to true, the identities to one named by
 * `user_id` (`auth0|…` in the default database connection, `github|…` in `github`), and a
 * top-level `password` moves onto the user's own database identity.
 */
export function normalizeUser(input: EmulatedUser): StoredUser {
  const { password, identities, email_verified, ...rest } = structuredClone(input);
  const stored: StoredUser = {
    ...rest,
    email_verified: email_verified ?? true,
    identities: identities && identities.length > 0 ? identities : [identityOf(input.user_id)],
  };
  const own = stored.identities[0] as EmulatedIdentity;
  if (password !== undefined && own.provider === 'auth0' && own.password === undefined) own.password = password;
  return stored;
}

/** What describes a user's identity: the user itself for its own (first) one, `profileData` for a linked one. */
export function profileOfIdentity(user: StoredUser, index: number): Record<string, unknown> {
  if (index === 0) return { email: user.email, email_verified: user.email_verified, name: user.name, username: user.username };
  return user.identities[index]?.profileData ?? {};
}

/** The user as the Management API answers it: every identity without its password. */
export function toPublicUser(user: StoredUser): PublicUser {
  return {
    ...structuredClone(user),
    identities: user.identities.map(({ password: _password, ...identity }) => structuredClone(identity)),
  };
}

function identityOf(userId: string): EmulatedIdentity {
  const bar = userId.indexOf('|');
  const provider = bar > 0 ? userId.slice(0, bar) : 'auth0';
  const id = bar > 0 ? userId.slice(bar + 1) : userId;
  const isDatabase = provider === 'auth0';
  return { connection: isDatabase ? DEFAULT_DATABASE_CONNECTION : provider, provider, user_id: id, isSocial: !isDatabase };
}

/** Auth0's first-level merge: `{}` wipes everything, `null` deletes a key, other values replace. */
export function mergeMetadata(current: Metadata, change: Metadata): Metadata {
  if (Object.keys(change).length === 0) return {};
  const merged: Metadata = { ...current };
  for (const [key, value] of Object.entries(change)) {
    if (value === null) delete merged[key];
    else merged[key] = structuredClone(value);
  }
  return merged;
}
