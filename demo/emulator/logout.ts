// `GET /v2/logout`: ends the tenant session, then goes back to `returnTo` only when it is on an
// origin the client registered a callback on (never an open redirect); otherwise a signed-out page.
import type { FastifyInstance } from 'fastify';
import { findClient, isLoopbackCallback, type LoginClient } from './clients.js';
import { renderSignedOutPage, sendPage } from './login-page.js';
import type { Sessions } from './sessions.js';
import { stringsOf } from './values.js';

export function registerLogoutRoute(app: FastifyInstance, options: { sessions: Sessions; clients: readonly LoginClient[] }): void {
  app.get('/v2/logout', async (request, reply) => {
    const query = stringsOf(request.query);
    options.sessions.end(request, reply);
    const client = findClient(options.clients, query.client_id);
    const origins = new Set((client?.callbacks ?? []).map((callback) => new URL(callback).origin));
    if (query.returnTo && isLoopbackCallback(query.returnTo) && origins.has(new URL(query.returnTo).origin)) {
      return reply.redirect(query.returnTo);
    }
    return sendPage(reply, 200, renderSignedOutPage());
  });
}
