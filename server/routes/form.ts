// GET /form: the public form definition, cacheable and revalidated by its ETag.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FormDefinition } from '../../common/wire.js';
import { sendTagged, tagBody } from '../http/etag.js';
import { JSON_TYPE } from '../http/media-types.js';

export function createFormHandler(form: FormDefinition) {
  const tagged = tagBody(JSON.stringify(form), JSON_TYPE);
  return async function handleForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    void reply.header('cache-control', 'public, max-age=60, must-revalidate');
    return sendTagged(request, reply, tagged);
  };
}
