// GET /healthz: the process is up and answering.
import type { FastifyReply, FastifyRequest } from 'fastify';

export async function handleHealth(_request: FastifyRequest, reply: FastifyReply): Promise<{ status: 'ok' }> {
  void reply.header('cache-control', 'no-store');
  return { status: 'ok' };
}
