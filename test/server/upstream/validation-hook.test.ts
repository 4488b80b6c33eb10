import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestError } from '../../../server/http/errors.js';
import {
  createInProcessValidator,
  createValidationHook,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  toFieldMessage,
  ValidationHookError,
  type ValidateValues,
} from '../../../server/upstream/validation-hook.js';
import { frozenClock, NOW_SECONDS } from '../support/fixtures.js';

const SECRET = 'hook-secret-0123456789-abcdefghijklmnopq';
const URL_ = 'https://hooks.example.com/profile';
const CONTEXT = { sub: 'auth0|user-1', fields: ['company_name', 'job_title', 'phone'] };
const VALUES = { company_name: 'Initech', phone: '+14155550123' };

interface Call {
  url: string;
  init: RequestInit;
}

/** A fetch that records its calls and answers `answer()` (a Response, or a promise of one). */
function fakeFetch(answer: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = (async (url: string | URL | Request, init: RequestInit = {}) => {
    const call = { url: String(url), init };
    calls.push(call);
    return answer(call);
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

function json(status: number, body: unknown): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function recordingLog() {
  const lines: { details: object; message: string }[] = [];
  return { lines, warn: (details: object, message: string) => void lines.push({ details, message }) };
}

function hookAnswering(answer: (call: Call) => Response | Promise<Response>, timeoutSeconds = 3) {
  const fake = fakeFetch(answer);
  const hook = createValidationHook({ url: URL_, secret: SECRET, timeoutSeconds, clock: frozenClock(), fetch: fake.fetch });
  return { ...fake, hook };
}

async function refusal(promise: Promise<unknown>): Promise<RequestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RequestError) return error;
    throw error;
  }
  throw new Error('accepted');
}

