// Synchronous HS256 JWTs for the emulator: Auth0's `api.redirect.encodeToken` and
// `validateToken` are synchronous, so jose's async API does not fit them.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type JwtHeader = Record<string, unknown>;
export type JwtClaims = Record<string, unknown>;

export interface DecodedJwt {
  readonly header: JwtHeader;
  readonly claims: JwtClaims;
  readonly signingInput: string;
  readonly signature: Buffer;
}

/** Signs `claims` with HMAC-SHA256 under the header `{alg: 'HS256', typ: 'JWT'}`. */
export function signHs256Jwt(claims: JwtClaims, secret: string): string {
  const header = encodePart({ alg: 'HS256', typ: 'JWT' });
  const payload = encodePart(claims);
  return `${header}.${payload}.${hmac(secret, `${header}.${payload}`).toString('base64url')}`;
}

/** Splits and parses a compact JWT without checking anything; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => /^[A-Za-z0-9_-]*$/u.test(part))) return undefined;
  const [rawHeader, rawClaims, rawSignature] = parts as [string, string, string];
  const header = parseObject(rawHeader);
  const claims = parseObject(rawClaims);
  if (!header || !claims) return undefined;
  return { header, claims, signingInput: `${rawHeader}.${rawClaims}`, signature: Buffer.from(rawSignature, 'base64url') };
}

/** Whether the token's header says HS256 and its signature is `secret`'s, compared in constant time. */
export function hasValidHs256Signature(token: DecodedJwt, secret: string): boolean {
  if (token.header.alg !== 'HS256') return false;
  const expected = hmac(secret, token.signingInput);
  return token.signature.length === expected.length && timingSafeEqual(token.signature, expected);
}

function hmac(secret: string, input: string): Buffer {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(input).digest();
}

function encodePart(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function parseObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
