// Shared by the server tests: a frozen clock, a valid configuration, session tokens minted the way
// Auth0's `api.redirect.encodeToken` mints them, and a ProfileWriter that records what it is asked.
import type { DatabaseCredentials } from '../../../server/upstream/credentials.js';
import type { IdentityLinker, LinkOutcome } from '../../../server/upstream/identity-linker.js';
import { randomBytes } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import type { Config } from '../../../server/config.js';
import { parseFormDefinition, type ServerForm } from '../../../server/fields/form-definition.js';
import type { Clock } from '../../../server/clock.js';
import type { ProfilePatch, ProfileWriter, WriteOptions } from '../../../server/upstream/profile-writer.js';
import type { RequestError } from '../../../server/http/errors.js';

export const SESSION_SECRET = 'session-secret-0123456789-abcdefghijklmnop';
export const CONTINUE_SECRET = 'continue-secret-0123456789-abcdefghijklmno';
export const TENANT = { host: 'acme.eu.auth0.com', origin: 'https://acme.eu.auth0.com' } as const;
export const CUSTOM_DOMAIN = { host: 'login.acme.com', origin: 'https://login.acme.com' } as const;
/** 2026-11-23T12:00:00Z */
export const NOW_SECONDS = 1_795_435_200;

export interface FrozenClock extends Clock {
  advance(seconds: number): void;
}

export function frozenClock(seconds = NOW_SECONDS): FrozenClock {
  let now = seconds * 1000;
  return { now: () => now, advance: (by) => void (now += by * 1000) };
}

/** A form exercising every rule: used by route tests. */
export const TEST_FORM_JSON = {
  fields: [
    { id: 'company_name', label: { en: 'Company', es: 'Empresa' }, type: 'text', required: true, maxLength: 100 },
    { id: 'job_title', label: 'Job title', type: 'text', required: true, maxLength: 100 },
    { id: 'nickname', label: 'Nickname', type: 'text', minLength: 2, maxLength: 20, pattern: '[a-z]+' },
    { id: 'plan', label: 'Plan', type: 'select', options: ['free', { value: 'pro', label: 'Pro' }], target: 'app_metadata' },
    { id: 'age', label: 'Age', type: 'number' },
    { id: 'newsletter', label: 'Newsletter', type: 'checkbox' },
  ],
  allow_skip: true,
};

export function testForm(overrides: Partial<typeof TEST_FORM_JSON> = {}, hasManagementCredentials = true): ServerForm {
  return parseFormDefinition({ ...TEST_FORM_JSON, ...overrides }, { hasManagementCredentials });
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    tenant: TENANT,
    customDomain: CUSTOM_DOMAIN,
    sessionTokenSecret: SESSION_SECRET,
    continueTokenSecret: CONTINUE_SECRET,
    management: { clientId: 'client-id', clientSecret: 'client-secret' },
    form: testForm(),
    allowedOrigins: ['https://app.example.com'],
    continueTokenTtl: 120,
    managementApiTimeout: 10,
    maxSessionTtl: 3600,
    rateLimit: 0,
    trustProxy: false,
    port: 3000,
    host: '127.0.0.1',
    validationHookTimeout: 3,
    ...overrides,
  };
}

export interface MintOptions {
  secret?: string;
  alg?: 'HS256' | 'HS512';
  /** Claims to drop from the defaults. */
  omit?: readonly string[];
  iat?: number;
  /** Seconds after `iat`; Auth0's default is 900. */
  expiresIn?: number;
}

/** A T1 as encodeToken makes it: HS256, `iss` the bare host, `sub`, `iat`, `exp`, plus the payload. */
export async function mintSessionToken(payload: JWTPayload = {}, options: MintOptions = {}): Promise<string> {
  const iat = options.iat ?? NOW_SECONDS;
  const claims: JWTPayload = {
    sub: 'auth0|user-1',
    iss: TENANT.host,
    iat,
    exp: iat + (options.expiresIn ?? 900),
    jti: randomBytes(12).toString('base64url'),
    ...payload,
  };
  for (const name of options.omit ?? []) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(options.secret ?? SESSION_SECRET));
}

/** A token with `alg: none`: header and payload, empty signature. */
export function unsignedToken(payload: JWTPayload): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
}

export interface WriteCall {
  userId: string;
  patch: ProfilePatch;
  options: WriteOptions;
}

/**
 * A ProfileWriter that records every call. Told to fail, it throws the given error (as the real
 * writer throws a RequestError after its retries); `taken` lists values other users hold.
 */
export class RecordingWriter implements ProfileWriter {
  readonly writes: WriteCall[] = [];
  readonly lookups: { userId: string; target: string; fieldId: string; value: unknown }[] = [];
  failure: RequestError | Error | undefined;
  taken = new Set<string>();
  /** When set, writes wait until the signal aborts (a writer that ignores nothing and hangs). */
  isHanging = false;

  async writeProfile(userId: string, patch: ProfilePatch, options: WriteOptions): Promise<void> {
    this.writes.push({ userId, patch: structuredClone(patch), options });
    if (this.isHanging) await new Promise<void>(() => {});
    if (this.failure) throw this.failure;
  }

  async isValueTaken(
    userId: string,
    target: 'user_metadata' | 'app_metadata',
    fieldId: string,
    value: string | number | boolean,
  ): Promise<boolean> {
    this.lookups.push({ userId, target, fieldId, value });
    return this.taken.has(`${fieldId}=${String(value)}`);
  }
}

/**
 * An IdentityLinker that records whom it linked (never the password) and answers `linked`; told
 * to fail, it throws the given error, as the real linker does after cleaning up.
 */
export class RecordingLinker implements IdentityLinker {
  readonly links: { userId: string; username?: string }[] = [];
  failure: RequestError | Error | undefined;

  async link(userId: string, credentials: DatabaseCredentials): Promise<LinkOutcome> {
    this.links.push({ userId, ...(credentials.username === undefined ? {} : { username: credentials.username }) });
    if (this.failure) throw this.failure;
    return 'linked';
  }
}
