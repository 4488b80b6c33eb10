// The server's Prometheus metrics (CONTRACT "Operations"), with prom-client: /submit and /skip by
// outcome, request durations by route, Management API attempts by status, validation-hook calls
// by outcome, the in-memory single-use store's entries, and the process defaults. One registry
// per `createMetrics` (never prom-client's global one), served by `buildMetricsApp` on a port of
// its own (METRICS_PORT), never on the public one.
import Fastify, { type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RequestError } from '../http/errors.js';
import type { SingleUseStore } from '../store/single-use.js';
import type { ManagementAttempt } from '../upstream/management-api.js';
import { ValidationHookError, type HookFailure, type ValuesValidator } from '../upstream/validation-hook.js';

/** The routes whose answers are counted (and logged) by outcome. */
export type AnswerRoute = 'submit' | 'skip';

/** What a validation-hook call came to: accepted, refused (422 `rejected`), or the failure's kind. */
export type HookOutcome = 'accepted' | 'refused' | HookFailure;

export interface Metrics {
  readonly registry: Registry;
  /** A /submit or /skip answered: `outcome` is `200` or the wire error code. */
  countAnswer(route: AnswerRoute, outcome: string): void;
  /** Any request of the plugin answered, by its route pattern (`/submit`, with the prefix when mounted under one). */
  observeRequest(route: string, method: string, seconds: number): void;
  /** For `createServerDeps`'s `onManagementAttempt`: one HTTP attempt of the Management API client. */
  countManagementAttempt(attempt: ManagementAttempt): void;
  /** `validator` with each call counted by outcome; answers and throws as `validator` does. */
  observeValidator(validator: ValuesValidator): ValuesValidator;
  /**
   * Gauges a store's entries when it says how many it holds (the in-memory store's `size`);
   * answers the function that stops. A store that does not (Redis) is not gauged.
   */
  watchStore(store: SingleUseStore): () => void;
}

export interface MetricsOptions {
  /** prom-client's process and Node.js metrics (CPU, memory, event loop lag, GC); default true. */
  collectDefaults?: boolean;
}

const PREFIX = 'progressive_profile_';
// Seconds: a form read takes milliseconds, a submit up to the contract's 15 s.
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/** A registry of its own with every series of this server. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.collectDefaults ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const answers: Record<AnswerRoute, Counter<'outcome'>> = {
    submit: new Counter({
      name: `${PREFIX}submits_total`,
      help: 'POST /submit answers by outcome: 200, or the wire error code (invalid_session, session_used, invalid_fields, upstream_unavailable…)',
      labelNames: ['outcome'],
      registers,
    }),
    skip: new Counter({
      name: `${PREFIX}skips_total`,
      help: 'POST /skip answers by outcome: 200, or the wire error code',
      labelNames: ['outcome'],
      registers,
    }),
  };
  // Present from the first scrape, so a rate over them needs no first event.
  answers.submit.labels('200').inc(0);
  answers.skip.labels('200').inc(0);

  const durations = new Histogram({
    name: `${PREFIX}request_duration_seconds`,
    help: 'Time from the arrival of a request to its answer, by route pattern and method',
    labelNames: ['route', 'method'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const managementAttempts = new Counter({
    name: `${PREFIX}management_api_requests_total`,
    help: 'HTTP attempts of the Management API client (retries and token requests included) by endpoint (token, api) and status (the HTTP status, timeout or network)',
    labelNames: ['endpoint', 'status'],
    registers,
  });
  const hookCalls = new Counter({
    name: `${PREFIX}validation_hook_calls_total`,
    help: 'Validation hook calls by outcome: accepted, refused, or the failure (hook_timeout, hook_unreachable, hook_status, hook_redirect, hook_garbage, hook_shape, validate_threw)',
    labelNames: ['outcome'],
    registers,
  });

  const gaugedStores = new Set<{ readonly size: number }>();
  const storeEntriesName = `${PREFIX}single_use_store_entries`;
  const storeEntries = new Gauge({
    name: storeEntriesName,
    help: 'Entries in the in-memory single-use store (used and in-flight session tokens, refusal counts, holds); new ones are refused when full (100000 by default)',
    // Registered with the first store that has a size: a Redis store would show a false 0.
    registers: [],
    collect() {
      let total = 0;
      for (const store of gaugedStores) total += store.size;
      this.set(total);
    },
  });

  return {
    registry,
    countAnswer(route, outcome) {
      answers[route].labels(outcome).inc();
    },
    observeRequest(route, method, seconds) {
      durations.labels(route, method).observe(seconds);
    },
    countManagementAttempt(attempt) {
      managementAttempts.labels(attempt.endpoint, String(attempt.status)).inc();
    },
    observeValidator(validator) {
      return {
        async check(...args) {
          try {
            await validator.check(...args);
          } catch (error) {
            hookCalls.labels(readHookOutcome(error)).inc();
            throw error;
          }
          hookCalls.labels('accepted').inc();
        },
      };
    },
    watchStore(store) {
      const { size } = store as { size?: unknown };
      if (typeof size !== 'number') return () => {};
      const sized = store as SingleUseStore & { readonly size: number };
      if (registry.getSingleMetric(storeEntriesName) === undefined) registry.registerMetric(storeEntries);
      gaugedStores.add(sized);
      return () => void gaugedStores.delete(sized);
    },
  };
}

/** Times every request `app` (the plugin's scope) answers and gauges its store, until it closes. */
export function instrumentApp(app: FastifyInstance, metrics: Metrics, store: SingleUseStore): void {
  const unwatch = metrics.watchStore(store);
  app.addHook('onClose', async () => unwatch());
  // A callback hook: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.elapsedTime / 1000);
    done();
  });
}

/** How a validator's throw reads: a refusal, or the hook failure under the 503. */
function readHookOutcome(error: unknown): HookOutcome {
  if (error instanceof RequestError && error.code === 'invalid_fields') return 'refused';
  const cause = error instanceof RequestError ? error.cause : error;
  return cause instanceof ValidationHookError ? cause.code : 'hook_unreachable';
}

/**
 * The metrics listener: `GET /metrics` answers the Prometheus text of `metrics`; anything else
 * 404. Never listens by itself (main.ts and the demo listen on METRICS_PORT of HOST).
 */
export function buildMetricsApp(metrics: Pick<Metrics, 'registry'>): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).header('cache-control', 'no-store').send(text);
  });
  return app;
}
