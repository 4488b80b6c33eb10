// `npm run bench:soak`: a fixed request rate (default 100/s) for a while (default 60 s) against the
// server (Action-writes mode, in-memory single-use store) with short-lived T1s (default 20 s), so
// used tokens expire and leave the store within the run. Reports errors, latency, and RSS with the
// store's size over time; both must level off. Options: --rate=N --duration=S --lifetime=S --quick.
import { pathToFileURL } from 'node:url';
import { stopAll, type Child } from './children.js';
import { runLoad, type LoadResult } from './load.js';
import { describeMachine, readResults, writeResults } from './results.js';
import { ACTION_MODE_TENANT, createServerSetup, startAppChild } from './server-env.js';
import { formatBytes, judge, renderTable, summarize, type Row } from './stats.js';
import { BodyPool, benchUserIds, createTokenMinter } from './tokens.js';

export interface SoakOptions {
  rate: number;
  duration: number;
  lifetime: number;
  /** Seconds of watching after the load stops (the store's sweep runs every 60 s). */
  coolDown: number;
  log: (line: string) => void;
}

export interface SoakSample {
  /** Seconds since the load started. */
  t: number;
  rss: number;
  heapUsed: number;
  storeSize: number | null;
}

export interface SoakResult {
  rate: number;
  durationSeconds: number;
  lifetimeSeconds: number;
  load: LoadResult;
  samples: SoakSample[];
  storePeak: number;
  /** What the store may hold at this rate: rate × (T1 lifetime + 5 s tolerance + 60 s between sweeps). */
  storeBound: number;
  storeAtEnd: number;
  /** RSS at the end of the load minus RSS half-way through it, bytes. */
  rssLastHalfGrowth: number;
  rssAtHalf: number;
}

