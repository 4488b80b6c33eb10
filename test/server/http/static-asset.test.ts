import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chooseContentCoding, prepareStaticAsset, type ContentCoding } from '../../../server/http/static-asset.js';

const ALL: ContentCoding[] = ['br', 'gzip', 'identity'];

describe('chooseContentCoding', () => {
  it.each([
    ['no header', undefined, 'identity'],
    ['an empty header', '', 'identity'],
    ["a browser's list", 'gzip, deflate, br, zstd', 'br'],
    ['gzip alone', 'gzip', 'gzip'],
    ['x-gzip, its old name', 'x-gzip', 'gzip'],
    ['a coding in capitals', 'GZIP', 'gzip'],
    ['br weighed below gzip', 'br;q=0.5, gzip', 'gzip'],
    ['a weight with spaces', 'br ; q=0.2, gzip ; q = 0.9', 'gzip'],
    ['identity alone', 'identity', 'identity'],
    ['a low weight, still above identity left unnamed', 'gzip;q=0.1', 'gzip'],
    ['identity named above gzip', 'gzip;q=0.5, identity', 'identity'],
    ['any coding', '*', 'br'],
    ['br refused', 'br;q=0', 'identity'],
    ['everything refused', '*;q=0', 'identity'],
    ['a malformed weight, which refuses its coding', 'br;q=high, gzip;q=2', 'identity'],
    ['only codings the server does not make', 'deflate, zstd', 'identity'],
  ])('answers %s with the best coding', (_case, header, expected) => {
    expect(chooseContentCoding(header, ALL)).toBe(expected);
  });

  it('picks among the encodings the asset has', () => {
    expect(chooseContentCoding('br, gzip', ['gzip', 'identity'])).toBe('gzip');
    expect(chooseContentCoding('br', ['identity'])).toBe('identity');
  });
});

describe('prepareStaticAsset', () => {
  it('compresses a body with brotli and gzip, each decompressing to the same bytes, each with its own ETag', async () => {
    const body = 'export const codes = { "US": "+1", "GB": "+44" };\n'.repeat(40);
    const asset = await prepareStaticAsset(body, 'text/javascript; charset=utf-8');
    expect([...asset.encodings.keys()].sort()).toEqual(['br', 'gzip', 'identity']);
    expect(brotliDecompressSync(asset.encodings.get('br')!.body).toString()).toBe(body);
    expect(gunzipSync(asset.encodings.get('gzip')!.body).toString()).toBe(body);
    const etags = [...asset.encodings.values()].map((encoded) => encoded.etag);
    expect(new Set(etags).size).toBe(3);
    for (const etag of etags) expect(etag).toMatch(/^"[\w-]+"$/u);
  });

  it('keeps only identity when compressing would not make the body smaller', async () => {
    const asset = await prepareStaticAsset('a', 'text/css; charset=utf-8');
    expect([...asset.encodings.keys()]).toEqual(['identity']);
  });
});
