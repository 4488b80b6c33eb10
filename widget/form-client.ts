// The widget's one conversation with the server: GET /form, POST /submit and /skip. Every outcome
// is a value, never an exception: network failures, unparseable answers and error answers become
// `{ok: false, code}` so the element can show and announce them.
import { FIELD_TYPES } from '../common/wire.js';
import type { ContinueResponse, FieldErrorCode, FormDefinition, SkipRequest, SubmitRequest } from '../common/wire.js';

/** A wire error code, or `network_error` (fetch failed) or `invalid_response` (an answer we cannot read). */
export type Failure = { ok: false; code: string; fields?: Record<string, FieldErrorCode> };
export type Outcome<T> = { ok: true; data: T } | Failure;

// A server answers within 15 s by contract; past this the connection is presumed lost.
const REQUEST_TIMEOUT_MS = 30_000;

/** `{endpoint}/{path}` resolved against the page: `/` and `/prefix/` work, and `//form` never appears. */
export function endpointUrl(endpoint: string, path: string): string {
  return new URL(`${endpoint.replace(/\/+$/, '')}/${path}`, document.baseURI).href;
}

/** GET {endpoint}/form: the field definitions, each field checked for the shape the element renders. */
export async function getForm(endpoint: string, signal?: AbortSignal): Promise<Outcome<FormDefinition>> {
  const outcome = await request(endpointUrl(endpoint, 'form'), undefined, signal);
  if (!outcome.ok) return outcome;
  const form = outcome.data as FormDefinition;
  if (!Array.isArray(form?.fields)) return { ok: false, code: 'invalid_response' };
  const fields = form.fields.filter((field) => typeof field?.id === 'string' && FIELD_TYPES.includes(field.type));
  return { ok: true, data: { fields, allow_skip: form.allow_skip === true } };
}

/** POST {endpoint}/submit or /skip: the continue URL (http or https only) and token. */
export async function postAction(
  endpoint: string,
  action: 'submit' | 'skip',
  body: SubmitRequest | SkipRequest,
): Promise<Outcome<ContinueResponse>> {
  const outcome = await request(endpointUrl(endpoint, action), body);
  if (!outcome.ok) return outcome;
  const answer = outcome.data as ContinueResponse;
  const isUsable =
    typeof answer?.session_token === 'string' &&
    typeof answer.continue_url === 'string' &&
    /^https?:\/\//i.test(answer.continue_url);
  return isUsable ? { ok: true, data: answer } : { ok: false, code: 'invalid_response' };
}

// GET without a body, POST of JSON with one. No cookies on POSTs: the session token is the only
// credential. GET /form uses the default `same-origin` mode (cross-origin, that sends no cookie
// either) so that it can reuse a `<link rel="preload" as="fetch" crossorigin>` of the page.
async function request(url: string, body?: object, signal?: AbortSignal): Promise<Outcome<unknown>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      credentials: body ? 'omit' : 'same-origin',
      headers: body ? { accept: 'application/json', 'content-type': 'application/json' } : { accept: 'application/json' },
      body: body && JSON.stringify(body),
      signal: signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    return { ok: false, code: (error as Error)?.name === 'AbortError' ? 'aborted' : 'network_error' };
  }
  let data: any;
  try {
    data = await response.json();
  } catch {
    return { ok: false, code: 'invalid_response' };
  }
  if (response.ok) return { ok: true, data };
  return typeof data?.error === 'string'
    ? { ok: false, code: data.error, fields: data.fields && typeof data.fields === 'object' ? data.fields : undefined }
    : { ok: false, code: 'invalid_response' };
}
