// Answers revalidated by their ETag: GET /form here; the scripts and stylesheets, one ETag per
// encoding, in static-asset.ts.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A body that never changes while the server runs, with its strong ETag. */
export interface TaggedBody {
  readonly body: string | Buffer;
  readonly etag: string;
  /** Its Content-Type. */
  readonly type: string;
}

export function tagBody(body: string | Buffer, type: string): TaggedBody {
  return { body, etag: computeEtag(body), type };
}

/** Sends the body with its ETag, or a bodiless 304 when `If-None-Match` already names that ETag. */
export function sendTagged(request: FastifyRequest, reply: FastifyReply, tagged: TaggedBody): FastifyReply {
  void reply.header('etag', tagged.etag);
  if (isEtagMatch(request.headers['if-none-match'], tagged.etag)) return reply.code(304).send();
  return reply.type(tagged.type).send(tagged.body);
}

/** A strong ETag for a response body. */
export function computeEtag(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Whether an `If-None-Match` header names `etag` (weak comparison, as RFC 9110 asks for GET). */
export function isEtagMatch(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const bare = (tag: string): string => tag.trim().replace(/^W\//u, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}
