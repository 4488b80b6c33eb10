// With VALIDATION_HOOK_URL: the hook answers a signed probe as the server calls it (the server's own
// client: the same signature, timeout and reading of the answer) with a valid answer within
// VALIDATION_HOOK_TIMEOUT. The probe is `{"sub":"doctor|probe","fields":[],"values":{}}`: nothing
// to judge, so any valid answer passes. A failure names its real cause: the receiver refusing the
// signature (401: the secrets differ), a timeout, a refused connection, a wrong answer.
import { systemClock } from '../../clock.js';
import type { Config } from '../../config.js';
import { RequestError } from '../../http/errors.js';
import { createValidationHook, ValidationHookError } from '../../upstream/validation-hook.js';
import { describeNetworkFailure } from './http.js';
import type { CheckResult } from './report.js';

const ID = 'validation_hook';
const LABEL = 'validation hook';
/** Who the probe says is answering: no user of any tenant. */
export const PROBE_SUB = 'doctor|probe';
const SHAPE_FIX = 'answer 200 with {} to accept, or {"errors": {"field_id": "message"}} to refuse (docs/validation-hook.md)';
const OUTAGE = 'until it answers, every submit with values answers 503';

/** The line for VALIDATION_HOOK_URL; undefined when it is not set. */
export async function checkValidationHook(config: Config, fetchImpl: typeof fetch): Promise<CheckResult | undefined> {
  if (!config.validationHook) return undefined;
  const { url } = config.validationHook;
  const host = new URL(url).host;
  const timeoutSeconds = config.validationHookTimeout;
  const hook = createValidationHook({ ...config.validationHook, timeoutSeconds, clock: systemClock, fetch: fetchImpl });
  const startedAt = performance.now();
  try {
    await hook.check({}, { sub: PROBE_SUB, fields: [] }, { warn: () => {} });
  } catch (error) {
    const cause = error instanceof RequestError ? error.cause : error;
    if (!(cause instanceof ValidationHookError)) throw error;
    return describeFailure(cause, host, timeoutSeconds);
  }
  const elapsedMs = Math.round(performance.now() - startedAt);
  return {
    id: ID,
    label: LABEL,
    status: 'pass',
    message: `${host} accepts the server's signature and answers a signed probe with a valid answer in ${elapsedMs} ms (VALIDATION_HOOK_TIMEOUT ${timeoutSeconds} s)`,
  };
}

function describeFailure(failure: ValidationHookError, host: string, timeoutSeconds: number): CheckResult {
  const fail = (message: string, fix: string): CheckResult => ({ id: ID, label: LABEL, status: 'fail', message, fix });
  switch (failure.code) {
    case 'hook_timeout':
      return fail(
        `${host} did not answer the signed probe within VALIDATION_HOOK_TIMEOUT (${timeoutSeconds} s)`,
        `make the hook answer sooner, or raise VALIDATION_HOOK_TIMEOUT (at most 10); ${OUTAGE}`,
      );
    case 'hook_status':
      if (failure.status === 401) {
        return fail(
          `${host} answered 401 to the signed probe: the receiver refused the signature, so VALIDATION_HOOK_SECRET is not the receiver's secret`,
          'set the same secret on both sides (a receiver also refuses a timestamp more than five minutes from its clock: check both clocks)',
        );
      }
      return fail(`${host} answered ${failure.status ?? 'an error'} to the signed probe (a hook answers 200)`, `check the hook service's log; ${OUTAGE}`);
    case 'hook_redirect':
      return fail(
        `${host} answered ${failure.status ?? 'a redirect'}, a redirect: the server never follows one (it would send the values elsewhere)`,
        'set VALIDATION_HOOK_URL to the address that answers itself',
      );
    case 'hook_garbage':
      return fail(`${host} answered 200 with a body that is not JSON (or is over 64 KiB)`, SHAPE_FIX);
    case 'hook_shape':
      return fail(`${host} answered 200 with JSON that is neither {} nor {"errors": {…}}`, SHAPE_FIX);
    default:
      return fail(describeNetworkFailure(failure.cause, host, timeoutSeconds * 1000), `start the hook service or correct VALIDATION_HOOK_URL; ${OUTAGE}`);
  }
}
