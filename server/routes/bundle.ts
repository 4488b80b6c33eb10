// GET /progressive-profile.js: the widget bundle, loadable as a module script from any origin; and
// the chunks it imports from beside itself (GET /progressive-profile-calling-codes.js), alike.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { JAVASCRIPT_TYPE, JSON_TYPE } from '../http/media-types.js';
import { prepareStaticAsset, sendStaticAsset } from '../http/static-asset.js';

/**
 * The chunks the embed bundle imports by a relative URL, so from this server: the phone calling
 * codes. Named one by one: dist/ also holds the hosted page's script (served by its own route) and
 * the server's renderer (never sent).
 */
export const WIDGET_CHUNK_NAME = /^progressive-profile-calling-codes\.js$/u;

/**
 * The handler of a script: compressed once here (brotli, gzip), then sent as the client accepts
 * it. `script` undefined (not built) answers a 404 that says how to build it.
 */
export async function createBundleHandler(script: string | Buffer | undefined) {
  const widget = script === undefined ? undefined : await prepareStaticAsset(script, JAVASCRIPT_TYPE);
  return async function handleBundle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    if (!widget) {
      return reply
        .code(404)
        .type(JSON_TYPE)
        .send({ error: 'not_found', message: 'The widget bundle was not built: run `npm run build`.' });
    }
    // A module script loads cross-origin only with CORS; `no-cache` makes every page revalidate,
    // so an upgrade reaches all of them at once.
    void reply
      .header('access-control-allow-origin', '*')
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('cache-control', 'no-cache');
    return sendStaticAsset(request, reply, widget);
  };
}
