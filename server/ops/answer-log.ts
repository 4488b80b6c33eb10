// One line per /submit and /skip answer (CONTRACT "Operations"): the request id (the logger's
// `reqId`), the route (its pattern, as the metrics label it), the outcome (`ok` or the wire error
// code), the status, the duration, and T1's `sub`
// and `jti` once T1 was verified, which ties the line to the Action's `redirect jti=…` line of
// the same login. Never a token, a secret, a password or a submitted value: the line is built
// from these fields only. The same outcome feeds the metrics' counters.
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
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

// pino's levels, which Fastify's logger uses.
const LEVEL_VALUES: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/**
 * Whether the answer lines would be written: `log` (the app's) at info level or below, or
 * `routeLevel` (the plugin's `logLevel`, when registered with one) at info or below. Fastify's
 * logger off (`logger: false`) has no level at all: false. Decided once, at start.
 */
export function isInfoLogged(log: FastifyBaseLogger, routeLevel?: string): boolean {
  if (routeLevel !== undefined) return (LEVEL_VALUES[routeLevel] ?? Number.POSITIVE_INFINITY) <= LEVEL_VALUES.info;
  if (typeof log.level !== 'string') return false;
  const { isLevelEnabled } = log as { isLevelEnabled?: (level: string) => boolean };
  if (typeof isLevelEnabled === 'function') return isLevelEnabled.call(log, 'info');
  return (LEVEL_VALUES[log.level] ?? Number.POSITIVE_INFINITY) <= LEVEL_VALUES.info;
}

export interface AnswerLogOptions {
  /** Whether the line is written (`isInfoLogged`); when false and nothing is counted, no hook runs at all. */
  isLogged: boolean;
  metrics?: Pick<Metrics, 'countAnswer'>;
}

/**
 * The route options that log `route`'s answers and count them when `metrics` is given: its
 * `config` marker, and, when there is a line to write or an answer to count, an `onSend` that
 * reads the wire code of an error answer and an `onResponse` that writes the line at info level.
 */
export function createAnswerLog(route: AnswerRoute, { isLogged, metrics }: AnswerLogOptions) {
  const config = { progressiveProfileAnswerLog: route };
  if (!isLogged && !metrics) return { config };
  return {
    config,
    onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void): void {
      if (reply.statusCode !== 200) outcomes.set(request, readErrorCode(payload) ?? String(reply.statusCode));
      done(null, payload);
    },
    onResponse(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
      const outcome = reply.statusCode === 200 ? 'ok' : (outcomes.get(request) ?? String(reply.statusCode));
      if (isLogged) {
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
      }
      metrics?.countAnswer(route, outcome === 'ok' ? '200' : outcome);
      done();
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
