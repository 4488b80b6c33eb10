// POST /submit: the values of the fields asked, written (or handed to the Action in T2), then T2.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { selectFieldsToAsk } from '../../common/field-rules.js';
import type { ContinueResponse, FormDefinition } from '../../common/wire.js';
import type { Clock } from '../clock.js';
import { assertValuesAvailable, buildProfilePatch, isEmptyPatch, parseSubmittedValues } from '../fields/values.js';
import type { SubmitBody } from '../http/schemas.js';
import type { SingleUse } from '../store/single-use.js';
import { toProfileClaim, type ContinueTokenSigner } from '../tokens/continue-token.js';
import { CLOCK_TOLERANCE_SECONDS, type SessionTokenVerifier } from '../tokens/session-token.js';
import { runWithinBudget } from '../upstream/budget.js';
import type { ProfileWriter } from '../upstream/profile-writer.js';
import { toContinueResponse } from './continue.js';

export interface SubmitHandlerOptions {
  form: FormDefinition;
  verifier: SessionTokenVerifier;
  singleUse: SingleUse;
  signer: ContinueTokenSigner;
  /** Undefined: the Action writes the data from T2's `profile` claim. */
  profileWriter: ProfileWriter | undefined;
  /** MANAGEMENT_API_TIMEOUT: unique checks and the write share it. */
  upstreamSeconds: number;
  clock: Clock;
}

export function createSubmitHandler(options: SubmitHandlerOptions) {
  const { form, verifier, singleUse, signer, profileWriter, upstreamSeconds, clock } = options;
  return async function handleSubmit(request: FastifyRequest<{ Body: SubmitBody }>, reply: FastifyReply): Promise<ContinueResponse> {
    const { state, session_token: sessionToken } = request.body;
    const values = parseSubmittedValues(form, request.body.values);
    const session = await verifier.verify(sessionToken);
    const { sub, jti, exp } = session.claims;
    const continueToken = await singleUse.runOnce(
      { token: sessionToken, jti, usedUntil: exp + CLOCK_TOLERANCE_SECONDS },
      async () => {
        const asked = selectFieldsToAsk(form.fields, session.claims.fields);
        const patch = buildProfilePatch(asked, values);
        if (!profileWriter) return signer.sign({ sub, state, profile: toProfileClaim(patch) });
        if (!isEmptyPatch(patch)) {
          await runWithinBudget(upstreamSeconds, clock, async (writeOptions) => {
            await assertValuesAvailable(profileWriter, sub, asked, patch, writeOptions);
            await profileWriter.writeProfile(sub, patch, writeOptions);
          });
        }
        return signer.sign({ sub, state });
      },
      request.log,
    );
    void reply.header('cache-control', 'no-store');
    return toContinueResponse(session, state, continueToken);
  };
}
