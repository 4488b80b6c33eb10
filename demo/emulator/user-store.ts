// The emulator's users, shared by its login pages, its Action runtime and its Management API.
// Metadata merges as Auth0's Management API documents: first level only, `null` deletes a key,
// and an empty object replaces (wipes) the whole metadata object.

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
}

export interface EmulatedUser {
  user_id: string;
  email: string;
  /** Whether the email address was verified; default true (the seeded demo users). */
  email_verified?: boolean;
  /** A database connection's username, when the user has one. */
  username?: string;
  name: string;
  /** The user's identities, primary first; default: one database identity named by `user_id`. */
  identities?: EmulatedIdentity[];
  /** The demo's sign-in password (the emulator is for one machine: plain text is fine here). */
  password: string;
  logins_count: number;
  user_metadata: Metadata;
  app_metadata: Metadata;
  created_at: string;
  updated_at: string;
}

export interface MetadataPatch {
  user_metadata?: Metadata;
  app_metadata?: Metadata;
}

export class UserStore {
  readonly #users = new Map<string, EmulatedUser>();

  constructor(users: readonly EmulatedUser[] = []) {
    for (const user of users) this.#users.set(user.user_id, structuredClone(user));
  }

  get(userId: string): EmulatedUser | undefined {
    const user = this.#users.get(userId);
    return user && structuredClone(user);
  }

  list(): EmulatedUser[] {
    return [...this.#users.values()].map((user) => structuredClone(user));
  }

  findByEmail(email: string): EmulatedUser | undefined {
    const wanted = email.trim().toLowerCase();
    for (const user of this.#users.values()) if (user.email.toLowerCase() === wanted) return structuredClone(user);
    return undefined;
  }

  put(user: EmulatedUser): void {
    this.#users.set(user.user_id, structuredClone(user));
  }

  /** Applies a PATCH body with Auth0's merge rules; returns the updated user, or undefined when unknown. */
  patch(userId: string, patch: MetadataPatch, now = new Date()): EmulatedUser | undefined {
    const user = this.#users.get(userId);
    if (!user) return undefined;
    for (const key of ['user_metadata', 'app_metadata'] as const) {
      const change = patch[key];
      if (change === undefined) continue;
      user[key] = mergeMetadata(user[key], change);
    }
    user.updated_at = now.toISOString();
    return structuredClone(user);
  }

  recordLogin(userId: string): EmulatedUser | undefined {
    const user = this.#users.get(userId);
    if (!user) return undefined;
    user.logins_count += 1;
    return structuredClone(user);
  }
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
