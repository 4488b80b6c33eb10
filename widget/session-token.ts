// Reads the session token's (T1's) claims for display only: the widget never trusts them, the
// server verifies the token. A token that is visibly malformed is known before the form loads.
import type { SessionTokenClaims } from '../common/wire.js';

/**
 * The display claims of a JWT's payload (`sub`, `exp`, `fields`, `email_hint`, `lang`,
 * `allow_skip`), each dropped if mistyped; undefined when the token is not three base64url parts
 * or its payload is not a JSON object.
 */
export function readSessionClaims(token: string): SessionTokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => /^[\w-]+$/.test(part))) return undefined;
  try {
    const bytes = Uint8Array.from(atob(parts[1].replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const payload: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
    const claims = payload as Record<string, unknown>;
    const typed = (name: string, type: string): any => (typeof claims[name] === type ? claims[name] : undefined);
    const { fields } = claims;
    return {
      sub: typed('sub', 'string'),
      exp: typed('exp', 'number'),
      fields: Array.isArray(fields) ? fields.filter((id): id is string => typeof id === 'string') : undefined,
      email_hint: typed('email_hint', 'string'),
      lang: typed('lang', 'string'),
      allow_skip: typed('allow_skip', 'boolean'),
    };
  } catch {
    return undefined;
  }
}
