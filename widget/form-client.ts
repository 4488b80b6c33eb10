// The widget's one conversation with the server: GET /form, POST /submit and /skip. Every outcome
// is a value, never an exception: network failures, unparseable answers and error answers become
// `{ok: false, code}` so the element can show and announce them. Whatever the server answers is
// read defensively (own properties of the expected types only), so a broken or hostile answer can
// neither throw later in the element nor reach Object.prototype.
import { compileFieldPattern } from '../common/field-rules.js';
import { FIELD_TYPES, MAX_FIELD_MESSAGE_LENGTH } from '../common/wire.js';
import type { ContinueResponse, FieldDefinition, FormDefinition, SkipRequest, SubmitRequest } from '../common/wire.js';

/**
 * A wire error code, or `network_error` (fetch failed), `invalid_response` (an answer we cannot
 * read) or `aborted` (the caller gave up). `fields` maps field ids to field error codes, both
 * strings the server chose: look them up as own properties only. `messages` maps field ids to the
 * plain text a validation hook or Auth0 gave (strings only, at most 200 characters each).
 */
export type Failure = {
  ok: false;
  code: string;
  fields?: ReadonlyMap<string, unknown>;
  messages?: ReadonlyMap<string, string>;
};
export type Outcome<T> = { ok: true; data: T } | Failure;

// A server answers within 15 s by contract; past this the connection is presumed lost.
const REQUEST_TIMEOUT_MS = 30_000;

/** `{endpoint}/{path}` resolved against the page: `/` and `/prefix/` work, and `//form` never appears. */
export function endpointUrl(endpoint: string, path: string): string {
  return new URL(`${endpoint.replace(/\/+$/, '')}/${path}`, document.baseURI).href;
}

/** GET {endpoint}/form: the field definitions, each field checked for the shape the element renders. */
export async function getForm(endpoint: string, signal: AbortSignal): Promise<Outcome<FormDefinition>> {
  const outcome = await request(endpointUrl(endpoint, 'form'), signal);
  if (!outcome.ok) return outcome;
  const form = outcome.data as Partial<FormDefinition> | null;
  if (!Array.isArray(form?.fields)) return { ok: false, code: 'invalid_response' };
  return { ok: true, data: { fields: form.fields.filter(isUsableField), allow_skip: form.allow_skip === true } };
}

/** POST {endpoint}/submit or /skip: the continue URL (an absolute http or https URL only) and token. */
export async function postAction(
  endpoint: string,
  action: 'submit' | 'skip',
  body: SubmitRequest | SkipRequest,
  signal: AbortSignal,
): Promise<Outcome<ContinueResponse>> {
  const outcome = await request(endpointUrl(endpoint, action), signal, body);
  if (!outcome.ok) return outcome;
  const { continue_url, session_token } = (outcome.data ?? {}) as Partial<ContinueResponse>;
  return typeof session_token === 'string' &&
    typeof continue_url === 'string' &&
    /^https?:\/\/./i.test(continue_url) &&
    URL.canParse(continue_url)
    ? { ok: true, data: { continue_url, session_token } }
    : { ok: false, code: 'invalid_response' };
}

// GET without a body, POST of JSON with one. No cookies on POSTs: the session token is the only
// credential. GET /form uses the default `same-origin` mode (cross-origin, that sends no cookie
// either) so that it can reuse a `<link rel="preload" as="fetch" crossorigin>` of the page.
async function request(url: string, signal: AbortSignal, body?: object): Promise<Outcome<unknown>> {
  let response: Response | undefined;
  let data: any;
  try {
    response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      credentials: body ? 'omit' : 'same-origin',
      headers: body ? { accept: 'application/json', 'content-type': 'application/json' } : { accept: 'application/json' },
      body: body && JSON.stringify(body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    data = await response.json();
  } catch {
    return { ok: false, code: signal.aborted ? 'aborted' : response ? 'invalid_response' : 'network_error' };
  }
  if (response.ok) return { ok: true, data };
  // `fields` as the server sent it, keyed by its own properties only; the element reads a code
  // it does not know (or one that is not a string) as `invalid_format`. Of `messages`, only
  // strings, cut to their first 200 characters (code points; never more than 400 UTF-16 units read).
  if (typeof data?.error !== 'string') return { ok: false, code: 'invalid_response' };
  const messages = new Map<string, string>();
  for (const [id, text] of Object.entries(Object(data.messages))) {
    if (typeof text === 'string') messages.set(id, [...text.slice(0, 2 * MAX_FIELD_MESSAGE_LENGTH)].slice(0, MAX_FIELD_MESSAGE_LENGTH).join(''));
  }
  return { ok: false, code: data.error, fields: new Map(Object.entries(data.fields ?? {})), messages };
}

/**
 * Whether the element can render and check a field without throwing: a string id, a known type,
 * options (if any) with string values, a pattern (if any) the browser can compile. Labels and
 * texts of any other type render as text; a field that fails this is left out.
 */
function isUsableField(field: any): field is FieldDefinition {
  const { id, type, options, pattern } = field ?? {};
  return (
    typeof id === 'string' &&
    FIELD_TYPES.includes(type) &&
    (options === undefined || (Array.isArray(options) && options.every((option) => typeof option?.value === 'string'))) &&
    (pattern === undefined || compiles(pattern))
  );
}

// The browser checks what it can; a pattern it cannot compile means a broken answer.
function compiles(pattern: unknown): boolean {
  try {
    return typeof pattern === 'string' && !!compileFieldPattern(pattern);
  } catch {
    return false;
  }
}
