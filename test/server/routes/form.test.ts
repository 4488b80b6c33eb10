import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, setup } from '../support/app.js';
import { testForm } from '../support/fixtures.js';

afterEach(closeApps);

describe('GET /form', () => {
  it('answers the public form definition with an ETag and a cache policy', async () => {
    const response = await setup().app.inject('/form');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(testForm());
    expect(response.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(response.headers['cache-control']).toContain('max-age');
  });

  it('answers 304 when the ETag still matches', async () => {
    const { app } = setup();
    const { etag } = (await app.inject('/form')).headers;
    const response = await app.inject({ url: '/form', headers: { 'if-none-match': `W/${etag}` } });
    expect(response.statusCode).toBe(304);
    expect(response.body).toBe('');
  });
});
