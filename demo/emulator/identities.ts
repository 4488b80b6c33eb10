// Account linking through the Management API: `POST /users/{id}/identities` (scope
// `update:users`) with `{provider, user_id, connection_id?}` links that user into `{id}` as a
// secondary identity and answers 201 with the primary's identities, as Auth0 documents
// (https://auth0.com/docs/api/management/v2/users/post-identities). The secondary stops being a
// user (GET answers 404), its profile moves into `profileData`, its metadata is not merged.
// `link_with` (a secondary's ID token, for user-initiated linking) is not emulated.
import type { FastifyInstance } from 'fastify';
import { sendApiError } from './api-errors.js';
import { CONNECTION_ID, type Connection } from './connections.js';
import type { LinkProblem, UserStore } from './user-store.js';
import { describeType, isRecord } from './values.js';

// The emulator's answers to a link Auth0 refuses; Auth0's own wording of these is not documented.
const LINK_REFUSALS: Record<LinkProblem, { status: number; message: string; errorCode: string }> = {
  primary_missing: { status: 404, message: 'The user does not exist.', errorCode: 'inexistent_user' },
  secondary_missing: { status: 400, message: 'The secondary user does not exist.', errorCode: 'invalid_body' },
  same_user: { status: 400, message: 'A user cannot be linked to itself.', errorCode: 'invalid_body' },
  already_linked: { status: 409, message: 'The identity is already linked to another user.', errorCode: 'conflict' },
};

export function registerIdentitiesRoutes(
  api: FastifyInstance,
  options: { users: UserStore; connections: readonly Connection[]; clock: { now(): number }; count: (event: 'links') => void },
): void {
  api.post<{ Params: { id: string } }>('/users/:id/identities', { config: { scope: 'update:users' } }, async (request, reply) => {
    const body = request.body;
    if (!isRecord(body)) {
      return sendApiError(reply, 400, `Payload validation error: 'Expected type object but found type ${describeType(body)}'.`, 'invalid_body');
    }
    if (body.link_with !== undefined) {
      return sendApiError(reply, 400, 'This emulator links with {provider, user_id, connection_id?} only, not link_with.', 'invalid_body');
    }
    for (const key of ['provider', 'user_id']) {
      if (body[key] === undefined) return sendApiError(reply, 400, `Payload validation error: 'Missing required property: ${key}'.`, 'invalid_body');
    }
    if (typeof body.provider !== 'string' || (typeof body.user_id !== 'string' && !Number.isInteger(body.user_id))) {
      return sendApiError(reply, 400, "Payload validation error: 'provider' must be a string and 'user_id' a string or an integer.", 'invalid_body');
    }
    let connection: string | undefined;
    if (body.connection_id !== undefined) {
      if (typeof body.connection_id !== 'string' || !CONNECTION_ID.test(body.connection_id)) {
        return sendApiError(
          reply,
          400,
          "Payload validation error: 'String does not match pattern ^con_[A-Za-z0-9]{16}$' on property connection_id.",
          'invalid_body',
        );
      }
      connection = options.connections.find((candidate) => candidate.id === body.connection_id)?.name;
      if (connection === undefined) return sendApiError(reply, 400, 'The connection does not exist.', 'inexistent_connection');
    }
    const outcome = options.users.link(
      request.params.id,
      { provider: body.provider, user_id: String(body.user_id), connection },
      new Date(options.clock.now()),
    );
    if ('problem' in outcome) {
      const refusal = LINK_REFUSALS[outcome.problem];
      return sendApiError(reply, refusal.status, refusal.message, refusal.errorCode);
    }
    options.count('links');
    return reply.code(201).send(outcome.identities.map(({ password: _password, ...identity }) => identity));
  });
}
