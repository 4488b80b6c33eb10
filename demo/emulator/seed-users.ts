// The emulator's demo users: one for each situation the Action tells apart. Every call returns
// fresh copies, so a test can change them without touching another test's users.
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

/**
 * - ada: nothing filled in, never logged in (the next login is her 1st: below the default count of 2);
 * - grace: nothing filled in, logged in before (the next login is prompted);
 * - linus: complete profile;
 * - margaret: incomplete but snoozed for years (she skipped the form);
 * - alan: only company_name, so job_title alone is asked for.
 */
export function createSeedUsers(): EmulatedUser[] {
  return [
    seedUser('ada', 'Ada Lovelace', 0),
    seedUser('grace', 'Grace Hopper', 3),
    seedUser('linus', 'Linus Torvalds', 7, { company_name: 'Linux Foundation', job_title: 'Fellow' }),
    seedUser('margaret', 'Margaret Hamilton', 4, {}, { progressive_profile_snoozed_until: '2099-01-01T00:00:00.000Z' }),
    seedUser('alan', 'Alan Turing', 2, { company_name: 'Bletchley Park' }),
  ];
}
