// GET /form: the public form definition, cacheable and revalidated by its ETag.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FormDefinition } from '../../common/wire.js';
import { computeEtag, isEtagMatch } from '../http/etag.js';
import { JSON_TYPE } from '../http/media-types.js';

export function createFormHandler(form: FormDefinition) {
  const body = JSON.stringify(form);
  const etag = computeEtag(body);
  return async function handleForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    void reply.header('etag', etag).header('cache-control', 'public, max-age=60, must-revalidate');
    if (isEtagMatch(request.headers['if-none-match'], etag)) return reply.code(304).send();
    return reply.type(JSON_TYPE).send(body);
  };
}
