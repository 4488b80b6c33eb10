// GET /healthz: the process answers, and so does its single-use store (without it every submit
// and skip answers 503). `200 {"status":"ok"}`, or `503 {"status":"degraded","store":"unavailable"}`.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SingleUseStore } from '../store/single-use.js';

export type HealthAnswer = { status: 'ok' } | { status: 'degraded'; store: 'unavailable' };

export function createHealthHandler(store: Pick<SingleUseStore, 'ping'>) {
  return async function handleHealth(_request: FastifyRequest, reply: FastifyReply): Promise<HealthAnswer> {
    void reply.header('cache-control', 'no-store');
    try {
      await store.ping();
      return { status: 'ok' };
    } catch {
      void reply.code(503);
      return { status: 'degraded', store: 'unavailable' };
    }
  };
}
