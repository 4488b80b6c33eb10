// Fault injection for the emulated Management API: queued answers (a 5xx or 429 with rate-limit
// headers, a hang, a dropped connection) that the token endpoint or the API plays before answering
// normally, so tests drive the real `auth0` SDK through every failure the server must survive.
// Control routes: POST /__emulator/faults queues, DELETE /__emulator/faults clears.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiErrorBody } from './api-errors.js';
import { isRecord } from './values.js';

/** One queued answer: a status (with optional rate-limit headers), a hang, or a dropped connection. */
export type EmulatedFault =
  | {
      status: number;
      /** `Retry-After`: seconds, or an HTTP date. */
      retryAfter?: number | string;
      /** Sends `x-ratelimit-reset` this many seconds from now (unix seconds, as Auth0 does). */
      resetInSeconds?: number;
      body?: unknown;
    }
  | { hang: true }
  | { drop: true };

export type FaultTarget = 'api' | 'token';

export interface FaultQueue {
  /** Plays the next queued fault for `target`; true when it answered (or will never answer). */
  play(target: FaultTarget, request: FastifyRequest, reply: FastifyReply): boolean;
}

const MAX_QUEUED_FAULTS = 100;

/**
 * Creates the fault queue and registers its control routes on `app`. Hung requests are destroyed
 * when the app closes; create the app with `forceCloseConnections: true` too, since undici may
 * hold a connection that never sent a request, which Node's close waits for.
 */
export function registerFaults(app: FastifyInstance, clock: { now(): number }): FaultQueue {
  const queues: Record<FaultTarget, EmulatedFault[]> = { api: [], token: [] };
  const hungSockets = new Set<Socket>();

  // A hung request never answers; closing the app must not wait for it.
  app.addHook('preClose', (done) => {
    for (const socket of hungSockets) socket.destroy();
    hungSockets.clear();
    done();
  });

  app.post<{ Body: unknown }>('/__emulator/faults', async (request, reply) => {
    const body = request.body;
    if (!isRecord(body) || (body.target !== 'api' && body.target !== 'token') || !Array.isArray(body.responses)) {
      return reply.code(400).send({ error: 'invalid_request', message: 'Expected {target: "api" | "token", responses: [...]}.' });
    }
    const queued = queues[body.target];
    if (queued.length + body.responses.length > MAX_QUEUED_FAULTS) {
      return reply.code(400).send({ error: 'invalid_request', message: `At most ${MAX_QUEUED_FAULTS} faults may wait.` });
    }
    const parsed = body.responses.map(parseFault);
    if (parsed.some((fault) => fault === undefined)) {
      return reply.code(400).send({
        error: 'invalid_request',
        message: 'Each response is {status: 100-599, retryAfter?, resetInSeconds?, body?}, {hang: true} or {drop: true}.',
      });
    }
    queued.push(...(parsed as EmulatedFault[]));
    return { target: body.target, queued: queued.length };
  });

  app.delete('/__emulator/faults', async () => {
    queues.api.length = 0;
    queues.token.length = 0;
    return { queued: 0 };
  });

  return {
    play(target, request, reply) {
      const fault = queues[target].shift();
      if (!fault) return false;
      if ('hang' in fault || 'drop' in fault) {
        reply.hijack();
        const socket = request.raw.socket;
        if ('drop' in fault) {
          socket.destroy();
        } else {
          hungSockets.add(socket);
          socket.once('close', () => hungSockets.delete(socket));
        }
        return true;
      }
      if (fault.retryAfter !== undefined) reply.header('retry-after', String(fault.retryAfter));
      if (fault.resetInSeconds !== undefined) {
        reply.header('x-ratelimit-reset', String(Math.ceil(clock.now() / 1000) + fault.resetInSeconds));
      }
      const body = fault.body ?? (target === 'token' ? oauthError(fault.status) : apiErrorBody(fault.status, 'Emulated fault', 'emulated_fault'));
      void reply.code(fault.status).send(body);
      return true;
    },
  };
}

function oauthError(status: number) {
  if (status === 429) return { error: 'too_many_requests', error_description: 'Global limit has been reached' };
  return { error: status >= 500 ? 'server_error' : 'invalid_request', error_description: STATUS_CODES[status] ?? 'Error' };
}

function parseFault(value: unknown): EmulatedFault | undefined {
  if (!isRecord(value)) return undefined;
  if (value.hang === true) return { hang: true };
  if (value.drop === true) return { drop: true };
  const { status, retryAfter, resetInSeconds, body } = value;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return undefined;
  if (retryAfter !== undefined && typeof retryAfter !== 'number' && typeof retryAfter !== 'string') return undefined;
  if (resetInSeconds !== undefined && (typeof resetInSeconds !== 'number' || !Number.isFinite(resetInSeconds))) return undefined;
  return { status, retryAfter, resetInSeconds, body } as EmulatedFault;
}
