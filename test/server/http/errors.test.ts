import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestError } from '../../../server/http/errors.js';
import { closeApps, track } from '../support/app.js';

afterEach(closeApps);

describe('RequestError', () => {
  it.each([
    ['session_used', 409],
    ['invalid_fields', 422],
    ['upstream_timeout', 504],
  ] as const)('carries the status of %s as statusCode', (code, status) => {
    expect(new RequestError(code, 'x')).toMatchObject({ code, statusCode: status });
  });

  it('takes another status for invalid_request (413, 415)', () => {
    expect(new RequestError('invalid_request', 'x', { statusCode: 413 })).toMatchObject({ code: 'invalid_request', statusCode: 413 });
  });

  it("is answered with its status, code and Retry-After by Fastify's default error handler, outside the plugin", async () => {
    const host = track(Fastify());
    host.get('/busy', async () => {
      throw new RequestError('upstream_unavailable', 'The service is busy.', { retryAfter: 7 });
    });
    const response = await host.inject('/busy');
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.json()).toMatchObject({ code: 'upstream_unavailable', message: 'The service is busy.' });
  });
});
