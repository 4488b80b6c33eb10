// What /submit and /skip share once the body's shape is checked: T1 verified (401), used once
// (409) around the work that signs T2, and the answer that tells the browser where the login
// resumes.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ContinueResponse } from '../../common/wire.js';
import type { SkipBody } from '../http/schemas.js';
import { noteVerifiedSession } from '../ops/answer-log.js';
import type { SingleUse } from '../store/single-use.js';
import { CLOCK_TOLERANCE_SECONDS, type SessionTokenVerifier, type VerifiedSession } from '../tokens/session-token.js';

export interface LoginContinuation {
  verifier: SessionTokenVerifier;
  singleUse: SingleUse;
}

/** Verifies T1, runs `signContinueToken` once for it, and answers `{continue_url, session_token: T2}`. */
export async function continueLogin(
  { verifier, singleUse }: LoginContinuation,
  request: FastifyRequest<{ Body: SkipBody }>,
  reply: FastifyReply,
  signContinueToken: (session: VerifiedSession) => Promise<string>,
): Promise<ContinueResponse> {
  const { state, session_token: sessionToken } = request.body;
  const session = await verifier.verify(sessionToken);
  noteVerifiedSession(request, session.claims);
  const use = { token: sessionToken, jti: session.claims.jti, usedUntil: session.claims.exp + CLOCK_TOLERANCE_SECONDS };
  const continueToken = await singleUse.runOnce(use, () => signContinueToken(session), request.log);
  void reply.header('cache-control', 'no-store');
  return {
    // The host comes only from T1's verified `iss`, mapped to a configured host: never from the request.
    continue_url: `${session.host.origin}/continue?state=${encodeURIComponent(state)}`,
    session_token: continueToken,
  };
}
