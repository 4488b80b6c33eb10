// Server throughput: POST /submit under autocannon (20 connections) against a bare Fastify route
// run the same way in the same run. Action-writes mode runs interleaved with the bare route, so
// drift on the machine hits both alike; Management API mode runs against the emulator (its own
// process, free-tier limit off). Every request carries a distinct T1.
import { stopAll, type Child } from './children.js';
import { runLoad, type LoadOptions, type LoadResult } from './load.js';
import { ACTION_MODE_TENANT, createServerSetup, issuerOf, startAppChild, startBareChild, startEmulatorChild } from './server-env.js';
import { BodyPool, benchUserIds, createTokenMinter, type TokenMinter } from './tokens.js';

export interface ServerBenchOptions {
  runs: number;
  /** Seconds per measured run. */
  duration: number;
  /** Requests of the warm-up before the first run (Action writes and bare route). */
  warmup: number;
  /** The same in Management API mode, several times slower. */
  managementWarmup: number;
  connections: number;
  log: (line: string) => void;
}

/** A load run with the CPU each process spent on it: which one was the bottleneck. */
export interface MeasuredRun extends LoadResult {
  /** CPU time of the server process over the run's wall time; 100 = one core busy. */
  serverCpuPercent: number;
  /** The same for the emulator (Management API mode). */
  emulatorCpuPercent?: number;
  /** The same for this process: autocannon, the load generator. */
  loadGeneratorCpuPercent: number;
}

async function measureRun(server: Child, load: LoadOptions, emulator?: Child): Promise<MeasuredRun> {
  const serverBefore = await server.sample();
  const emulatorBefore = await emulator?.sample();
  const ownBefore = process.cpuUsage();
  const result = await runLoad(load);
  const own = process.cpuUsage(ownBefore);
  const serverAfter = await server.sample();
  const emulatorAfter = await emulator?.sample();
  const percent = (micros: number) => (micros / 1000 / (result.seconds * 1000)) * 100;
  return {
    ...result,
    serverCpuPercent: percent(serverAfter.cpuMicros - serverBefore.cpuMicros),
    ...(emulatorBefore && emulatorAfter ? { emulatorCpuPercent: percent(emulatorAfter.cpuMicros - emulatorBefore.cpuMicros) } : {}),
    loadGeneratorCpuPercent: percent(own.user + own.system),
  };
}

export interface ServerBenchResult {
  connections: number;
  durationSeconds: number;
  bare: MeasuredRun[];
  action: MeasuredRun[];
  management: MeasuredRun[];
  /** action[i].requestsPerSecond / bare[i].requestsPerSecond. */
  ratios: number[];
  managementRatios: number[];
}

export const BENCH_USERS = benchUserIds(1000);

/** Tops the pool up so a run at `expectedRate` for `seconds` never runs dry. */
async function topUp(pool: BodyPool, minter: TokenMinter, expectedRate: number, seconds: number): Promise<void> {
  const needed = Math.ceil(expectedRate * seconds * 2) + 2000;
  if (pool.remaining < needed) pool.refill(await minter.mintBodies(needed - pool.remaining, BENCH_USERS));
}

