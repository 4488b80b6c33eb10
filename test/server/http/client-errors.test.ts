import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, setup } from '../support/app.js';
import { listenOnLoopback, sendRaw, type RawResponse } from '../support/raw-http.js';

afterEach(closeApps);

const SECRET = 'T1-SECRET-in-the-url';

function expectSafeAnswer(response: RawResponse, statusCode: number, error = 'invalid_request'): void {
  expect({ statusCode: response.statusCode, body: response.json() }).toEqual({ statusCode, body: { error, message: expect.any(String) } });
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.body).not.toContain(SECRET);
  expect(response.body).not.toContain('%zz');
  expect(response.body).not.toContain('aaaa');
}

describe('answers made before any route is found, over a real socket', () => {
  it.each([
    ['a malformed request line', `GARBAGE ${SECRET}\r\nCookie: sid=${SECRET}\r\n\r\n`, 400],
    ['headers over the size limit', `GET /?session_token=${SECRET} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['a URL Fastify cannot decode', `GET /%zz?session_token=${SECRET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 400],
    ['a 10 KB URL', `GET /form?session_token=${SECRET}&pad=${'a'.repeat(10 * 1024)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 414],
    ['a 10 KB URL nothing is at', `GET /${'a'.repeat(10 * 1024)}?session_token=${SECRET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 414],
  ])('answers %s with the JSON error shape and the security headers, echoing none of it', async (_case, request, statusCode) => {
    const port = await listenOnLoopback(setup().app);
    expectSafeAnswer(await sendRaw(port, request), statusCode);
  });

  it('answers a path nothing is at with a JSON 404 and the security headers', async () => {
    const port = await listenOnLoopback(setup().app);
    const response = await sendRaw(port, `GET /nothing?session_token=${SECRET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expectSafeAnswer(response, 404, 'not_found');
  });

  it('still serves a URL of just under 8 KB', async () => {
    const port = await listenOnLoopback(setup().app);
    const path = `/healthz?pad=${'a'.repeat(8 * 1024 - '/healthz?pad='.length)}`;
    const response = await sendRaw(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(response.statusCode).toBe(200);
  });
});
