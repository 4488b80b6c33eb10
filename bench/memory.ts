// Resident memory of the server process (Action-writes mode, in-memory single-use store) after
// every `step` submits up to `total`: it should level off. T1s live 600 s as the Action mints
// them, so every used token stays in the store for the whole run: the store itself grows by design
// (bounded at 100,000 entries); what must not grow without bound is everything else.
import { stopAll, type Child } from './children.js';
import { runLoad } from './load.js';
import { ACTION_MODE_TENANT, createServerSetup, startAppChild } from './server-env.js';
import { BodyPool, benchUserIds, createTokenMinter } from './tokens.js';

export interface MemoryOptions {
  runs: number;
  step: number;
  total: number;
  connections: number;
  log: (line: string) => void;
}

export interface MemoryPoint {
  submits: number;
  rss: number;
  /** After a forced GC: the live heap. */
  heapUsed: number;
  storeSize: number | null;
}

export interface MemorySeries {
  points: MemoryPoint[];
  errors: number;
  /** RSS at the end minus RSS at half-way, bytes. */
  lastHalfGrowth: number;
  firstHalfGrowth: number;
}

export async function benchMemory(options: MemoryOptions): Promise<MemorySeries[]> {
  const series: MemorySeries[] = [];
  const users = benchUserIds(1000);
  for (let run = 1; run <= options.runs; run += 1) {
    const setup = createServerSetup();
    const children: Child[] = [];
    try {
      const minter = await createTokenMinter({ secret: setup.sessionTokenSecret, issuer: ACTION_MODE_TENANT.host, lifetimeSeconds: 600 });
      const pool = new BodyPool();
      pool.refill(await minter.mintBodies(options.total, users));
      const server = await startAppChild({ setup, label: 'server (memory)', nodeFlags: ['--expose-gc'] });
      children.push(server);
      const points: MemoryPoint[] = [];
      const sample = async (submits: number) => {
        const { rss } = await server.sample(false);
        const { heapUsed, storeSize } = await server.sample(true);
        points.push({ submits, rss, heapUsed, storeSize });
      };
      await sample(0);
      let errors = 0;
      for (let submits = options.step; submits <= options.total; submits += options.step) {
        const load = await runLoad({ origin: server.origin, pool, connections: options.connections, amount: options.step });
        errors += load.errors;
        await sample(submits);
      }
      const half = points.find((point) => point.submits >= options.total / 2)!;
      const last = points[points.length - 1];
      series.push({ points, errors, lastHalfGrowth: last.rss - half.rss, firstHalfGrowth: half.rss - points[0].rss });
      options.log(
        `  series ${run}/${options.runs}: RSS ${(points[0].rss / 1_048_576).toFixed(1)} → ${(half.rss / 1_048_576).toFixed(1)} → ${(last.rss / 1_048_576).toFixed(1)} MB, errors ${errors}`,
      );
    } finally {
      await stopAll(children);
    }
  }
  return series;
}
