// One line per /submit and /skip answer (CONTRACT "Operations"): the request id (the logger's
// `reqId`), the route (its pattern, as the metrics label it), the outcome (`ok` or the wire error
// code), the status, the duration, and T1's `sub`
// and `jti` once T1 was verified, which ties the line to the Action's `redirect jti=…` line of
// the same login. Never a token, a secret, a password or a submitted value: the line is built
// from these fields only. The same outcome feeds the metrics' counters.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES } from '../../common/wire.js';
import type { AnswerRoute, Metrics } from './metrics.js';

/** What a verified T1 says of who is answering: the user, and the nonce the Action logged. */
export interface VerifiedIdentity {
  readonly sub: string;
  readonly jti?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on the routes that log their answer themselves (Fastify's own request lines are off there). */
    progressiveProfileAnswerLog?: AnswerRoute;
  }
}

// Keyed by the request object: gone with it, and never shared between apps.
const verifiedSessions = new WeakMap<FastifyRequest, VerifiedIdentity>();
const outcomes = new WeakMap<FastifyRequest, string>();
// A code the line and the metrics take from an answer's body: the contract's, or the 500's.
const KNOWN_CODES: ReadonlySet<string> = new Set([...ERROR_CODES, 'internal_error']);

/** Notes that `request`'s T1 was verified, so its answer's line carries `sub` and `jti`. */
export function noteVerifiedSession(request: FastifyRequest, claims: { readonly sub: string; readonly jti?: unknown }): void {
  verifiedSessions.set(request, { sub: claims.sub, ...(typeof claims.jti === 'string' ? { jti: claims.jti } : {}) });
}

/** Whether `request` is answered on a route that logs its own line (for Fastify's LogController). */
export function hasAnswerLog(request: FastifyRequest): boolean {
  return request.routeOptions?.config?.progressiveProfileAnswerLog !== undefined;
}

/**
 * The route options that log `route`'s answers (and count them when `metrics` is given): its
 * `config` marker, an `onSend` that reads the wire code of an error answer, an `onResponse` that
 * writes the line at info level.
 */
export function createAnswerLog(route: AnswerRoute, metrics?: Pick<Metrics, 'countAnswer'>) {
  return {
    config: { progressiveProfileAnswerLog: route },
    async onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
      if (reply.statusCode !== 200) outcomes.set(request, readErrorCode(payload) ?? String(reply.statusCode));
      return payload;
    },
    async onResponse(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const outcome = reply.statusCode === 200 ? 'ok' : (outcomes.get(request) ?? String(reply.statusCode));
      const session = verifiedSessions.get(request);
      request.log.info(
        {
          // The pattern, with the prefix when mounted under one: the metrics' `route` label too.
          route: request.routeOptions.url ?? `/${route}`,
          outcome,
          status: reply.statusCode,
          duration_ms: Math.round(reply.elapsedTime * 10) / 10,
          ...(session ? { sub: session.sub, ...(session.jti === undefined ? {} : { jti: session.jti }) } : {}),
        },
        `${route} answered`,
      );
      metrics?.countAnswer(route, outcome === 'ok' ? '200' : outcome);
    },
  };
}

/** The `error` of a JSON error answer when it is one of the known codes (so labels stay few). */
function readErrorCode(payload: unknown): string | undefined {
  if (typeof payload !== 'string') return undefined;
  try {
    const code = (JSON.parse(payload) as { error?: unknown } | null)?.error;
    return typeof code === 'string' && KNOWN_CODES.has(code) ? code : undefined;
  } catch {
    return undefined;
  }
}
