// The upstream work of one submit with M2M credentials, in the order that leaves nothing
// half-done: claim the `unique` values (store), check them against other users (search), link
// the database identity (create, link), then write the metadata. Each step is whole or absent
// when it fails, and repeating the whole is harmless: claims are re-entrant for their owner, an
// identity already linked is not created twice, and the PATCH sets the same values again.
import type { FieldDefinition } from '../../common/wire.js';
import type { Clock } from '../clock.js';
import { assertValuesAvailable, isEmptyPatch, type PreparedSubmission } from '../fields/values.js';
import { describeError } from '../ops/log.js';
import type { UniqueClaims } from '../store/unique-claims.js';
import type { UpstreamBudget } from './budget.js';
import type { IdentityLinker } from './identity-linker.js';
import type { ProfileWriter } from './profile-writer.js';

export interface SubmissionParts {
  writer: ProfileWriter;
  /** Required when a submission carries credentials (a form that links database identities). */
  linker: IdentityLinker | undefined;
  uniqueClaims: UniqueClaims;
  clock: Clock;
  log: { warn(details: object, message: string): void };
}

export interface Submission {
  userId: string;
  /** The fields asked of this user (their `unique` flags say what to claim and check). */
  askedFields: readonly FieldDefinition[];
  prepared: PreparedSubmission;
}

// Seconds a claim outlives the budget, so a slow write never loses it.
const CLAIM_MARGIN_SECONDS = 5;

/**
 * Saves `submission` within `budget`. Throws `RequestError`: `invalid_fields` (`taken`, or the
 * linker's `password_policy`...), `email_unverified`, `identity_exists`, or an upstream 5xx.
 */
export async function saveSubmission(parts: SubmissionParts, submission: Submission, budget: UpstreamBudget): Promise<void> {
  const { writer, linker, uniqueClaims, clock, log } = parts;
  const { userId, askedFields, prepared } = submission;
  const { patch, credentials } = prepared;
  if (isEmptyPatch(patch) && !credentials) return;
  if (credentials && !linker) throw new TypeError('saveSubmission: credentials need an identity linker');
  const holdSeconds = Math.max(1, Math.ceil((budget.deadline - clock.now()) / 1000)) + CLAIM_MARGIN_SECONDS;
  const claimed = await uniqueClaims.claim(userId, askedFields, patch, holdSeconds);
  try {
    await assertValuesAvailable(writer, userId, askedFields, patch, budget);
    if (credentials) await linker!.link(userId, credentials, budget);
    if (!isEmptyPatch(patch)) await writer.writeProfile(userId, patch, budget);
  } catch (error) {
    try {
      await claimed.release();
    } catch (releaseError) {
      log.warn({ err: describeError(releaseError) }, 'could not release unique values');
    }
    throw error;
  }
  await claimed.keep();
}
