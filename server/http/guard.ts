// What every request to the plugin meets first (`onRequest` hooks): the security headers on its
// reply, whatever answers it later; a bound on the URL; a refusal once the app is shutting down.
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { RequestError } from './errors.js';
import { setSecurityHeaders } from './headers.js';

/**
 * Characters a request target (path and query) may have. T1 and `state` in the hosted page's
 * query take a few hundred; 8 KB is what common proxies accept in a request line.
 */
export const MAX_URL_LENGTH = 8 * 1024;

/**
 * Sets the security headers, then refuses a URL over MAX_URL_LENGTH (414 `invalid_request`). A
 * callback hook: it runs on every request, and an async one costs a promise each time.
 */
export function guardRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  setSecurityHeaders(reply);
  if (request.raw.url !== undefined && request.raw.url.length > MAX_URL_LENGTH) {
    done(new RequestError('invalid_request', 'The address is too long.', { statusCode: 414 }));
    return;
  }
  done();
}

/**
 * Refuses requests in `app`'s context once the app is closing (503 `upstream_unavailable`, retry
 * in a second): one arriving on a connection kept alive through shutdown is answered in the
 * contract's shape, with the security headers, instead of Fastify's own 503.
 */
export function refuseWhileClosing(app: FastifyInstance): void {
  let isClosing = false;
  app.addHook('preClose', async () => {
    isClosing = true;
  });
  app.addHook('onRequest', (_request, _reply, done) => {
    if (isClosing) {
      done(new RequestError('upstream_unavailable', 'The service is restarting. Please try again in a moment.', { retryAfter: 1 }));
      return;
    }
    done();
  });
}
