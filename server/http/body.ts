// What a POST body must be before its shape is checked (schemas.ts): JSON and small (400, 413,
// 415 `invalid_request`, answered by the error handler from Fastify's parser errors).
import type { FastifyInstance } from 'fastify';

/** Bytes a /submit or /skip body may have: a few fields, a state and a token fit many times over. */
export const BODY_LIMIT = 16 * 1024;

/**
 * Bodies are JSON and nothing else in `app`'s context, whatever parsers the host app has;
 * Fastify's parser refuses `__proto__` and `constructor.prototype` keys outright.
 */
export function acceptJsonBodiesOnly(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, app.getDefaultJsonParser('error', 'error'));
}
