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

describe('GET /progressive-profile-calling-codes.js and the bundle’s other chunks', () => {
  const CHUNK = 'export const callingCodes = {};\n';

  it('serves each chunk the bundle imports from beside itself, as it serves the bundle', async () => {
    const { app } = setup({}, { widgetChunks: { 'progressive-profile-calling-codes.js': CHUNK } });
    const response = await app.inject({ url: '/progressive-profile-calling-codes.js', headers: { origin: 'https://elsewhere.example' } });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(CHUNK);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(response.headers['cache-control']).toBe('no-cache');
  });

  it('serves no other file', async () => {
    const { app } = setup({}, { widgetChunks: { 'progressive-profile-calling-codes.js': CHUNK } });
    expect((await app.inject('/progressive-profile-other.js')).statusCode).toBe(404);
  });

  it('refuses at registration a chunk the bundle does not import', async () => {
    for (const name of ['../secret.js', 'progressive-profile-ssr.js']) {
      const { app } = setup({}, { widgetChunks: { [name]: CHUNK } });
      await expect(app.ready()).rejects.toThrow(`deps.widgetChunks: "${name}" is not a chunk the bundle imports`);
    }
  });
});

describe('readWidgetFiles', () => {
  it('finds the built bundle and the chunk beside it', async () => {
    const { readWidgetFiles } = await import('../../../server/deps.js');
    const files = await readWidgetFiles();
    // test:node runs after build:widget (npm test): the phone chunk stands beside the bundle.
    expect(files.widgetScript?.length).toBeGreaterThan(10_000);
    // Only the phone chunk: the hosted page's script has its own route, the server renderer is never sent.
    expect(Object.keys(files.widgetChunks)).toEqual(['progressive-profile-calling-codes.js']);
  });
});