/** The 503 and its logged cause's code. */
async function failureOf(promise: Promise<unknown>): Promise<string> {
  const error = await refusal(promise);
  expect({ code: error.code, status: error.statusCode }).toEqual({ code: 'upstream_unavailable', status: 503 });
  expect(error.cause).toBeInstanceOf(ValidationHookError);
  return (error.cause as ValidationHookError).code;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('createValidationHook: the call', () => {
  it('POSTs {sub, fields, values} as JSON, signed over the timestamp and the raw body, following no redirect', async () => {
    const { hook, calls } = hookAnswering(() => json(200, {}));
    await hook.check(VALUES, CONTEXT, recordingLog());
    expect(calls).toHaveLength(1);
    const [{ url, init }] = calls;
    const headers = init.headers as Record<string, string>;
    expect(url).toBe(URL_);
    expect(init.method).toBe('POST');
    expect(init.redirect).toBe('manual');
    expect(init.signal).toBeInstanceOf(AbortSignal);
    expect(headers['content-type']).toBe('application/json');
    expect(JSON.parse(init.body as string)).toEqual({ sub: 'auth0|user-1', fields: CONTEXT.fields, values: VALUES });
    expect(headers[TIMESTAMP_HEADER]).toBe(String(NOW_SECONDS));
    const expected = createHmac('sha256', SECRET).update(`${NOW_SECONDS}.${init.body as string}`).digest('hex');
    expect(headers[SIGNATURE_HEADER]).toBe(`v1=${expected}`);
  });
});

describe('createValidationHook: the answers', () => {
  it('accepts 200 {}', async () => {
    await expect(hookAnswering(() => json(200, {})).hook.check(VALUES, CONTEXT, recordingLog())).resolves.toBeUndefined();
  });

  it('accepts 200 {"errors": {}}', async () => {
    await expect(hookAnswering(() => json(200, { errors: {} })).hook.check(VALUES, CONTEXT, recordingLog())).resolves.toBeUndefined();
  });

  it('refuses the fields an answer names with 422 rejected and its message', async () => {
    const { hook } = hookAnswering(() => json(200, { errors: { company_name: 'We cannot accept Initech.', job_title: '' } }));
    const error = await refusal(hook.check(VALUES, CONTEXT, recordingLog()));
    expect({ code: error.code, status: error.statusCode }).toEqual({ code: 'invalid_fields', status: 422 });
    expect(error.fields).toEqual({ company_name: 'rejected', job_title: 'rejected' });
    // An empty message refuses the field without a message.
    expect(error.messages).toEqual({ company_name: 'We cannot accept Initech.' });
  });

  it('cuts an over-long message to 200 characters and removes control characters', async () => {
    const long = `${'Too long. '.repeat(40)}`;
    const { hook } = hookAnswering(() => json(200, { errors: { company_name: long, job_title: 'Line one\r\nline\u0007two\u202e!' } }));
    const { messages } = await refusal(hook.check(VALUES, CONTEXT, recordingLog()));
    expect([...messages!.company_name]).toHaveLength(200);
    expect(messages!.company_name.endsWith('…')).toBe(true);
    expect(messages!.job_title).toBe('Line one line two!');
  });

  it('ignores refusals of fields that were not asked, logging how many', async () => {
    const log = recordingLog();
    const { hook } = hookAnswering(() => json(200, '{"errors": {"roles": "no", "__proto__": "x", "company_name": "Not this one."}}'));
    const error = await refusal(hook.check(VALUES, CONTEXT, log));
    expect(error.fields).toEqual({ company_name: 'rejected' });
    expect(log.lines).toEqual([{ details: { ignored: 2 }, message: expect.stringMatching(/not asked: ignored/) }]);
    const onlyUnasked = hookAnswering(() => json(200, { errors: { roles: 'no' } }));
    await expect(onlyUnasked.hook.check(VALUES, CONTEXT, recordingLog())).resolves.toBeUndefined();
  });

  it('answers a 500 as 503 upstream_unavailable', async () => {
    expect(await failureOf(hookAnswering(() => json(500, {})).hook.check(VALUES, CONTEXT, recordingLog()))).toBe('hook_status');
  });

  it('answers a 204 or a 201 (not the 200 the protocol names) as 503', async () => {
    expect(await failureOf(hookAnswering(() => new Response(null, { status: 204 })).hook.check(VALUES, CONTEXT, recordingLog()))).toBe('hook_status');
    expect(await failureOf(hookAnswering(() => json(201, {})).hook.check(VALUES, CONTEXT, recordingLog()))).toBe('hook_status');
  });

  it('answers garbage (HTML, truncated JSON, invalid UTF-8, an oversized body) as 503', async () => {
    for (const body of ['<html>oops</html>', '{"errors": {', new Uint8Array([0x7b, 0xff, 0x7d]), `{"errors":{"a":"${'x'.repeat(70_000)}"}}`]) {
      const { hook } = hookAnswering(() => new Response(body, { status: 200 }));
      expect(await failureOf(hook.check(VALUES, CONTEXT, recordingLog()))).toBe('hook_garbage');
    }
  });

  it.each([
    ['null', null],
    ['an array', []],
    ['a misspelt key, which must not pass for an acceptance', { error: { company_name: 'no' } }],
    ['an extra key', { errors: {}, ok: true }],
    ['errors as an array', { errors: ['company_name'] }],
    ['a message that is not a string', { errors: { company_name: true } }],
  ])('answers a wrong shape (%s) as 503', async (_case, body) => {
    expect(await failureOf(hookAnswering(() => json(200, body)).hook.check(VALUES, CONTEXT, recordingLog()))).toBe('hook_shape');
  });

  it('answers a timeout as 503, even from a fetch that ignores its signal', async () => {
    const { hook, calls } = hookAnswering(() => new Promise<Response>(() => {}), 0.05);
    expect(await failureOf(hook.check(VALUES, CONTEXT, recordingLog()))).toBe('hook_timeout');
    expect(calls[0].init.signal?.aborted).toBe(true);
  });

  it('answers a refused connection as 503', async () => {
    const url = await listen(() => {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const hook = createValidationHook({ url, secret: SECRET, timeoutSeconds: 3, clock: frozenClock() });
    expect(await failureOf(hook.check(VALUES, CONTEXT, recordingLog()))).toBe('hook_unreachable');
  });

  it('answers a redirect as 503 without following it', async () => {
    let followed = 0;
    const target = await listen((_request, response) => {
      followed += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const url = await listen((_request, response) => response.writeHead(307, { location: `${target}/elsewhere` }).end());
    const hook = createValidationHook({ url, secret: SECRET, timeoutSeconds: 3, clock: frozenClock() });
    expect(await failureOf(hook.check(VALUES, CONTEXT, recordingLog()))).toBe('hook_redirect');
    expect(followed).toBe(0);
  });

  it('keeps values, the secret and the body out of the error it throws', async () => {
    const { hook } = hookAnswering(() => json(500, { echo: VALUES }));
    const error = await refusal(hook.check(VALUES, CONTEXT, recordingLog()));
    const text = JSON.stringify({ message: error.message, cause: String(error.cause), fields: error.fields });
    for (const secret of ['Initech', '+14155550123', SECRET]) expect(text).not.toContain(secret);
  });
});

describe('createInProcessValidator (the plugin\'s validate option)', () => {
  const validatorOf = (validate: ValidateValues, timeoutSeconds = 3) => createInProcessValidator(validate, { timeoutSeconds });

  it('accepts {} or nothing, and gives validate the values, sub, fields and a signal', async () => {
    const seen: unknown[] = [];
    await validatorOf(async (values, context) => {
      seen.push(values, context);
      return {};
    }).check(VALUES, CONTEXT, recordingLog());
    expect(seen).toEqual([VALUES, { ...CONTEXT, signal: expect.any(AbortSignal) }]);
    await expect(validatorOf(async () => undefined).check(VALUES, CONTEXT, recordingLog())).resolves.toBeUndefined();
  });

  it('refuses like the hook: 422 rejected with the cleaned message, unasked ids ignored', async () => {
    const error = await refusal(
      validatorOf(async () => ({ errors: { company_name: 'No\nthanks', roles: 'x' } })).check(VALUES, CONTEXT, recordingLog()),
    );
    expect({ code: error.code, fields: error.fields, messages: error.messages }).toEqual({
      code: 'invalid_fields', fields: { company_name: 'rejected' }, messages: { company_name: 'No thanks' },
    });
  });

  it('answers a throw as 503 upstream_unavailable', async () => {
    const validator = validatorOf(async () => {
      throw new Error('database down: Initech');
    });
    expect(await failureOf(validator.check(VALUES, CONTEXT, recordingLog()))).toBe('validate_threw');
  });

  it('answers a wrong shape as 503', async () => {
    expect(await failureOf(validatorOf(async () => ({ errors: 'company_name' }) as never).check(VALUES, CONTEXT, recordingLog()))).toBe(
      'hook_shape',
    );
  });

  it('answers running past the timeout as 503 and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const validator = validatorOf((_values, context) => {
      signal = context.signal;
      return new Promise(() => {});
    }, 0.05);
    expect(await failureOf(validator.check(VALUES, CONTEXT, recordingLog()))).toBe('hook_timeout');
    expect(signal?.aborted).toBe(true);
  });

  it('hands validate a copy: what it changes is not what is written', async () => {
    const values = { colours: ['red'] as readonly string[] };
    await validatorOf(async (given) => {
      (given.colours as string[]).push('blue');
      return {};
    }).check(values, CONTEXT, recordingLog());
    expect(values.colours).toEqual(['red']);
  });

  it('refuses a validate that is not a function', () => {
    expect(() => createInProcessValidator('yes' as never, { timeoutSeconds: 3 })).toThrow(/^validate: must be an async function/);
  });
});

describe('toFieldMessage', () => {
  it('keeps plain text, folds whitespace and removes what is not text', () => {
    expect(toFieldMessage('  Please\tuse\u2028your own\u0000 name. ')).toBe('Please use your own name.');
    expect(toFieldMessage('\u202eevil\u202c')).toBe('evil');
    expect(toFieldMessage('é'.repeat(200))).toBe('é'.repeat(200));
  });
});
