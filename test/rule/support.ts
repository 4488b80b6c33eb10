// Shared by the Action and Rule tests: secrets, a login transaction, and continue tokens (T2)
// signed the way the profile server signs them (jose, header typ JWT, iss progressive-profile).
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { createTransaction, type PostLoginTransaction } from '../../demo/emulator/post-login.js';

export const TENANT_HOST = 'tenant.example.com';
export const SESSION_SECRET = randomBytes(32).toString('base64url');
export const CONTINUE_SECRET = randomBytes(32).toString('base64url');
export const FORM_URL = 'https://app.example.com/complete-profile?lang=en';

export const SECRETS: Readonly<Record<string, string>> = {
  SESSION_TOKEN_SECRET: SESSION_SECRET,
  CONTINUE_TOKEN_SECRET: CONTINUE_SECRET,
  PROFILE_FORM_URL: FORM_URL,
  PROFILE_FIELDS: 'company_name, job_title',
  PROFILE_OPTIONAL_FIELDS: 'phone,app_metadata:plan',
};

export interface TransactionOptions {
  protocol?: string;
  prompt?: string;
  /** The application the login is for; default `demo-app`. */
  clientId?: string;
  /** The authorization request's `ui_locales` (space-separated, as in the query string). */
  uiLocales?: string;
  /** The browser's language, as login.ts reads it from Accept-Language. */
  language?: string;
}

export function newTransaction(userId: string, options: TransactionOptions = {}): PostLoginTransaction {
  const query: Record<string, string> = {};
  if (options.prompt) query.prompt = options.prompt;
  if (options.uiLocales !== undefined) query.ui_locales = options.uiLocales;
  return createTransaction({
    userId,
    clientId: options.clientId ?? 'demo-app',
    protocol: options.protocol ?? 'oidc-basic-profile',
    prompt: options.prompt,
    state: randomBytes(24).toString('base64url'),
    request: {
      hostname: TENANT_HOST,
      ip: '203.0.113.7',
      query,
      body: {},
      ...(options.language === undefined ? {} : { language: options.language }),
    },
  });
}

/**
 * Bad secret values and the Action's sentence for each (rule/action.js readSettings): the
 * Action logs it and lets the login through; rule/deploy.mjs refuses it before any network call.
 */