export async function benchServer(options: ServerBenchOptions): Promise<ServerBenchResult> {
  const { runs, duration, warmup, managementWarmup, connections, log } = options;
  const setup = createServerSetup();
  const result: ServerBenchResult = { connections, durationSeconds: duration, bare: [], action: [], management: [], ratios: [], managementRatios: [] };

  const children: Child[] = [];
  try {
    const bare = await startBareChild();
    children.push(bare);
    let action = await startAppChild({ setup, label: 'server (Action writes)' });
    children.push(action);
    const minter = await createTokenMinter({ secret: setup.sessionTokenSecret, issuer: ACTION_MODE_TENANT.host, lifetimeSeconds: 600 });
    const actionPool = new BodyPool();
    actionPool.refillWhenLow(2000, () => minter.mintBodies(2000, BENCH_USERS));
    // The bare route checks no token: it may see the same bodies again and again.
    const barePool = BodyPool.cycling(await minter.mintBodies(1000, BENCH_USERS));

    actionPool.refill(await minter.mintBodies(warmup, BENCH_USERS));
    await runLoad({ origin: bare.origin, pool: barePool, connections, amount: warmup });
    const warm = await runLoad({ origin: action.origin, pool: actionPool, connections, amount: warmup });
    let expectedRate = warm.requestsPerSecond;
    for (let run = 1; run <= runs; run += 1) {
      if (run > 1) {
        // A fresh server each run: its in-memory single-use store holds 100,000 used T1s (then it
        // answers 503), and a run at this rate uses a third of that. Warmed up like the first.
        await stopAll(children.splice(children.indexOf(action), 1));
        action = await startAppChild({ setup, label: 'server (Action writes)' });
        children.push(action);
        actionPool.refill(await minter.mintBodies(warmup, BENCH_USERS));
        await runLoad({ origin: action.origin, pool: actionPool, connections, amount: warmup });
      }
      await topUp(actionPool, minter, expectedRate, duration);
      const bareRun = await measureRun(bare, { origin: bare.origin, pool: barePool, connections, duration });
      const actionRun = await measureRun(action, { origin: action.origin, pool: actionPool, connections, duration });
      expectedRate = Math.max(expectedRate, actionRun.requestsPerSecond);
      result.bare.push(bareRun);
      result.action.push(actionRun);
      result.ratios.push(actionRun.requestsPerSecond / bareRun.requestsPerSecond);
      log(
        `  run ${run}/${runs}: bare ${bareRun.requestsPerSecond.toFixed(0)} req/s (CPU: server ${bareRun.serverCpuPercent.toFixed(0)}%, autocannon ${bareRun.loadGeneratorCpuPercent.toFixed(0)}%), ` +
          `submit (Action writes) ${actionRun.requestsPerSecond.toFixed(0)} req/s (CPU: server ${actionRun.serverCpuPercent.toFixed(0)}%, autocannon ${actionRun.loadGeneratorCpuPercent.toFixed(0)}%), errors ${actionRun.errors}` +
          (actionRun.pool.mintedDuringRun > 0 ? ` (${actionRun.pool.mintedDuringRun} T1s minted mid-run: estimate was short)` : ''),
      );
    }
    await stopAll(children.splice(0));

    const emulator = await startEmulatorChild(setup, `bench:${BENCH_USERS.length}`);
    children.push(emulator);
    const management = await startAppChild({ setup, emulatorOrigin: emulator.origin, label: 'server (Management API)' });
    children.push(management);
    const managementMinter = await createTokenMinter({ secret: setup.sessionTokenSecret, issuer: issuerOf(emulator.origin), lifetimeSeconds: 600 });
    const managementPool = new BodyPool();
    managementPool.refillWhenLow(1000, () => managementMinter.mintBodies(1000, BENCH_USERS));
    managementPool.refill(await managementMinter.mintBodies(managementWarmup, BENCH_USERS));
    const managementWarm = await runLoad({ origin: management.origin, pool: managementPool, connections, amount: managementWarmup });
    expectedRate = managementWarm.requestsPerSecond;
    for (let run = 1; run <= runs; run += 1) {
      await topUp(managementPool, managementMinter, expectedRate, duration);
      const managementRun = await measureRun(management, { origin: management.origin, pool: managementPool, connections, duration }, emulator);
      expectedRate = Math.max(expectedRate, managementRun.requestsPerSecond);
      result.management.push(managementRun);
      const bareRun = result.bare[run - 1];
      result.managementRatios.push(managementRun.requestsPerSecond / bareRun.requestsPerSecond);
      log(
        `  run ${run}/${runs}: submit (Management API) ${managementRun.requestsPerSecond.toFixed(0)} req/s (CPU: server ${managementRun.serverCpuPercent.toFixed(0)}%, ` +
          `emulator ${managementRun.emulatorCpuPercent?.toFixed(0)}%, autocannon ${managementRun.loadGeneratorCpuPercent.toFixed(0)}%), errors ${managementRun.errors}`,
      );
    }
  } finally {
    await stopAll(children);
  }
  return result;
}
