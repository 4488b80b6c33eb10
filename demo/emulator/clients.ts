// The tenant's applications as the login side sees them: registered callbacks (loopback only: the
// emulator never sends a browser elsewhere), client authentication at /oauth/token, and the
// redirects back to an application with a result in the query.
import { isSameSecret } from './values.js';

export interface LoginClient {
  readonly clientId: string;
  /** Confidential clients authenticate at /oauth/token with it; public clients have none. */
  readonly clientSecret?: string;
  /** Registered callback URLs; `redirect_uri` must equal one of them exactly. */
  readonly callbacks: readonly string[];
}

export type OAuthRefusal = { status: number; body: { error: string; error_description: string } };

/** Only http callbacks on this machine: the emulator never redirects a browser elsewhere. */
export function isLoopbackCallback(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' && (parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost');
  } catch {
    return false;
  }
}

export function findClient(clients: readonly LoginClient[], clientId: unknown): LoginClient | undefined {
  return clients.find((client) => client.clientId === clientId);
}

/** Checks client_id and, for a confidential client, client_secret; an OAuth error answer otherwise. */
export function authenticateClient(
  clients: readonly LoginClient[],
  body: Record<string, unknown>,
): { client: LoginClient; error?: undefined } | { client?: undefined; error: OAuthRefusal } {
  const client = findClient(clients, body.client_id);
  if (!client) return { error: { status: 401, body: { error: 'invalid_client', error_description: 'Unknown client.' } } };
  if (client.clientSecret !== undefined && (typeof body.client_secret !== 'string' || !isSameSecret(client.clientSecret, body.client_secret))) {
    return { error: { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed.' } } };
  }
  return { client };
}

/** `url` with `query` set on it (undefined values left out). */
export function withQuery(url: string, query: Record<string, string | undefined>): string {
  const target = new URL(url);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) target.searchParams.set(key, value);
  return target.toString();
}
