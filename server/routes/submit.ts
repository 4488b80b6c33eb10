// POST /submit: the values of the fields asked, checked by the server's rules and the site owner's
// validation hook, written (or handed to the Action in T2), then T2.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ContinueResponse } from '../../common/wire.js';
import type { Clock } from '../clock.js';
import { createAskedFieldsSelector } from '../fields/asked-fields.js';
import type { ServerForm } from '../fields/form-definition.js';
import { parseSubmittedValues, prepareSubmission } from '../fields/values.js';
import type { SubmitBody } from '../http/schemas.js';
import type { UniqueClaims } from '../store/unique-claims.js';
import { toProfileClaim, type ContinueTokenSigner } from '../tokens/continue-token.js';
import { startRequestBudget } from '../upstream/budget.js';
import type { IdentityLinker } from '../upstream/identity-linker.js';
import type { ProfileWriter } from '../upstream/profile-writer.js';
import { saveSubmission } from '../upstream/save-submission.js';
import type { ValuesValidator } from '../upstream/validation-hook.js';
import { continueLogin, type LoginContinuation } from './continue.js';

export interface SubmitHandlerOptions extends LoginContinuation {
  form: ServerForm;
  signer: ContinueTokenSigner;
  /** Undefined: the Action writes the data from T2's `profile` claim. */
  profileWriter: ProfileWriter | undefined;
  /** Present when the form links database identities. */
  identityLinker: IdentityLinker | undefined;
  uniqueClaims: UniqueClaims;
  /** MANAGEMENT_API_TIMEOUT: the validation hook, unique checks, linking and the write share it. */
  upstreamSeconds: number;
  /** The validation hook (VALIDATION_HOOK_URL) or the plugin's `validate`; undefined: no veto. */
  validator?: ValuesValidator;
  /** The single-use store's worst case for one operation (`maxOperationMs`), kept free in the 15 s. */
  storeOperationMs: number | undefined;
  clock: Clock;
}

export function createSubmitHandler(options: SubmitHandlerOptions) {
  const { form, signer, profileWriter, identityLinker, uniqueClaims, upstreamSeconds, storeOperationMs, validator, clock } = options;
  const selectAskedFields = createAskedFieldsSelector(form);
  return async function handleSubmit(request: FastifyRequest<{ Body: SubmitBody }>, reply: FastifyReply): Promise<ContinueResponse> {
    // First: the 15 s run from the request's arrival, whatever comes before the upstream work.
    const budget = startRequestBudget({ upstreamSeconds, storeOperationMs, clock });
    // The values' types (400) before T1 (401), their rules (422) after its single use (409).
    const values = parseSubmittedValues(form, request.body.values);
    return continueLogin(options, request, reply, async (session) => {
      const { sub, jti } = session.claims;
      const { state } = request.body;
      const askedFields = selectAskedFields(session.claims.fields, request.log);
      const prepared = prepareSubmission(askedFields, values, clock);
      // The site owner's veto comes first, before any Management API call; with nothing to judge
      // (nothing asked or nothing answered) it is not called.
      const hasVeto = validator !== undefined && Object.keys(prepared.hookValues).length > 0;
      if (hasVeto || profileWriter) {
        await budget.runUpstream(async (upstream) => {
          if (hasVeto) {
            const within = { signal: upstream.signal, remainingMs: upstream.deadline - clock.now() };
            await validator.check(prepared.hookValues, { sub, fields: askedFields.map((field) => field.id) }, request.log, within);
          }
          if (profileWriter) {
            await saveSubmission(
              { writer: profileWriter, linker: identityLinker, uniqueClaims, clock, log: request.log },
              { userId: sub, askedFields, prepared },
              upstream,
            );
          }
        });
      }
      if (!profileWriter) return signer.sign({ sub, jti, state, profile: toProfileClaim(prepared.patch) });
      return signer.sign({ sub, jti, state });
    });
  };
}
