// GET /form: the public form definition, cacheable and revalidated by its ETag.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FormDefinition } from '../../common/wire.js';
import { sendTagged, tagBody } from '../http/etag.js';
import { JSON_TYPE } from '../http/media-types.js';

/** Answers `{fields, allow_skip}` only: what else the fields file holds is the server's (the linking connection). */
export function createFormHandler(form: FormDefinition) {
  const publicForm: FormDefinition = { fields: form.fields, allow_skip: form.allow_skip };
  const tagged = tagBody(JSON.stringify(publicForm), JSON_TYPE);
  return async function handleForm(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    void reply.header('cache-control', 'public, max-age=60, must-revalidate');
    return sendTagged(request, reply, tagged);
  };
}