export const BAD_SECRETS: ReadonlyArray<readonly [string, Record<string, string>, string]> = [
  ['SESSION_TOKEN_SECRET is missing', { SESSION_TOKEN_SECRET: '' }, 'SESSION_TOKEN_SECRET is not set'],
  ['SESSION_TOKEN_SECRET is short', { SESSION_TOKEN_SECRET: 'short-secret' }, 'SESSION_TOKEN_SECRET is shorter than 32 bytes'],
  ['CONTINUE_TOKEN_SECRET is short', { CONTINUE_TOKEN_SECRET: 'short-secret' }, 'CONTINUE_TOKEN_SECRET is shorter than 32 bytes'],
  ['PROFILE_FORM_URL is missing', { PROFILE_FORM_URL: '' }, 'PROFILE_FORM_URL is not set'],
  [
    'PROFILE_FORM_URL is plain http elsewhere',
    { PROFILE_FORM_URL: 'http://app.example.com/complete-profile' },
    'PROFILE_FORM_URL must be an https URL (http only for localhost or 127.0.0.1)',
  ],
  ['PROFILE_FORM_URL is not a URL', { PROFILE_FORM_URL: 'complete-profile' }, 'PROFILE_FORM_URL is not a URL'],
  ['PROFILE_FORM_URL carries credentials', { PROFILE_FORM_URL: 'https://user:pass@app.example.com/' }, 'PROFILE_FORM_URL must not carry credentials'],
  ['PROFILE_FIELDS is empty', { PROFILE_FIELDS: ' , ' }, 'PROFILE_FIELDS names no field'],
  ['PROFILE_FIELDS is unset and nothing else asks', { PROFILE_FIELDS: '' }, 'PROFILE_FIELDS names no field'],
  ['PROFILE_FIELDS has a bad id', { PROFILE_FIELDS: 'company.name' }, 'PROFILE_FIELDS holds an id that cannot be a metadata key'],
  [
    'PROFILE_FIELDS names a key the Action keeps',
    { PROFILE_FIELDS: 'app_metadata:progressive_profile_skips' },
    'PROFILE_FIELDS holds an id that cannot be a metadata key',
  ],
  [
    'PROFILE_FIELDS lists password',
    { PROFILE_FIELDS: 'company_name,password' },
    'PROFILE_FIELDS lists password, which is never stored in metadata: set PROFILE_DATABASE_CONNECTION to ask for one',
  ],
  [
    'a consent version is empty',
    { PROFILE_FIELDS: 'company_name,app_metadata:terms@' },
    'PROFILE_FIELDS holds a consent version that is not 1 to 64 letters, digits, dots, hyphens or underscores',
  ],
  [
    'a consent version has a space',
    { PROFILE_FIELDS: 'app_metadata:terms@2026 11' },
    'PROFILE_FIELDS holds a consent version that is not 1 to 64 letters, digits, dots, hyphens or underscores',
  ],
  [
    'PROFILE_OPTIONAL_FIELDS has a bad id',
    { PROFILE_OPTIONAL_FIELDS: 'phone,$where' },
    'PROFILE_OPTIONAL_FIELDS holds an id that cannot be a metadata key',
  ],
  ['PROFILE_FIELDS_BY_CLIENT is not JSON', { PROFILE_FIELDS_BY_CLIENT: '{demo-app: company_name}' }, 'PROFILE_FIELDS_BY_CLIENT is not JSON'],
  [
    'PROFILE_FIELDS_BY_CLIENT is an array',
    { PROFILE_FIELDS_BY_CLIENT: '["company_name"]' },
    'PROFILE_FIELDS_BY_CLIENT is not a JSON object of {"client_id": "comma list of field ids"}',
  ],
  [
    'PROFILE_FIELDS_BY_CLIENT maps to a non-string',
    { PROFILE_FIELDS_BY_CLIENT: '{"demo-app": ["company_name"]}' },
    'PROFILE_FIELDS_BY_CLIENT is not a JSON object of {"client_id": "comma list of field ids"}',
  ],
  [
    'PROFILE_FIELDS_BY_CLIENT has a bad id',
    { PROFILE_FIELDS_BY_CLIENT: '{"demo-app": "company_name,roles.admin"}' },
    'PROFILE_FIELDS_BY_CLIENT holds an id that cannot be a metadata key',
  ],
  [
    'PROFILE_FIELDS_BY_CLIENT has an empty list',
    { PROFILE_FIELDS_BY_CLIENT: '{"demo-app": " , "}' },
    'PROFILE_FIELDS_BY_CLIENT has an application whose list names no field',
  ],
  ['PROFILE_CLIENTS names nothing', { PROFILE_CLIENTS: ' , ' }, 'PROFILE_CLIENTS names no client'],
  ['PROFILE_CLIENTS has a bad entry', { PROFILE_CLIENTS: 'demo-app, my app' }, 'PROFILE_CLIENTS holds an entry that is not a client id'],
  ['PROFILE_MAX_FIELDS is 0', { PROFILE_MAX_FIELDS: '0' }, 'PROFILE_MAX_FIELDS is not a whole number of at least 1'],
  ['PROFILE_MAX_FIELDS is a fraction', { PROFILE_MAX_FIELDS: '1.5' }, 'PROFILE_MAX_FIELDS is not a whole number of at least 1'],
  ['PROFILE_MAX_FIELDS is a word', { PROFILE_MAX_FIELDS: 'two' }, 'PROFILE_MAX_FIELDS is not a whole number of at least 1'],
  ['PROFILE_LOGIN_COUNT is not a number', { PROFILE_LOGIN_COUNT: 'two' }, 'PROFILE_LOGIN_COUNT is not a whole number of at least 0'],
  ['PROFILE_SNOOZE_DAYS is negative', { PROFILE_SNOOZE_DAYS: '-1' }, 'PROFILE_SNOOZE_DAYS is not a number above 0'],
  ['PROFILE_MAX_SKIPS is negative', { PROFILE_MAX_SKIPS: '-1' }, 'PROFILE_MAX_SKIPS is not a whole number of at least 0'],
  ['PROFILE_MAX_SKIPS is a word', { PROFILE_MAX_SKIPS: 'unlimited' }, 'PROFILE_MAX_SKIPS is not a whole number of at least 0'],
  [
    'PROFILE_DATABASE_CONNECTION is not a connection name',
    { PROFILE_DATABASE_CONNECTION: 'Username Password' },
    'PROFILE_DATABASE_CONNECTION is not a connection name (letters, digits and single hyphens)',
  ],
];

export interface ContinueTokenOptions {
  secret?: string;
  header?: Record<string, unknown>;
  /** Epoch seconds. */
  iat?: number;
  lifetime?: number;
}

/** A continue token (T2) as server/continue-token.ts signs one. */
export async function signContinueToken(claims: Record<string, unknown>, options: ContinueTokenOptions = {}): Promise<string> {
  const iat = options.iat ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID(), iss: 'progressive-profile', ...claims })
    .setProtectedHeader((options.header ?? { alg: 'HS256', typ: 'JWT' }) as { alg: string })
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.lifetime ?? 120))
    .sign(new TextEncoder().encode(options.secret ?? CONTINUE_SECRET));
}

/** The request the browser makes to /continue: state in the query, the token POSTed. */
export function continueRequest(state: string, sessionToken?: string) {
  return {
    hostname: TENANT_HOST,
    ip: '203.0.113.7',
    query: { state },
    body: sessionToken === undefined ? {} : { session_token: sessionToken },
  };
}
