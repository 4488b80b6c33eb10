// POST /submit: the values of the fields asked, written (or handed to the Action in T2), then T2.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { selectFieldsToAsk } from '../../common/field-rules.js';
import type { ContinueResponse, FormDefinition } from '../../common/wire.js';
import type { Clock } from '../clock.js';
import { assertValuesAvailable, buildProfilePatch, isEmptyPatch, parseSubmittedValues } from '../fields/values.js';
import type { SubmitBody } from '../http/schemas.js';
import { toProfileClaim, type ContinueTokenSigner } from '../tokens/continue-token.js';
import { runWithinBudget } from '../upstream/budget.js';
import type { ProfileWriter } from '../upstream/profile-writer.js';
import { continueLogin, type LoginContinuation } from './continue.js';

export interface SubmitHandlerOptions extends LoginContinuation {
  form: FormDefinition;
  signer: ContinueTokenSigner;
  /** Undefined: the Action writes the data from T2's `profile` claim. */
  profileWriter: ProfileWriter | undefined;
  /** MANAGEMENT_API_TIMEOUT: unique checks and the write share it. */
  upstreamSeconds: number;
  clock: Clock;
}

export function createSubmitHandler(options: SubmitHandlerOptions) {
  const { form, signer, profileWriter, upstreamSeconds, clock } = options;
  return async function handleSubmit(request: FastifyRequest<{ Body: SubmitBody }>, reply: FastifyReply): Promise<ContinueResponse> {
    // The values' types (400) before T1 (401), their rules (422) after its single use (409).
    const values = parseSubmittedValues(form, request.body.values);
    return continueLogin(options, request, reply, async (session) => {
      const { sub } = session.claims;
      const { state } = request.body;
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
    });
  };
}
