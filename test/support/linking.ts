// Shared by the account-linking tests: a tenant with the seeded users (Katherine, verified; Dorothy,
// unverified), more GitHub users, a database connection that takes usernames; the linking form;
// and a fetch that fails chosen Management API requests the way a network does.
import { createSeedUsers } from '../../demo/emulator/seed-users.js';
import type { EmulatedUser } from '../../demo/emulator/user-store.js';
import type { FieldDefinition } from '../../common/wire.js';
import { parseFormDefinition, type ServerForm } from '../../server/fields/form-definition.js';
import { ALL_SCOPES, startManagementEmulator, type RunningEmulator } from './management-emulator.js';
import type { VirtualTime } from './virtual-time.js';

export const DATABASE = 'Username-Password-Authentication';
/** Meets the connection's policy (`good`, at least 8). */
export const STRONG_PASSWORD = 'Orbit-Math-1962';

/** A GitHub user (verified unless told) with no database identity. */
export function githubUser(githubId: string, email: string, overrides: Partial<EmulatedUser> = {}): EmulatedUser {
  return {
    user_id: `github|${githubId}`,
    email,
    email_verified: true,
    name: email,
    identities: [{ connection: 'github', provider: 'github', user_id: githubId, isSocial: true }],
    logins_count: 1,
    user_metadata: {},
    app_metadata: {},
    created_at: '2026-01-05T09:00:00.000Z',
    updated_at: '2026-01-05T09:00:00.000Z',
    ...overrides,
  };
}

/** The seeded users, plus `count` verified GitHub users `github|2000`… (`gh-N@example.com`). */
export function linkingUsers(count = 0): EmulatedUser[] {
  return [...createSeedUsers(), ...Array.from({ length: count }, (_, index) => githubUser(String(2000 + index), `gh-${index}@example.com`))];
}

export interface LinkingTenantOptions {
  users?: EmulatedUser[];
  scope?: string;
  time?: VirtualTime;
  searchIndexLagMs?: number;
  passwordPolicy?: 'none' | 'low' | 'fair' | 'good' | 'excellent';
  minLength?: number;
  /** Whether the database connection takes usernames; default true. */
  requiresUsername?: boolean;
}

export function startLinkingTenant(options: LinkingTenantOptions = {}): Promise<RunningEmulator> {
  return startManagementEmulator({
    users: options.users ?? linkingUsers(),
    scope: options.scope ?? ALL_SCOPES,
    ...(options.time ? { clock: options.time.clock } : {}),
    searchIndexLagMs: options.searchIndexLagMs ?? 0,
    connections: [
      { name: DATABASE, strategy: 'auth0', passwordPolicy: options.passwordPolicy ?? 'good', minLength: options.minLength ?? 8, requiresUsername: options.requiresUsername ?? true },
      { name: 'github', strategy: 'github' },
    ],
  });
}

/** Seed 003's form: a username (app_metadata, unique) and a password, linked into DATABASE. */
export function linkingForm(connection = DATABASE): ServerForm {
  const parsed = parseFormDefinition(
    {
      fields: [
        { id: 'username', label: 'Username', type: 'text', required: true, maxLength: 15, target: 'app_metadata', unique: true },
        { id: 'job_title', label: 'Job title', type: 'text', maxLength: 100 },
      ],
    },
    { hasManagementCredentials: true },
  );
  const password: FieldDefinition = { id: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', target: 'user_metadata', unique: false };
  return { ...parsed, fields: [...parsed.fields, password], link_database_identity: { connection } };
}

/** What a faulty network does to one matching request. */
export type NetworkFault =
  /** Answers this status with Auth0's error body, the tenant never seeing the request. */
  | { status: number }
  /** Never answers (until the request is aborted); the tenant never sees the request. */
  | { hang: true }
  /** The tenant handles the request, then the answer never arrives: a write that lands but answers late. */
  | { lateAnswer: true }
  /** Runs `action` (stop a Redis, say), then lets the request through. */
  | { before: () => Promise<void> };

export interface FaultRule {
  method: string;
  /** Matched against the URL's path (`/api/v2/users/github%7C1001/identities`). */
  path: RegExp;
  fault: NetworkFault;
  /** How many matching requests to fail; default 1. */
  times?: number;
}

/** `base` with `rules` applied, in order, to the requests they match. */
export function createFaultyFetch(base: typeof fetch): { fetch: typeof fetch; add(rule: FaultRule): void } {
  const rules: Array<FaultRule & { left: number }> = [];
  const hangUntilAborted = (signal: AbortSignal | null | undefined) =>
    new Promise<Response>((_resolve, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  const faultyFetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? 'GET').toUpperCase();
    const rule = rules.find((candidate) => candidate.left > 0 && candidate.method === method && candidate.path.test(url.pathname));
    if (!rule) return base(input, init);
    rule.left -= 1;
    const { fault } = rule;
    if ('status' in fault) {
      return new Response(JSON.stringify({ statusCode: fault.status, error: 'Injected', message: 'Injected fault' }), {
        status: fault.status,
        headers: { 'content-type': 'application/json' },
      });
    }
    if ('before' in fault) {
      await fault.before();
      return base(input, init);
    }
    if ('lateAnswer' in fault) await base(input, { ...init, signal: undefined });
    return hangUntilAborted(init?.signal);
  };
  return { fetch: faultyFetch, add: (rule) => void rules.push({ ...rule, left: rule.times ?? 1 }) };
}
