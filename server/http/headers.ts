// The security headers every answer carries, in one place: set by the request guard (guard.ts)
// on every reply of the plugin's routes and 404s, and on the answers Fastify and Node make
// before any route is found (client-errors.ts).
import type { FastifyReply } from 'fastify';

/**
 * T1 sits in the form page's URL until the widget strips it: no request may leak it onwards
 * (`no-referrer`); and no answer may be sniffed into another type.
 */
export const SECURITY_HEADERS = {
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

/** Sets the security headers on a reply (they survive an error thrown after, as Fastify keeps headers). */
export function setSecurityHeaders(reply: FastifyReply): FastifyReply {
  return reply.headers(SECURITY_HEADERS);
}

/** The security headers as raw HTTP header lines, for an answer written straight to a socket. */
export function formatSecurityHeaderLines(): string {
  return Object.entries(SECURITY_HEADERS)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
}
