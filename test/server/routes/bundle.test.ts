import { brotliDecompressSync, gunzipSync } from 'node:zlib';
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

  describe('compressed', () => {
    // Big enough for brotli and gzip both to pay off (the test's tiny WIDGET is not).
    const SCRIPT = 'export const widget = { name: "progressive-profile", fields: ["company_name", "job_title"] };\n'.repeat(50);
    const DECOMPRESS = { br: brotliDecompressSync, gzip: gunzipSync } as const;

    it.each(['br', 'gzip'] as const)('sends %s to a client that accepts it, decompressing to the same bytes, with Vary and its own ETag', async (coding) => {
      const { app } = setup({}, { widgetScript: SCRIPT });
      const plain = await app.inject('/progressive-profile.js');
      const response = await app.inject({ url: '/progressive-profile.js', headers: { 'accept-encoding': coding } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-encoding']).toBe(coding);
      expect(response.headers.vary).toMatch(/(?:^|, )Accept-Encoding$/u);
      expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(Number(response.headers['content-length'])).toBe(response.rawPayload.length);
      expect(response.rawPayload.length).toBeLessThan(SCRIPT.length / 4);
      expect(DECOMPRESS[coding](response.rawPayload).toString()).toBe(SCRIPT);
      expect(response.headers.etag).toMatch(/^"[\w-]+"$/u);
      expect(response.headers.etag).not.toBe(plain.headers.etag);
    });

    it('prefers brotli, and sends the bytes as they are to a client that accepts no compression', async () => {
      const { app } = setup({}, { widgetScript: SCRIPT });
      expect((await app.inject({ url: '/progressive-profile.js', headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } })).headers['content-encoding']).toBe('br');
      for (const headers of [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'br;q=0, gzip;q=0' }]) {
        const response = await app.inject({ url: '/progressive-profile.js', headers });
        expect(response.headers['content-encoding']).toBeUndefined();
        expect(response.headers.vary).toMatch(/(?:^|, )Accept-Encoding$/u);
        expect(response.body).toBe(SCRIPT);
      }
    });

    it("answers 304 to the ETag of the encoding it would send, and 200 to another encoding's", async () => {
      const { app } = setup({}, { widgetScript: SCRIPT });
      const gzipped = await app.inject({ url: '/progressive-profile.js', headers: { 'accept-encoding': 'gzip' } });
      const etag = String(gzipped.headers.etag);
      const again = await app.inject({ url: '/progressive-profile.js', headers: { 'accept-encoding': 'gzip', 'if-none-match': etag } });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(etag);
      expect(again.headers.vary).toMatch(/(?:^|, )Accept-Encoding$/u);
      const other = await app.inject({ url: '/progressive-profile.js', headers: { 'accept-encoding': 'br', 'if-none-match': etag } });
      expect(other.statusCode).toBe(200);
      expect(other.headers['content-encoding']).toBe('br');
    });

    it('answers HEAD with the headers of the GET it stands for and no body', async () => {
      const { app } = setup({}, { widgetScript: SCRIPT });
      const get = await app.inject({ url: '/progressive-profile.js', headers: { 'accept-encoding': 'br' } });
      const head = await app.inject({ method: 'HEAD', url: '/progressive-profile.js', headers: { 'accept-encoding': 'br' } });
      expect(head.statusCode).toBe(200);
      expect(head.body).toBe('');
      expect(head.headers['content-encoding']).toBe('br');
      expect(head.headers.etag).toBe(get.headers.etag);
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
    });

    it('compresses the chunks alike', async () => {
      const { app } = setup({}, { widgetChunks: { 'progressive-profile-calling-codes.js': SCRIPT } });
      const response = await app.inject({ url: '/progressive-profile-calling-codes.js', headers: { 'accept-encoding': 'gzip' } });
      expect(response.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(response.rawPayload).toString()).toBe(SCRIPT);
    });
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
