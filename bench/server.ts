// Server throughput: POST /submit under autocannon (20 connections) against a bare Fastify route
// run the same way in the same run. Action-writes mode runs interleaved with the bare route, so
// drift on the machine hits both alike; Management API mode runs against the emulator (its own
// process, free-tier limit off). Every request carries a distinct T1.
import { stopAll, type Child } from './children.js';
import { runLoad, type LoadResult } from './load.js';
import { ACTION_MODE_TENANT, createServerSetup, issuerOf, startAppChild, startBareChild, startEmulatorChild } from './server-env.js';
import { BodyPool, benchUserIds, createTokenMinter, type TokenMinter } from './tokens.js';

export interface ServerBenchOptions {
  runs: number;
  /** Seconds per measured run. */
  duration: number;
  /** Requests of the warm-up before the first run. */
  warmup: number;
  connections: number;
  log: (line: string) => void;
}

export interface ServerBenchResult {
  connections: number;
  durationSeconds: number;
  bare: LoadResult[];
  action: LoadResult[];
  management: LoadResult[];
  /** action[i].requestsPerSecond / bare[i].requestsPerSecond. */
  ratios: number[];
  managementRatios: number[];
}

export const BENCH_USERS = benchUserIds(1000);

/** Tops the pool up so a run at `expectedRate` for `seconds` never runs dry. */
async function topUp(pool: BodyPool, minter: TokenMinter, expectedRate: number, seconds: number): Promise<void> {
  const needed = Math.ceil(expectedRate * seconds * 1.6) + 1000;
  if (pool.remaining < needed) pool.refill(await minter.mintBodies(needed - pool.remaining, BENCH_USERS));
}

export async function benchServer(options: ServerBenchOptions): Promise<ServerBenchResult> {
  const { runs, duration, warmup, connections, log } = options;
  const setup = createServerSetup();
  const result: ServerBenchResult = { connections, durationSeconds: duration, bare: [], action: [], management: [], ratios: [], managementRatios: [] };

  const children: Child[] = [];
  try {
    const bare = await startBareChild();
    children.push(bare);
    const action = await startAppChild({ setup, label: 'server (Action writes)' });
    children.push(action);
    const minter = await createTokenMinter({ secret: setup.sessionTokenSecret, issuer: ACTION_MODE_TENANT.host, lifetimeSeconds: 600 });
    const actionPool = new BodyPool();
    // The bare route checks no token: it may see the same bodies again and again.
    const barePool = BodyPool.cycling(await minter.mintBodies(1000, BENCH_USERS));

    actionPool.refill(await minter.mintBodies(warmup, BENCH_USERS));
    await runLoad({ origin: bare.origin, pool: barePool, connections, amount: warmup });
    const warm = await runLoad({ origin: action.origin, pool: actionPool, connections, amount: warmup });
    let expectedRate = warm.requestsPerSecond;
    for (let run = 1; run <= runs; run += 1) {
      await topUp(actionPool, minter, expectedRate, duration);
      const bareRun = await runLoad({ origin: bare.origin, pool: barePool, connections, duration });
      const actionRun = await runLoad({ origin: action.origin, pool: actionPool, connections, duration });
      expectedRate = Math.max(expectedRate, actionRun.requestsPerSecond);
      result.bare.push(bareRun);
      result.action.push(actionRun);
      result.ratios.push(actionRun.requestsPerSecond / bareRun.requestsPerSecond);
      log(
        `  run ${run}/${runs}: bare ${bareRun.requestsPerSecond.toFixed(0)} req/s, submit (Action writes) ${actionRun.requestsPerSecond.toFixed(0)} req/s, errors ${actionRun.errors}`,
      );
    }
    await stopAll(children.splice(0));

    const emulator = await startEmulatorChild(setup, `bench:${BENCH_USERS.length}`);
    children.push(emulator);
    const management = await startAppChild({ setup, emulatorOrigin: emulator.origin, label: 'server (Management API)' });
    children.push(management);
    const managementMinter = await createTokenMinter({ secret: setup.sessionTokenSecret, issuer: issuerOf(emulator.origin), lifetimeSeconds: 600 });
    const managementPool = new BodyPool();
    managementPool.refill(await managementMinter.mintBodies(warmup, BENCH_USERS));
    const managementWarm = await runLoad({ origin: management.origin, pool: managementPool, connections, amount: warmup });
    expectedRate = managementWarm.requestsPerSecond;
    for (let run = 1; run <= runs; run += 1) {
      await topUp(managementPool, managementMinter, expectedRate, duration);
      const managementRun = await runLoad({ origin: management.origin, pool: managementPool, connections, duration });
      expectedRate = Math.max(expectedRate, managementRun.requestsPerSecond);
      result.management.push(managementRun);
      const bareRun = result.bare[run - 1];
      result.managementRatios.push(managementRun.requestsPerSecond / bareRun.requestsPerSecond);
      log(`  run ${run}/${runs}: submit (Management API) ${managementRun.requestsPerSecond.toFixed(0)} req/s, errors ${managementRun.errors}`);
    }
  } finally {
    await stopAll(children);
  }
  return result;
}
