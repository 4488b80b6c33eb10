// POST /skip: T2 marked `skipped`, when the form allows skipping; nothing is written.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ContinueResponse } from '../../common/wire.js';
import { RequestError } from '../http/errors.js';
import type { SkipBody } from '../http/schemas.js';
import type { SingleUse } from '../store/single-use.js';
import type { ContinueTokenSigner } from '../tokens/continue-token.js';
import { CLOCK_TOLERANCE_SECONDS, type SessionTokenVerifier } from '../tokens/session-token.js';
import { toContinueResponse } from './continue.js';

export interface SkipHandlerOptions {
  allowSkip: boolean;
  verifier: SessionTokenVerifier;
  singleUse: SingleUse;
  signer: ContinueTokenSigner;
}

export function createSkipHandler({ allowSkip, verifier, singleUse, signer }: SkipHandlerOptions) {
  return async function handleSkip(request: FastifyRequest<{ Body: SkipBody }>, reply: FastifyReply): Promise<ContinueResponse> {
    const { state, session_token: sessionToken } = request.body;
    const session = await verifier.verify(sessionToken);
    const { sub, jti, exp } = session.claims;
    const continueToken = await singleUse.runOnce(
      { token: sessionToken, jti, usedUntil: exp + CLOCK_TOLERANCE_SECONDS },
      async () => {
        // After the single-use check: CONTRACT's order puts 409 before 403.
        if (!allowSkip) throw new RequestError('skip_not_allowed', 'This form cannot be skipped.');
        return signer.sign({ sub, state, skipped: true });
      },
      request.log,
    );
    void reply.header('cache-control', 'no-store');
    return toContinueResponse(session, state, continueToken);
  };
}
