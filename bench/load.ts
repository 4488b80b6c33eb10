// One load run with autocannon: POST /submit bodies from a pool of pre-minted ones (each T1 once),
// summarized as throughput, latency percentiles and every answer that was not a 2xx.
import autocannon from 'autocannon';
import type { BodyPool } from './tokens.js';

export interface LoadOptions {
  origin: string;
  pool: BodyPool;
  connections: number;
  /** Seconds (or use `amount`). */
  duration?: number;
  amount?: number;
  /** Requests per second over all connections; unlimited when unset. */
  overallRate?: number;
}

export interface LoadResult {
  /** 2xx answers per second over the run. */
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  completed: number;
  ok: number;
  /** Non-2xx answers, connection errors and timeouts. */
  errors: number;
  statusCodes: Record<string, number>;
  seconds: number;
  /** Bodies built from an empty pool (reused: a 409 if sent) and minted mid-run because it ran low. */
  pool: { reused: number; mintedDuringRun: number };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { pool } = options;
  const exhaustedBefore = pool.exhausted;
  const mintedBefore = pool.mintedWhileRunning;
  const started = performance.now();
  const result = await autocannon({
    url: options.origin,
    connections: options.connections,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.duration ?? 5 }),
    ...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
    timeout: 20,
    requests: [
      {
        method: 'POST',
        path: '/submit',
        headers: { 'content-type': 'application/json' },
        setupRequest(request) {
          request.body = pool.take();
          return request;
        },
      },
    ],
  });
  const seconds = (performance.now() - started) / 1000;
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, Number(stat.count)]));
  const ok = result['2xx'];
  return {
    requestsPerSecond: ok / result.duration,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMax: result.latency.max,
    completed: result.requests.total,
    ok,
    errors: result.non2xx + result.errors + result.timeouts,
    statusCodes,
    seconds,
    pool: { reused: pool.exhausted - exhaustedBefore, mintedDuringRun: pool.mintedWhileRunning - mintedBefore },
  };
}