const SAMPLE_EVERY_MS = 2_000;
// The memory store sweeps expired entries every 60 s (server/memory-store.ts).
const SWEEP_SECONDS = 60;
const TOLERANCE_SECONDS = 5;

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const setup = createServerSetup();
  const users = benchUserIds(1000);
  const children: Child[] = [];
  let isFeeding = true;
  try {
    const server = await startAppChild({ setup, label: 'server (soak)' });
    children.push(server);
    const minter = await createTokenMinter({ secret: setup.sessionTokenSecret, issuer: ACTION_MODE_TENANT.host, lifetimeSeconds: options.lifetime });
    const pool = new BodyPool();
    pool.refill(await minter.mintBodies(options.rate * 2, users));
    // T1s are minted just ahead of use: a stock minted at the start would expire mid-run.
    const feeder = (async () => {
      while (isFeeding) {
        if (pool.remaining < options.rate * 2) pool.refill(await minter.mintBodies(options.rate, users));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();

    const samples: SoakSample[] = [];
    const started = performance.now();
    const takeSample = async () => {
      const { rss, heapUsed, storeSize } = await server.sample(false);
      samples.push({ t: (performance.now() - started) / 1000, rss, heapUsed, storeSize });
    };
    await takeSample();
    const sampler = setInterval(() => void takeSample(), SAMPLE_EVERY_MS);
    let load: LoadResult;
    try {
      load = await runLoad({ origin: server.origin, pool, connections: 10, duration: options.duration, overallRate: options.rate });
      isFeeding = false;
      await feeder;
      await new Promise((resolve) => setTimeout(resolve, options.coolDown * 1000));
    } finally {
      clearInterval(sampler);
    }
    await takeSample();

    const during = samples.filter((sample) => sample.t <= options.duration + 0.5);
    const half = during.find((sample) => sample.t >= options.duration / 2) ?? during[0];
    const end = during[during.length - 1];
    const sizes = samples.map((sample) => sample.storeSize ?? 0);
    const result: SoakResult = {
      rate: options.rate,
      durationSeconds: options.duration,
      lifetimeSeconds: options.lifetime,
      load,
      samples,
      storePeak: Math.max(...sizes),
      storeBound: options.rate * (options.lifetime + TOLERANCE_SECONDS + SWEEP_SECONDS),
      storeAtEnd: sizes[sizes.length - 1],
      rssLastHalfGrowth: end.rss - half.rss,
      rssAtHalf: half.rss,
    };
    return result;
  } finally {
    isFeeding = false;
    await stopAll(children);
  }
}

export function renderSoak(soak: SoakResult): string {
  const single = (value: number) => summarize([value]);
  const rows: Row[] = [
    { label: `requests at ${soak.rate}/s for ${soak.durationSeconds} s`, summary: single(soak.load.completed), unit: 'requests', target: '—', verdict: 'INFO' },
    { label: 'errors (non-2xx, timeouts)', summary: single(soak.load.errors), unit: 'requests', target: '0', verdict: judge(soak.load.errors, (value) => value === 0) },
    { label: 'latency p50 (machine-dependent)', summary: single(soak.load.latencyP50), unit: 'ms', target: '—', verdict: 'INFO' },
    { label: 'latency p99 (machine-dependent)', summary: single(soak.load.latencyP99), unit: 'ms', target: '—', verdict: 'INFO' },
    {
      label: 'single-use store: peak size',
      summary: single(soak.storePeak),
      unit: 'entries',
      target: `≤ ${soak.storeBound} (rate × (T1 ${soak.lifetimeSeconds} s + 5 s + 60 s sweep))`,
      verdict: judge(soak.storePeak, (value) => value <= soak.storeBound),
    },
    { label: 'single-use store: size at the end', summary: single(soak.storeAtEnd), unit: 'entries', target: '—', verdict: 'INFO' },
    {
      label: 'RSS growth over the last half of the load',
      summary: single(soak.rssLastHalfGrowth / 1_048_576),
      unit: 'MB',
      target: `≤ 5% of RSS (${formatBytes(soak.rssAtHalf * 0.05)})`,
      verdict: judge(soak.rssLastHalfGrowth, (value) => value <= soak.rssAtHalf * 0.05),
      digits: 1,
    },
  ];
  const series = soak.samples
    .filter((sample, index, all) => (index % 5 === 0 || index === all.length - 1) && (index === 0 || sample.t - all[index - 1].t > 0.5))
    .map((sample) => `  t=${sample.t.toFixed(0).padStart(3)} s  RSS ${formatBytes(sample.rss).padStart(9)}  heap ${formatBytes(sample.heapUsed).padStart(8)}  store ${String(sample.storeSize ?? '—').padStart(6)}`);
  return `${renderTable('Soak (single runs: min = median = max)', rows)}\n\nRSS and store size over time:\n${series.join('\n')}`;
}

function readFlag(args: readonly string[], name: string, fallback: number): number {
  const flag = args.find((arg) => arg.startsWith(`--${name}=`));
  if (!flag) return fallback;
  const value = Number(flag.slice(name.length + 3));
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`--${name}: must be a positive number`);
  return value;
}

export function readSoakOptions(args: readonly string[], log: (line: string) => void): SoakOptions {
  const isQuick = args.includes('--quick');
  return {
    rate: readFlag(args, 'rate', 100),
    duration: readFlag(args, 'duration', isQuick ? 15 : 60),
    lifetime: readFlag(args, 'lifetime', isQuick ? 5 : 20),
    coolDown: readFlag(args, 'cool-down', isQuick ? 2 : 10),
    log,
  };
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const options = readSoakOptions(process.argv.slice(2), log);
  log(`Soak: ${options.rate} requests/s for ${options.duration} s, T1 lifetime ${options.lifetime} s …`);
  const soak = await runSoak(options);
  console.log(renderSoak(soak));
  const results = await readResults();
  results.soak = { machine: describeMachine(), ...soak };
  await writeResults(results);
  log('\nWrote bench/results.json (soak).');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
