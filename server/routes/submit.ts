// POST /submit: the values of the fields asked, written (or handed to the Action in T2), then T2.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { selectFieldsToAsk } from '../../common/field-rules.js';
import type { ContinueResponse } from '../../common/wire.js';
import type { Clock } from '../clock.js';
import { parseSubmittedValues } from '../fields/values.js';
import type { SubmitBody } from '../http/schemas.js';
import type { UniqueClaims } from '../store/unique-claims.js';
import { toProfileClaim, type ContinueTokenSigner } from '../tokens/continue-token.js';
import { startRequestBudget } from '../upstream/budget.js';
import { prepareSubmission, type ServerFormDefinition } from '../upstream/credentials.js';
import type { IdentityLinker } from '../upstream/identity-linker.js';
import type { ProfileWriter } from '../upstream/profile-writer.js';
import { saveSubmission } from '../upstream/save-submission.js';
import { continueLogin, type LoginContinuation } from './continue.js';

export interface SubmitHandlerOptions extends LoginContinuation {
  form: ServerFormDefinition;
  signer: ContinueTokenSigner;
  /** Undefined: the Action writes the data from T2's `profile` claim. */
  profileWriter: ProfileWriter | undefined;
  /** Present when the form links database identities. */
  identityLinker: IdentityLinker | undefined;
  uniqueClaims: UniqueClaims;
  /** MANAGEMENT_API_TIMEOUT: the validation hook, unique checks, linking and the write share it. */
  upstreamSeconds: number;
  /** The single-use store's worst case for one operation (`maxOperationMs`), kept free in the 15 s. */
  storeOperationMs: number | undefined;
  clock: Clock;
}

export function createSubmitHandler(options: SubmitHandlerOptions) {
  const { form, signer, profileWriter, identityLinker, uniqueClaims, upstreamSeconds, storeOperationMs, clock } = options;
  return async function handleSubmit(request: FastifyRequest<{ Body: SubmitBody }>, reply: FastifyReply): Promise<ContinueResponse> {
    // First: the 15 s run from the request's arrival, whatever comes before the upstream work.
    const budget = startRequestBudget({ upstreamSeconds, storeOperationMs, clock });
    // The values' types (400) before T1 (401), their rules (422) after its single use (409).
    const values = parseSubmittedValues(form, request.body.values);
    return continueLogin(options, request, reply, async (session) => {
      const { sub } = session.claims;
      const { state } = request.body;
      const askedFields = selectFieldsToAsk(form.fields, session.claims.fields);
      const prepared = prepareSubmission(form, askedFields, values);
      if (!profileWriter) return signer.sign({ sub, state, profile: toProfileClaim(prepared.patch) });
      await budget.runUpstream(async (upstream) => {
        // The validation hook runs here, first, inside the same budget (`upstream`).
        await saveSubmission(
          { writer: profileWriter, linker: identityLinker, uniqueClaims, clock, log: request.log },
          { userId: sub, askedFields, prepared },
          upstream,
        );
      });
      return signer.sign({ sub, state });
    });
  };
}
