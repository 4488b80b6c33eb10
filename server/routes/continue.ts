// The answer /submit and /skip share: where the browser resumes the login, with T2.
import type { ContinueResponse } from '../../common/wire.js';
import type { VerifiedSession } from '../tokens/session-token.js';

export function toContinueResponse(session: VerifiedSession, state: string, continueToken: string): ContinueResponse {
  return {
    // The host comes only from T1's verified `iss`, mapped to a configured host: never from the request.
    continue_url: `${session.host.origin}/continue?state=${encodeURIComponent(state)}`,
    session_token: continueToken,
  };
}
