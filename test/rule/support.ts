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

export function newTransaction(
  userId: string,
  options: { protocol?: string; prompt?: string } = {},
): PostLoginTransaction {
  return createTransaction({
    userId,
    clientId: 'demo-app',
    protocol: options.protocol ?? 'oidc-basic-profile',
    prompt: options.prompt,
    state: randomBytes(24).toString('base64url'),
    request: { hostname: TENANT_HOST, ip: '203.0.113.7', query: options.prompt ? { prompt: options.prompt } : {}, body: {} },
  });
}

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
