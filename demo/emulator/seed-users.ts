// The emulator's demo users: one for each situation the Action tells apart, and GitHub users for
// account linking. Every call returns fresh copies, so a test can change them without touching
// another test's users.
import type { EmulatedUser } from './user-store.js';

/** The one password of every seeded user (the emulator runs on this machine only). */
export const DEMO_PASSWORD = 'demo-password';

const CREATED_AT = '2026-01-05T09:00:00.000Z';

function seedUser(
  localPart: string,
  name: string,
  logins_count: number,
  user_metadata: Record<string, unknown> = {},
  app_metadata: Record<string, unknown> = {},
): EmulatedUser {
  return {
    user_id: `auth0|${localPart}`,
    email: `${localPart}@example.com`,
    name,
    password: DEMO_PASSWORD,
    logins_count,
    user_metadata,
    app_metadata,
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
  };
}

/** A user who only ever signed in with the emulated GitHub: no database identity, no password. */
function githubUser(login: string, githubId: string, name: string, isVerified: boolean): EmulatedUser {
  return {
    user_id: `github|${githubId}`,
    email: `${login}@example.com`,
    email_verified: isVerified,
    name,
    identities: [{ connection: 'github', provider: 'github', user_id: githubId, isSocial: true }],
    logins_count: 1,
    user_metadata: { company_name: 'NASA', job_title: 'Mathematician' },
    app_metadata: {},
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
  };
}

/**
 * Database users (password DEMO_PASSWORD):
 * - ada: nothing filled in, never logged in (the next login is her 1st: below the default count of 2);
 * - grace: nothing filled in, logged in before (the next login is prompted);
 * - linus: complete profile (the demo's terms, version 2026-11, accepted too);
 * - margaret: incomplete but snoozed for years (she skipped the form);
 * - alan: only company_name, so job_title alone is asked for.
 * GitHub users (the emulated social connection; profile complete, signed in once):
 * - katherine: verified email, no database identity: the account-linking demo adds one;
 * - dorothy: unverified email: linking must refuse her (a database identity on an unverified
 *   address is an account-takeover path).
 */
export function createSeedUsers(): EmulatedUser[] {
  return [
    seedUser('ada', 'Ada Lovelace', 0),
    seedUser('grace', 'Grace Hopper', 3),
    seedUser('linus', 'Linus Torvalds', 7, { company_name: 'Linux Foundation', job_title: 'Fellow' }, { terms: { version: '2026-11', accepted_at: '2026-11-02T10:00:00.000Z' } }),
    seedUser('margaret', 'Margaret Hamilton', 4, {}, { progressive_profile_snoozed_until: '2099-01-01T00:00:00.000Z' }),
    seedUser('alan', 'Alan Turing', 2, { company_name: 'Bletchley Park' }),
    githubUser('katherine', '1001', 'Katherine Johnson', true),
    githubUser('dorothy', '1002', 'Dorothy Vaughan', false),
  ];
}
