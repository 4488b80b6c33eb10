// POST /submit: the values of the fields asked, checked by the server's rules and the site owner's
// validation hook, written (or handed to the Action in T2), then T2.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ContinueResponse, FormDefinition } from '../../common/wire.js';
import type { Clock } from '../clock.js';
import { createAskedFieldsSelector } from '../fields/asked-fields.js';
import { assertValuesAvailable, isEmptyPatch, parseSubmittedValues, prepareSubmission } from '../fields/values.js';
import type { SubmitBody } from '../http/schemas.js';
import { toProfileClaim, type ContinueTokenSigner } from '../tokens/continue-token.js';
import { runWithinBudget } from '../upstream/budget.js';
import type { ProfileWriter } from '../upstream/profile-writer.js';
import type { ValuesValidator } from '../upstream/validation-hook.js';
import { continueLogin, type LoginContinuation } from './continue.js';

/**
 * Seconds /submit spends on upstream work at most, whatever the configuration (CONTRACT: it
 * answers within 15 s): the validation hook's time is taken from the Management API's budget.
 */
export const SUBMIT_UPSTREAM_SECONDS = 15;

export interface SubmitHandlerOptions extends LoginContinuation {
  form: FormDefinition;
  signer: ContinueTokenSigner;
  /** Undefined: the Action writes the data from T2's `profile` claim. */
  profileWriter: ProfileWriter | undefined;
  /** MANAGEMENT_API_TIMEOUT: unique checks and the write share it. */
  upstreamSeconds: number;
  /** The validation hook (VALIDATION_HOOK_URL) or the plugin's `validate`; undefined: no veto. */
  validator?: ValuesValidator;
  clock: Clock;
}

export function createSubmitHandler(options: SubmitHandlerOptions) {
  const { form, signer, profileWriter, upstreamSeconds, validator, clock } = options;
  const selectAskedFields = createAskedFieldsSelector(form);
  return async function handleSubmit(request: FastifyRequest<{ Body: SubmitBody }>, reply: FastifyReply): Promise<ContinueResponse> {
    // The values' types (400) before T1 (401), their rules (422) after its single use (409).
    const values = parseSubmittedValues(form, request.body.values);
    return continueLogin(options, request, reply, async (session) => {
      const startedAt = clock.now();
      const { sub, jti } = session.claims;
      const { state } = request.body;
      const asked = selectAskedFields(session.claims.fields, request.log);
      const { patch, hookValues } = prepareSubmission(asked, values, clock);
      // The site owner's veto: after the server's own rules, before any Management API call. With
      // nothing to judge (nothing asked or nothing answered) it is not called.
      if (validator && Object.keys(hookValues).length > 0) {
        await validator.check(hookValues, { sub, fields: asked.map((field) => field.id) }, request.log);
      }
      if (!profileWriter) return signer.sign({ sub, jti, state, profile: toProfileClaim(patch) });
      if (!isEmptyPatch(patch)) {
        const spentSeconds = (clock.now() - startedAt) / 1000;
        const writeSeconds = Math.min(upstreamSeconds, SUBMIT_UPSTREAM_SECONDS - spentSeconds);
        await runWithinBudget(writeSeconds, clock, async (writeOptions) => {
          await assertValuesAvailable(profileWriter, sub, asked, patch, writeOptions);
          await profileWriter.writeProfile(sub, patch, writeOptions);
        });
      }
      return signer.sign({ sub, jti, state });
    });
  };
}
