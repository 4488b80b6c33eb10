// What a POST body must be before anything else looks at it: JSON, small, an object carrying
// `state` and `session_token` (400, 413, 415 `invalid_request`).
import type { FastifyInstance } from 'fastify';
import { RequestError } from './errors.js';

/** Bytes a /submit or /skip body may have: a few fields, a state and a token fit many times over. */
export const BODY_LIMIT = 16 * 1024;
const MAX_STATE_LENGTH = 2048;
const MAX_TOKEN_LENGTH = 8192;

/**
 * Bodies are JSON and nothing else in `app`'s context, whatever parsers the host app has;
 * Fastify's parser refuses `__proto__` and `constructor.prototype` keys outright.
 */
export function acceptJsonBodiesOnly(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, app.getDefaultJsonParser('error', 'error'));
}

export interface RequestBody {
  state: string;
  sessionToken: string;
  body: Record<string, unknown>;
}

/** The shape every POST body shares (400 `invalid_request`): a JSON object with `state` and `session_token`. */
export function readRequestBody(body: unknown): RequestBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestError('invalid_request', 'The request body must be a JSON object.');
  }
  const fields = body as Record<string, unknown>;
  const state = Object.hasOwn(fields, 'state') ? fields.state : undefined;
  if (typeof state !== 'string' || state === '' || state.length > MAX_STATE_LENGTH || !isEncodable(state)) {
    throw new RequestError('invalid_request', 'The request has no valid "state".');
  }
  const sessionToken = Object.hasOwn(fields, 'session_token') ? fields.session_token : undefined;
  if (typeof sessionToken !== 'string' || sessionToken === '' || sessionToken.length > MAX_TOKEN_LENGTH) {
    throw new RequestError('invalid_request', 'The request has no valid "session_token".');
  }
  return { state, sessionToken, body: fields };
}

// encodeURIComponent throws on lone surrogates; such a state could never round-trip.
function isEncodable(text: string): boolean {
  try {
    encodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}
