// The scripts and stylesheets the server sends (the widget bundle and its chunk, the hosted page's
// script, the stylesheets): bodies that never change while it runs, compressed once at start
// (brotli and gzip, each at its best level) and sent in the encoding the client accepts, with
// `Vary: Accept-Encoding`, an ETag per encoding and a 304 when it still matches.
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { computeEtag, isEtagMatch } from './etag.js';

/** The content codings the server sends, in its order of preference when the client likes them alike. */
export const CONTENT_CODINGS = ['br', 'gzip', 'identity'] as const;
export type ContentCoding = (typeof CONTENT_CODINGS)[number];
/** Below the least weight a client can name (0.001). */
const UNNAMED_IDENTITY_WEIGHT = 0.0005;

export interface EncodedBody {
  readonly body: Buffer;
  /** A strong ETag of these bytes: the identity body's, suffixed `-br` or `-gzip` when compressed. */
  readonly etag: string;
}

/** A body that never changes while the server runs, in each encoding worth sending. */
export interface StaticAsset {
  /** Its Content-Type. */
  readonly type: string;
  /** `identity` always; `br` and `gzip` when they are smaller. */
  readonly encodings: ReadonlyMap<ContentCoding, EncodedBody>;
}

const compressWithBrotli = promisify(brotliCompress);
const compressWithGzip = promisify(gzip);
// Compressions already made in this process, by the identity ETag: an app built again (tests, a
// host app registering the plugin twice) does not compress the same bundle again. Bounded.
const compressions = new Map<string, Promise<[Buffer, Buffer]>>();
const MAX_REMEMBERED = 16;

/** Compresses `body` (brotli quality 11, gzip level 9) off the event loop; resolves once both are done. */
export async function prepareStaticAsset(body: string | Buffer, type: string): Promise<StaticAsset> {
  const identity = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const etag = computeEtag(identity);
  let compressed = compressions.get(etag);
  if (!compressed) {
    compressed = Promise.all([
      compressWithBrotli(identity, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: identity.length,
        },
      }),
      compressWithGzip(identity, { level: constants.Z_BEST_COMPRESSION }),
    ]);
    if (compressions.size >= MAX_REMEMBERED) compressions.delete(compressions.keys().next().value!);
    compressions.set(etag, compressed);
    compressed.catch(() => compressions.delete(etag));
  }
  const [brotli, gzipped] = await compressed;
  const encodings = new Map<ContentCoding, EncodedBody>([['identity', { body: identity, etag }]]);
  const suffixed = (coding: string) => `${etag.slice(0, -1)}-${coding}"`;
  if (brotli.length < identity.length) encodings.set('br', { body: brotli, etag: suffixed('br') });
  if (gzipped.length < identity.length) encodings.set('gzip', { body: gzipped, etag: suffixed('gzip') });
  return { type, encodings };
}

/**
 * Sends `asset` in the encoding `Accept-Encoding` prefers, with `Vary: Accept-Encoding`, its
 * ETag and `Content-Encoding`; a bodiless 304 when `If-None-Match` names that encoding's ETag.
 */
export function sendStaticAsset(request: FastifyRequest, reply: FastifyReply, asset: StaticAsset): FastifyReply {
  const coding = chooseContentCoding(request.headers['accept-encoding'], [...asset.encodings.keys()]);
  const encoded = asset.encodings.get(coding)!;
  appendVary(reply, 'Accept-Encoding');
  void reply.header('etag', encoded.etag);
  if (isEtagMatch(request.headers['if-none-match'], encoded.etag)) return reply.code(304).send();
  if (coding !== 'identity') void reply.header('content-encoding', coding);
  return reply.type(asset.type).send(encoded.body);
}

/**
 * The coding of `available` the `Accept-Encoding` header weighs highest (RFC 9110 §12.5.3), the
 * server's order (br, gzip, identity) breaking ties. No header: identity. Identity is acceptable
 * unless refused (`identity;q=0`, or `*;q=0` without `identity`), after every named coding; when
 * everything is refused it is still what is sent.
 */
export function chooseContentCoding(acceptEncoding: string | undefined, available: readonly ContentCoding[]): ContentCoding {
  if (acceptEncoding === undefined || acceptEncoding.trim() === '') return 'identity';
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...parameters] = part.split(';');
    const coding = name.trim().toLowerCase();
    if (coding === '') continue;
    let weight = 1;
    for (const parameter of parameters) {
      const [key = '', value = ''] = parameter.split('=');
      if (key.trim().toLowerCase() !== 'q') continue;
      // A qvalue is 0 to 1 with at most three decimals; anything else refuses the coding.
      weight = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/u.test(value.trim()) ? Number(value) : 0;
    }
    weights.set(coding === 'x-gzip' ? 'gzip' : coding, weight);
  }
  const any = weights.get('*');
  // Identity left unnamed is acceptable, but only as the fallback: any coding the client names
  // with a weight above zero comes first (as browsers expect of `gzip, deflate, br`).
  const weightOf = (coding: ContentCoding): number =>
    weights.get(coding) ?? (coding === 'identity' ? (any === 0 ? 0 : UNNAMED_IDENTITY_WEIGHT) : (any ?? 0));
  let best: ContentCoding = 'identity';
  let bestWeight = 0;
  for (const coding of CONTENT_CODINGS) {
    if (!available.includes(coding)) continue;
    const weight = weightOf(coding);
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}

/** Adds `name` to the reply's Vary header, keeping what is there (CORS's `Origin`). */
function appendVary(reply: FastifyReply, name: string): void {
  const current = reply.getHeader('vary');
  const text = Array.isArray(current) ? current.join(', ') : current === undefined ? '' : String(current);
  if (text.split(',').some((field) => field.trim().toLowerCase() === name.toLowerCase() || field.trim() === '*')) return;
  void reply.header('vary', text === '' ? name : `${text}, ${name}`);
}
