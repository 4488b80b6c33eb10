// `/continue?state=…` (GET, or POST with the token in the body): resumes the login suspended
// under Auth0's `state`, once, by running the extension's continue handler over this request.
// An unknown, expired or reused state is Auth0's `invalid_request`: the login cannot complete.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LoginFlow } from './login-flow.js';
import { renderErrorPage, sendPage } from './login-page.js';
import { stringsOf } from './values.js';

export function registerContinueRoutes(app: FastifyInstance, flow: LoginFlow): void {
  async function handleContinue(request: FastifyRequest, reply: FastifyReply) {
    const resumed = await flow.resume(stringsOf(request.query).state, request, reply);
    return resumed ?? sendPage(reply, 400, renderErrorPage('invalid_request', 'The login transaction was not found or has expired.'));
  }
  app.get('/continue', handleContinue);
  app.post('/continue', handleContinue);
}
