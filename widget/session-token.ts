// Reads the session token's (T1's) claims for display only: the widget never trusts them, the
// server verifies the token. Any malformed token yields no claims rather than an error.
import type { SessionTokenClaims } from '../common/wire.js';

/** The display claims of a JWT's payload (`sub`, `fields`, `email_hint`), each dropped if mistyped. */
export function readSessionClaims(token: string): SessionTokenClaims {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    const payload: Record<string, unknown> = JSON.parse(new TextDecoder().decode(bytes));
    const { sub, fields, email_hint } = payload;
    return {
      sub: typeof sub === 'string' ? sub : undefined,
      fields: Array.isArray(fields) ? fields.filter((id): id is string => typeof id === 'string') : undefined,
      email_hint: typeof email_hint === 'string' ? email_hint : undefined,
    };
  } catch {
    return {};
  }
}
