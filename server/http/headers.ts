// The security headers every answer carries, in one place.
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * T1 sits in the form page's URL until the widget strips it: no request may leak it onwards
 * (`no-referrer`); and no answer may be sniffed into another type.
 */
export const SECURITY_HEADERS = {
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

/** Sets the security headers on a reply. */
export function setSecurityHeaders(reply: FastifyReply): FastifyReply {
  return reply.headers(SECURITY_HEADERS);
}

/** An `onSend` hook: every answer of the context it is added to carries the security headers. */
export async function addSecurityHeaders(_request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  setSecurityHeaders(reply);
  return payload;
}
