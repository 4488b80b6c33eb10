// Management API economy, counted by the tenant emulator (/__emulator/stats): API requests per
// submit and token requests per 1,000 submits, each run on a freshly started server (so its one
// token request is in the count). Then the free tier: 2 requests/s, 20 users submitting at once,
// each retrying on 503 after Retry-After; how fast they all get through, and that none is lost.
import { stopAll, type Child } from './children.js';
import { runLoad } from './load.js';
import { controlEmulator, createServerSetup, issuerOf, readEmulatorStats, startAppChild, startEmulatorChild } from './server-env.js';
import { BENCH_VALUES, BodyPool, benchUserIds, createTokenMinter, toSubmitBody } from './tokens.js';

export interface EconomyOptions {
  runs: number;
  /** Submits per economy run. */
  submits: number;
  freeTierRuns: number;
  /** Concurrent users of a free-tier run. */
  users: number;
  connections: number;
  log: (line: string) => void;
}

export interface EconomyRun {
  submits: number;
  errors: number;
  apiRequests: number;
  tokenRequests: number;
  requestsPerSubmit: number;
  tokenRequestsPer1000: number;
}

export interface FreeTierRun {
  users: number;
  completed: number;
  seconds: number;
  submitsPerSecond: number;
  /** Answers 503 the users waited out and retried. */
  retries: number;
  /** Answers other than 200 and 503: a user who never gets through. */
  failures: number;
  /** Users whose values are not all in the emulator's user store afterwards. */
  lost: number;
  apiRequests: number;
  rateLimited: number;
}

export interface EconomyResult {
  economy: EconomyRun[];
  freeTier: FreeTierRun[];
}

const GIVE_UP_AFTER_MS = 120_000;

export async function benchEconomy(options: EconomyOptions): Promise<EconomyResult> {
  const setup = createServerSetup();
  const economyUsers = benchUserIds(1000, 'eco');
  const freeSets = Array.from({ length: options.freeTierRuns }, (_, run) => `free${run}`);
  const children: Child[] = [];
  const result: EconomyResult = { economy: [], freeTier: [] };
  try {
    const emulator = await startEmulatorChild(setup, [`eco:1000`, ...freeSets.map((set) => `${set}:${options.users}`)].join(','));
    children.push(emulator);
    const minter = await createTokenMinter({ secret: setup.sessionTokenSecret, issuer: issuerOf(emulator.origin), lifetimeSeconds: 600 });

    for (let run = 1; run <= options.runs; run += 1) {
      const pool = new BodyPool();
      pool.refill(await minter.mintBodies(options.submits, economyUsers));
      await controlEmulator(emulator.origin, 'stats/reset');
      const server = await startAppChild({ setup, emulatorOrigin: emulator.origin, label: 'server (Management API)' });
      try {
        const load = await runLoad({ origin: server.origin, pool, connections: options.connections, amount: options.submits });
        const stats = await readEmulatorStats(emulator.origin);
        result.economy.push({
          submits: load.ok,
          errors: load.errors,
          apiRequests: stats.apiRequests,
          tokenRequests: stats.tokenRequests,
          requestsPerSubmit: stats.apiRequests / load.ok,
          tokenRequestsPer1000: (stats.tokenRequests * 1000) / load.ok,
        });
        options.log(`  economy ${run}/${options.runs}: ${load.ok} submits, ${stats.apiRequests} API requests, ${stats.tokenRequests} token requests, errors ${load.errors}`);
      } finally {
        await server.stop();
      }
    }

    await controlEmulator(emulator.origin, 'rate-limit', { enabled: true });
    for (let run = 0; run < options.freeTierRuns; run += 1) {
      const users = benchUserIds(options.users, freeSets[run]);
      const server = await startAppChild({ setup, emulatorOrigin: emulator.origin, label: 'server (Management API, free tier)' });
      try {
        const freeRun = await runFreeTier(server, emulator, users, minter, run);
        result.freeTier.push(freeRun);
        options.log(
          `  free tier ${run + 1}/${options.freeTierRuns}: ${freeRun.completed}/${freeRun.users} users through in ${freeRun.seconds.toFixed(1)} s, ${freeRun.retries} retries, ${freeRun.lost} lost`,
        );
      } finally {
        await server.stop();
      }
    }
    await controlEmulator(emulator.origin, 'rate-limit', { enabled: false });
  } finally {
    await stopAll(children);
  }
  return result;
}

async function runFreeTier(
  server: Child,
  emulator: Child,
  users: string[],
  minter: Awaited<ReturnType<typeof createTokenMinter>>,
  run: number,
): Promise<FreeTierRun> {
  const tokens = await minter.mint(users.length, users);
  const valuesOf = (index: number) => ({ ...BENCH_VALUES, company_name: `Company ${run}-${index}`, job_title: `Title ${run}-${index}` });
  await controlEmulator(emulator.origin, 'stats/reset');
  // A full bucket for each run, as after a quiet minute.
  await controlEmulator(emulator.origin, 'rate-limit', { enabled: true });
  let retries = 0;
  let failures = 0;
  const started = performance.now();
  const outcomes = await Promise.all(
    tokens.map(async (token, index) => {
      // The same body on a retry: a failed write releases T1, so the same submit may be sent again.
      const body = toSubmitBody(token, valuesOf(index));
      while (performance.now() - started < GIVE_UP_AFTER_MS) {
        const response = await fetch(`${server.origin}/submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await response.arrayBuffer();
        if (response.status === 200) return true;
        if (response.status !== 503) {
          failures += 1;
          return false;
        }
        retries += 1;
        const waitSeconds = Number(response.headers.get('retry-after') ?? '1');
        await new Promise((resolve) => setTimeout(resolve, (Number.isFinite(waitSeconds) ? waitSeconds : 1) * 1000));
      }
      return false;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const completed = outcomes.filter(Boolean).length;
  const stored = await emulator.readUsers(users);
  const storedById = new Map(stored.map((user) => [user.user_id, user.user_metadata]));
  const lost = users.filter((userId, index) => {
    const metadata = storedById.get(userId);
    const expected = valuesOf(index);
    return !metadata || Object.entries(expected).some(([key, value]) => metadata[key] !== value);
  }).length;
  const stats = await readEmulatorStats(emulator.origin);
  return {
    users: users.length,
    completed,
    seconds,
    submitsPerSecond: completed / seconds,
    retries,
    failures,
    lost,
    apiRequests: stats.apiRequests,
    rateLimited: stats.rateLimited,
  };
}
