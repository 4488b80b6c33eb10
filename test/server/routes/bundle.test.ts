import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, setup, WIDGET } from '../support/app.js';

afterEach(closeApps);

describe('GET /progressive-profile.js', () => {
  it('serves the bundle to any origin with an ETag and revalidation', async () => {
    const response = await setup().app.inject({ url: '/progressive-profile.js', headers: { origin: 'https://elsewhere.example' } });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(WIDGET);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers.etag).toMatch(/^"[\w-]+"$/);
  });

  it('answers 304 when the bundle did not change', async () => {
    const { app } = setup();
    const { etag } = (await app.inject('/progressive-profile.js')).headers;
    const response = await app.inject({ url: '/progressive-profile.js', headers: { 'if-none-match': String(etag) } });
    expect(response.statusCode).toBe(304);
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers a clear 404 when the bundle was not built', async () => {
    const response = await setup({}, { widgetScript: undefined }).app.inject('/progressive-profile.js');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'not_found', message: expect.stringContaining('npm run build') });
  });
});
