// A/B: POST /submit (Action writes) of this checkout against the same at another git ref, both
// against the bare Fastify route, in one run: `npx tsx bench/ab.ts [--base REF] …` (`--help`).
// Each round runs the bare route and both servers back to back, alternating which server goes
// first, so drift on a shared machine hits both alike; each round's B/A ratio is the figure.
import { cpus, loadavg } from 'node:os';
import { stopAll, type Child } from './children.js';
import { ensureCompiledRef } from './compile.js';
import { runLoad } from './load.js';
import { ACTION_MODE_TENANT, createServerSetup, startAppChild, startBareChild } from './server-env.js';
import { summarize, type Summary } from './stats.js';
import { BENCH_VALUES, BodyPool, benchUserIds, createTokenMinter, type TokenMinter } from './tokens.js';

const USAGE = `Usage: npx tsx bench/ab.ts [--base REF] [--candidate REF] [--base-env K=V,…] [--env K=V,…] [--rounds N] [--duration S] [--connections N]
  --base         the git ref server A is built from (default HEAD)
  --candidate    the git ref server B is built from (default: this checkout as it is, uncommitted changes too)
  --base-env     extra environment variables of server A (e.g. UV_THREADPOOL_SIZE=2)
  --env          extra environment variables of server B
  --rounds       rounds of (bare, A, B), default 8
  --duration     seconds per load run, default 4
  --connections  autocannon connections, default 20
  --restart      rounds after which both servers restart (their in-memory stores fill up), default 4
Prints each round and the medians (min–max): A/bare, B/bare and B/A.`;

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
const option = (name: string): string | undefined => {
  const index = args.indexOf(`--${name}`);
  return index < 0 ? undefined : args[index + 1];
};
const toEnv = (text: string | undefined): Record<string, string> =>
  Object.fromEntries((text ? text.split(',') : []).map((pair) => pair.split('=', 2) as [string, string]));
const base = option('base') ?? 'HEAD';
const candidate = option('candidate');
const rounds = Number(option('rounds') ?? 8);
const duration = Number(option('duration') ?? 4);
const connections = Number(option('connections') ?? 20);
const restartEvery = Number(option('restart') ?? 4);
const baseEnv = toEnv(option('base-env'));
const env = toEnv(option('env'));
const log = (line: string) => process.stderr.write(`${line}\n`);
const USERS = benchUserIds(1000);

async function topUp(pool: BodyPool, minter: TokenMinter, rate: number): Promise<void> {
  const needed = Math.ceil(rate * duration * 2) + 2000;
  if (pool.remaining < needed) pool.refill(await minter.mintBodies(needed - pool.remaining, USERS, () => BENCH_VALUES));
}

async function main(): Promise<void> {
  const candidateName = candidate ?? 'this checkout';
  log(`A/B: ${base} (A) against ${candidateName} (B); ${cpus().length} cores, load average ${loadavg()[0].toFixed(2)} at start`);
  const compiledBase = await ensureCompiledRef(base);
  const compiledCandidate = candidate === undefined ? undefined : await ensureCompiledRef(candidate);
  const setup = createServerSetup();
  const children: Child[] = [];
  const ratios = { a: [] as number[], b: [] as number[], ba: [] as number[] };
  const rates = { bare: [] as number[], a: [] as number[], b: [] as number[] };
  try {
    const bare = await startBareChild();
    children.push(bare);
    const minter = await createTokenMinter({ secret: setup.sessionTokenSecret, issuer: ACTION_MODE_TENANT.host, lifetimeSeconds: 600 });
    const barePool = BodyPool.cycling(await minter.mintBodies(1000, USERS));
    await runLoad({ origin: bare.origin, pool: barePool, connections, amount: 3000 });
    const pools = { a: new BodyPool(), b: new BodyPool() };
    for (const pool of Object.values(pools)) pool.refillWhenLow(2000, () => minter.mintBodies(2000, USERS));
    const servers: Partial<Record<'a' | 'b', Child>> = {};
    let expected = 0;
    // Both servers afresh, warmed up (the JIT): a store holds 100,000 used T1s at most.
    const startServers = async () => {
      for (const key of ['a', 'b'] as const) {
        const old = servers[key];
        if (old) {
          await stopAll([old]);
          children.splice(children.indexOf(old), 1);
        }
        const server =
          key === 'a'
            ? await startAppChild({ setup, label: `server A (${base})`, compiledDir: compiledBase, extraEnv: baseEnv })
            : await startAppChild({ setup, label: `server B (${candidateName})`, compiledDir: compiledCandidate, extraEnv: env });
        children.push(server);
        servers[key] = server;
        pools[key].refill(await minter.mintBodies(3000, USERS));
        expected = Math.max(expected, (await runLoad({ origin: server.origin, pool: pools[key], connections, amount: 3000 })).requestsPerSecond);
      }
    };
    for (let round = 1; round <= rounds; round += 1) {
      if ((round - 1) % restartEvery === 0) await startServers();
      for (const key of ['a', 'b'] as const) await topUp(pools[key], minter, expected);
      const bareRun = await runLoad({ origin: bare.origin, pool: barePool, connections, duration });
      const order = round % 2 === 1 ? (['a', 'b'] as const) : (['b', 'a'] as const);
      const measured: Record<string, number> = {};
      for (const key of order) {
        const run = await runLoad({ origin: servers[key]!.origin, pool: pools[key], connections, duration });
        if (run.errors > 0) log(`  round ${round}: server ${key.toUpperCase()} answered ${run.errors} non-2xx (${JSON.stringify(run.statusCodes)})`);
        measured[key] = run.requestsPerSecond;
        expected = Math.max(expected, run.requestsPerSecond);
      }
      rates.bare.push(bareRun.requestsPerSecond);
      rates.a.push(measured.a);
      rates.b.push(measured.b);
      ratios.a.push(measured.a / bareRun.requestsPerSecond);
      ratios.b.push(measured.b / bareRun.requestsPerSecond);
      ratios.ba.push(measured.b / measured.a);
      log(
        `  round ${round}/${rounds}: bare ${bareRun.requestsPerSecond.toFixed(0)}, A ${measured.a.toFixed(0)} (${ratios.a.at(-1)!.toFixed(3)}), ` +
          `B ${measured.b.toFixed(0)} (${ratios.b.at(-1)!.toFixed(3)}) req/s; B/A ${ratios.ba.at(-1)!.toFixed(3)}; load ${loadavg()[0].toFixed(2)}`,
      );
    }
  } finally {
    await stopAll(children);
  }
  const show = (label: string, summary: Summary, digits: number) =>
    console.log(`${label.padEnd(22)} median ${summary.median.toFixed(digits)}  (${summary.min.toFixed(digits)}–${summary.max.toFixed(digits)})`);
  console.log(`A = ${base}${Object.keys(baseEnv).length ? ` ${JSON.stringify(baseEnv)}` : ''}; B = ${candidateName}${Object.keys(env).length ? ` ${JSON.stringify(env)}` : ''}; ${rounds} rounds of ${duration} s, ${connections} connections`);
  show('bare req/s', summarize(rates.bare), 0);
  show('A req/s', summarize(rates.a), 0);
  show('B req/s', summarize(rates.b), 0);
  show('A / bare', summarize(ratios.a), 3);
  show('B / bare', summarize(ratios.b), 3);
  show('B / A', summarize(ratios.ba), 3);
  console.log(`load average at the end ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
