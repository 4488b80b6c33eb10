// POST /skip: T2 marked `skipped`, when the form allows skipping and T1 does not say
// `allow_skip: false` (the user has skipped as often as the Action allows); nothing is written.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ContinueResponse } from '../../common/wire.js';
import { RequestError } from '../http/errors.js';
import type { SkipBody } from '../http/schemas.js';
import type { ContinueTokenSigner } from '../tokens/continue-token.js';
import { continueLogin, type LoginContinuation } from './continue.js';

export interface SkipHandlerOptions extends LoginContinuation {
  allowSkip: boolean;
  signer: ContinueTokenSigner;
}

export function createSkipHandler(options: SkipHandlerOptions) {
  const { allowSkip, signer } = options;
  return async function handleSkip(request: FastifyRequest<{ Body: SkipBody }>, reply: FastifyReply): Promise<ContinueResponse> {
    return continueLogin(options, request, reply, async (session) => {
      // Inside the single use: CONTRACT's order puts 409 before 403.
      if (!allowSkip || session.claims.allow_skip === false) throw new RequestError('skip_not_allowed', 'This form cannot be skipped.');
      return signer.sign({ sub: session.claims.sub, jti: session.claims.jti, state: request.body.state, skipped: true });
    });
  };
}
