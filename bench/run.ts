// `npm run bench`: every benchmark of the project, side by side with its yardstick, each figure
// as min / median / max over several runs next to its target. Writes bench/results.json and prints
// the tables. `--quick` is a fast smoke run (fewer, shorter runs); `--soak` adds the soak
// (`npm run bench:soak` runs it alone); `--only widget,server` runs those parts alone (the others
// keep their figures in results.json). `--help` says so. Everything runs on 127.0.0.1 and stops by itself.
import { basename } from 'node:path';
import { benchEconomy, type EconomyResult } from './economy.js';
import { benchHook, type HookBenchResult } from './hook.js';
import { benchMemory, type MemorySeries } from './memory.js';
import { benchProfile, type ProfileResult } from './profile.js';
import { describeMachine, readResults, writeResults } from './results.js';
import { benchServer, type ServerBenchResult } from './server.js';
import { readSoakOptions, renderSoak, runSoak } from './soak.js';
import { formatBytes, judge, renderTable, summarize, type Row, type Summary } from './stats.js';
import { benchWidget, type PageTiming, type WidgetBenchResult } from './widget.js';

const GZIP_BUDGET = 14_336;
const GZIP_AIM = 12_288;
/** The embedded widget: navigation → pp-ready, at most this median; aim the floor plus EMBED_AIM_OVER_FLOOR_MS. */
const EMBED_READY_TARGET_MS = 100;
const EMBED_AIM_OVER_FLOOR_MS = 30;
/** The hosted page against the floor's medians: the form painted within, usable within. */
const HOSTED_PAINT_OVER_FLOOR_MS = 20;
const HOSTED_READY_OVER_FLOOR_MS = 60;
const RATIO_TARGET = 0.25;
const RATIO_AIM = 0.3;
/** "Levels off": the last half of the submits grows RSS by at most this share of it. */
const LEVEL_OFF_SHARE = 0.05;
const PARTS = ['widget', 'server', 'hook', 'stages', 'economy', 'memory'] as const;
type Part = (typeof PARTS)[number];

const USAGE = `Usage: npx tsx bench/run.ts [--quick] [--soak] [--only PART[,PART…]] [--form FILE]
  --quick   a fast smoke run: fewer, shorter runs
  --soak    adds the 60 s soak (npm run bench:soak runs it alone)
  --only    runs these parts alone: ${PARTS.join(', ')}; the others keep their figures in bench/results.json
  --form    the fields file the server under test (and the floor) shows, instead of demo/fields.json;
            its widget figures are kept apart, under widgetForms.NAME (e.g. --form bench/fields-revision-1.json)
Writes bench/results.json and prints the tables.`;

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
const isQuick = args.includes('--quick');
const formIndex = args.findIndex((arg) => arg === '--form' || arg.startsWith('--form='));
const formValue = formIndex < 0 ? undefined : args[formIndex].startsWith('--form=') ? args[formIndex].slice(7) : args[formIndex + 1];
if (formIndex >= 0 && !formValue) {
  console.error(`--form needs a fields file\n${USAGE}`);
  process.exit(2);
}
// Read by bench/server-env.ts when a server starts.
if (formValue) process.env.BENCH_FIELDS_FILE = formValue;
const formName = formValue ? basename(formValue, '.json') : undefined;
const withSoak = args.includes('--soak');
const onlyIndex = args.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
const onlyValue = onlyIndex < 0 ? undefined : args[onlyIndex].startsWith('--only=') ? args[onlyIndex].slice(7) : args[onlyIndex + 1];
const parts = new Set<string>(onlyValue === undefined ? PARTS : onlyValue.split(','));
for (const part of parts) {
  if (!(PARTS as readonly string[]).includes(part)) {
    console.error(`--only: unknown part "${part}"\n${USAGE}`);
    process.exit(2);
  }
}
const runs = (part: Part) => parts.has(part);
const log = (line: string) => process.stderr.write(`${line}\n`);

const plan = isQuick
  ? {
      widget: { runs: 2 },
      server: { runs: 1, duration: 2, warmup: 500, managementWarmup: 200, connections: 20 },
      hook: { submits: 100, warmup: 20 },
      profile: { duration: 2, warmup: 500, managementWarmup: 200, connections: 20, rounds: 2, calls: 200 },
      economy: { runs: 1, submits: 1000, freeTierRuns: 1, users: 20, connections: 20 },
      memory: { runs: 1, step: 1000, total: 3000, connections: 20 },
    }
  : {
      widget: { runs: 20 },
      server: { runs: 3, duration: 5, warmup: 3000, managementWarmup: 500, connections: 20 },
      hook: { submits: 1000, warmup: 100 },
      profile: { duration: 5, warmup: 2000, managementWarmup: 500, connections: 20, rounds: 5, calls: 1000 },
      economy: { runs: 3, submits: 1000, freeTierRuns: 3, users: 20, connections: 20 },
      memory: { runs: 3, step: 1000, total: 10_000, connections: 20 },
    };

async function main(): Promise<void> {
  const started = performance.now();
  const machine = describeMachine();
  log(`Progressive Profile benchmarks${isQuick ? ' (quick smoke run: fewer, shorter runs)' : ''}${onlyValue ? ` (only ${[...parts].join(', ')})` : ''}`);
  if (formName) log(`Form under test: ${formValue}`);
  log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadAverageAtStart} at start`);
  log('Absolute times and rates depend on this machine and on whatever else runs on it.\n');

  let step = 0;
  const announce = (text: string) => log(`${(step += 1)}/${parts.size} ${text}`);
  if (runs('widget')) announce('widget: bytes, and the floor, the hosted page and the embedded page in headless Chromium …');
  const widget = runs('widget') ? await benchWidget({ ...plan.widget, log }) : undefined;
  if (runs('server')) announce('server: POST /submit throughput against a bare Fastify route …');
  const server = runs('server') ? await benchServer({ ...plan.server, log }) : undefined;
  if (runs('hook')) announce('hook: the validation hook’s added latency, one submit at a time …');
  const hook = runs('hook') ? await benchHook({ ...plan.hook, log }) : undefined;
  if (runs('stages')) announce('stages: CPU profile of the server under load, and each stage alone …');
  const profile = runs('stages') ? await benchProfile({ ...plan.profile, log }) : undefined;
  if (runs('economy')) announce('Management API economy, and the free tier’s 2 requests/s …');
  const economy = runs('economy') ? await benchEconomy({ ...plan.economy, log }) : undefined;
  if (runs('memory')) announce(`server memory over ${plan.memory.total.toLocaleString('en-US')} submits …`);
  const memory = runs('memory') ? await benchMemory({ ...plan.memory, log }) : undefined;
  const soak = withSoak ? await runSoak(readSoakOptions(args, log)) : undefined;

  const tables = [
    widget && renderWidget(widget),
    server && renderServer(server),
    hook && renderHook(hook),
    profile && renderStages(profile),
    economy && renderEconomy(economy),
    memory && renderMemory(memory),
    soak && renderSoak(soak),
  ].filter(Boolean);
  console.log(tables.join('\n'));

  const previous = await readResults();
  await writeResults({
    ...previous,
    machine,
    quick: isQuick,
    ...(onlyValue ? { only: [...parts] } : { only: undefined }),
    totalSeconds: (performance.now() - started) / 1000,
    ...(widget && !formName ? { widget: summarizeWidget(widget) } : {}),
    ...(widget && formName ? { widgetForms: { ...(previous.widgetForms as object | undefined), [formName]: summarizeWidget(widget) } } : {}),
    ...(server ? { server: summarizeServer(server) } : {}),
    ...(hook ? { hook } : {}),
    ...(profile ? { stages: profile } : {}),
    ...(economy ? { economy: summarizeEconomy(economy) } : {}),
    ...(memory ? { memory: summarizeMemory(memory) } : {}),
    // A soak run alone (`npm run bench:soak`) keeps its figures until the next soak.
    ...(soak ? { soak: { machine, ...soak } } : {}),
  });
  log(`\nWrote bench/results.json in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
}

function single(value: number): Summary {
  return summarize([value]);
}

function summarizeWidget(widget: WidgetBenchResult) {
  const pick = (timings: PageTiming[], key: keyof PageTiming) => summarize(timings.map((run) => run[key] ?? Number.NaN));
  const floorPaint = pick(widget.floor, 'formPaintMs');
  const floorReady = pick(widget.floor, 'readyMs');
  const hostedPaint = pick(widget.hosted, 'formPaintMs');
  const hostedReady = pick(widget.hosted, 'readyMs');
  const embeddedReady = pick(widget.embedded, 'readyMs');
  // Each load against the floor's load of the same run (next to it in time): less of the machine's drift.
  const overFloor = (timings: PageTiming[], key: 'formPaintMs' | 'readyMs', floorKey: 'formPaintMs' | 'readyMs') =>
    summarize(timings.map((run, index) => run[key] - widget.floor[index][floorKey]));
  return {
    build: widget.build,
    bytes: widget.bytes,
    bundle: { ...widget.bytes.bundle, budgetGzip: GZIP_BUDGET, aimGzip: GZIP_AIM },
    floor: { formPaintMs: floorPaint, readyMs: floorReady },
    hosted: {
      formPaintMs: hostedPaint,
      readyMs: hostedReady,
      formPaintOverFloorMs: overFloor(widget.hosted, 'formPaintMs', 'formPaintMs'),
      readyOverFloorMs: overFloor(widget.hosted, 'readyMs', 'readyMs'),
      htmlMs: pick(widget.hosted, 'htmlMs'),
      scriptLoadedMs: pick(widget.hosted, 'scriptLoadedMs'),
      definedMs: pick(widget.hosted, 'definedMs'),
    },
    embedded: {
      readyMs: embeddedReady,
      readyOverFloorMs: overFloor(widget.embedded, 'readyMs', 'readyMs'),
      formPaintMs: pick(widget.embedded, 'formPaintMs'),
      scriptLoadedMs: pick(widget.embedded, 'scriptLoadedMs'),
      definedMs: pick(widget.embedded, 'definedMs'),
      formLoadedMs: pick(widget.embedded, 'formLoadedMs'),
    },
    runs: { floor: widget.floor, hosted: widget.hosted, embedded: widget.embedded },
  };
}

function renderWidget(widget: WidgetBenchResult): string {
  const figures = summarizeWidget(widget);
  const { bytes, floor, hosted, embedded } = figures;
  const info = (label: string, summary: Summary, unit = 'ms', digits = 1): Row => ({ label, summary, unit, target: '—', verdict: 'INFO', digits });
  const size = (label: string, sizes: { gzip: number; raw: number; brotli: number }): Row => ({
    label: `${label} (${sizes.raw.toLocaleString('en-US')} B, brotli ${sizes.brotli.toLocaleString('en-US')} B)`,
    summary: single(sizes.gzip),
    unit: 'B gzip',
    target: '—',
    verdict: 'INFO',
  });
  // A time judged against `limit` by its median.
  const atMost = (label: string, summary: Summary, target: string, limit: number): Row => ({
    label,
    summary,
    unit: 'ms',
    target,
    verdict: judge(summary.median, (value) => value <= limit),
    digits: 1,
  });
  const paintLimit = floor.formPaintMs.median + HOSTED_PAINT_OVER_FLOOR_MS;
  const readyLimit = floor.readyMs.median + HOSTED_READY_OVER_FLOOR_MS;
  const embedAim = floor.readyMs.median + EMBED_AIM_OVER_FLOOR_MS;
  const rows: Row[] = [
    {
      ...size('embed bundle progressive-profile.js', bytes.bundle),
      target: `≤ ${GZIP_BUDGET} (aim ${GZIP_AIM})`,
      verdict: judge(bytes.bundle.gzip, (value) => value <= GZIP_BUDGET),
    },
    size('  its phone chunk, tel forms only', bytes.phoneChunk),
    size('hosted page script progressive-profile-hosted.js', bytes.hostedScript),
    size('hosted page HTML, form rendered in', bytes.hostedHtml),
    size('  of which the element styles, inline', bytes.elementStyles),
    size('  of which the page styles, inline', bytes.pageStyles),
    info('floor (plain HTML): navigation → form painted', floor.formPaintMs),
    info('floor (plain HTML): navigation → DOMContentLoaded (usable)', floor.readyMs),
    atMost('hosted page: navigation → form painted', hosted.formPaintMs, `≤ floor + ${HOSTED_PAINT_OVER_FLOOR_MS} (${paintLimit.toFixed(1)})`, paintLimit),
    atMost('hosted page: navigation → usable (pp-ready, hydrated)', hosted.readyMs, `≤ floor + ${HOSTED_READY_OVER_FLOOR_MS} (${readyLimit.toFixed(1)})`, readyLimit),
    atMost('  minus the floor, load by load', hosted.formPaintOverFloorMs, `≤ ${HOSTED_PAINT_OVER_FLOOR_MS}`, HOSTED_PAINT_OVER_FLOOR_MS),
    info('  of which: HTML received at', hosted.htmlMs),
    info('  of which: script received at', hosted.scriptLoadedMs),
    info('  of which: element defined (script run) at', hosted.definedMs),
    atMost('  usable minus the floor, load by load', hosted.readyOverFloorMs, `≤ ${HOSTED_READY_OVER_FLOOR_MS}`, HOSTED_READY_OVER_FLOOR_MS),
    atMost('embedded page: navigation → pp-ready', embedded.readyMs, `≤ ${EMBED_READY_TARGET_MS} (aim floor + ${EMBED_AIM_OVER_FLOOR_MS}: ${embedAim.toFixed(1)})`, EMBED_READY_TARGET_MS),
    atMost('  minus the floor, load by load', embedded.readyOverFloorMs, `aim ≤ ${EMBED_AIM_OVER_FLOOR_MS}`, EMBED_AIM_OVER_FLOOR_MS),
    info('  of which: bundle received at', embedded.scriptLoadedMs),
    info('  of which: element defined (bundle run) at', embedded.definedMs),
    info('  of which: GET /form answered at', embedded.formLoadedMs),
  ];
  const note = widget.build.note ? `\n(${widget.build.note})` : '';
  return `${renderTable(`1. Widget, ${formName ? `the form ${formValue}` : 'the demo form (demo/fields.json)'} (${widget.hosted.length} cold loads of each page in headless Chromium, the cache disabled; times machine-dependent)`, rows)}${note}`;
}

function summarizeServer(server: ServerBenchResult) {
  const pick = (runs: ServerBenchResult['bare']) => ({
    requestsPerSecond: summarize(runs.map((run) => run.requestsPerSecond)),
    latencyP50Ms: summarize(runs.map((run) => run.latencyP50)),
    latencyP99Ms: summarize(runs.map((run) => run.latencyP99)),
    serverCpuPercent: summarize(runs.map((run) => run.serverCpuPercent)),
    loadGeneratorCpuPercent: summarize(runs.map((run) => run.loadGeneratorCpuPercent)),
    emulatorCpuPercent: summarize(runs.flatMap((run) => (run.emulatorCpuPercent === undefined ? [] : [run.emulatorCpuPercent]))),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    runs,
  });
  return {
    connections: server.connections,
    durationSeconds: server.durationSeconds,
    bare: pick(server.bare),
    actionWrites: pick(server.action),
    managementApi: pick(server.management),
    ratioActionToBare: summarize(server.ratios),
    ratioManagementToBare: summarize(server.managementRatios),
  };
}

function renderServer(server: ServerBenchResult): string {
  const figures = summarizeServer(server);
  const rows: Row[] = [];
  const add = (name: string, mode: ReturnType<typeof summarizeServer>['bare'], hasErrorsTarget: boolean) => {
    rows.push(
      { label: `${name}: throughput`, summary: mode.requestsPerSecond, unit: 'req/s', target: '—', verdict: 'INFO' },
      { label: `${name}: latency p50`, summary: mode.latencyP50Ms, unit: 'ms', target: '—', verdict: 'INFO' },
      { label: `${name}: latency p99`, summary: mode.latencyP99Ms, unit: 'ms', target: '—', verdict: 'INFO' },
      { label: `${name}: CPU of the server process`, summary: mode.serverCpuPercent, unit: '% core', target: '—', verdict: 'INFO' },
      { label: `${name}: CPU of autocannon`, summary: mode.loadGeneratorCpuPercent, unit: '% core', target: '—', verdict: 'INFO' },
    );
    if (mode.emulatorCpuPercent.runs.length > 0) {
      rows.push({ label: `${name}: CPU of the emulator`, summary: mode.emulatorCpuPercent, unit: '% core', target: '—', verdict: 'INFO' });
    }
    if (hasErrorsTarget) {
      rows.push({ label: `${name}: non-2xx and errors`, summary: single(mode.errors), unit: 'requests', target: '0', verdict: judge(mode.errors, (value) => value === 0) });
    }
  };
  add('bare Fastify route', figures.bare, false);
  add('submit, Action writes', figures.actionWrites, true);
  rows.push({
    label: 'ratio submit (Action writes) / bare',
    summary: figures.ratioActionToBare,
    unit: '×',
    target: `≥ ${RATIO_TARGET} (aim ${RATIO_AIM})`,
    verdict: judge(figures.ratioActionToBare.median, (value) => value >= RATIO_TARGET),
    digits: 2,
  });
  add('submit, Management API (emulator)', figures.managementApi, true);
  rows.push({ label: 'ratio submit (Management API) / bare', summary: figures.ratioManagementToBare, unit: '×', target: '—', verdict: 'INFO', digits: 2 });
  return renderTable(
    `2. Server (autocannon, ${server.connections} connections, ${server.durationSeconds} s per run, ${server.action.length} runs; server in its own process; rates machine-dependent)`,
    rows,
  );
}

function renderHook(hook: HookBenchResult): string {
  const rows: Row[] = [
    { label: 'submit without a hook: latency p50', summary: single(hook.withoutHook.p50), unit: 'ms', target: '—', verdict: 'INFO', digits: 2 },
    { label: 'submit without a hook: latency p99', summary: single(hook.withoutHook.p99), unit: 'ms', target: '—', verdict: 'INFO', digits: 2 },
    { label: 'submit with the validation hook: latency p50', summary: single(hook.withHook.p50), unit: 'ms', target: '—', verdict: 'INFO', digits: 2 },
    { label: 'submit with the validation hook: latency p99', summary: single(hook.withHook.p99), unit: 'ms', target: '—', verdict: 'INFO', digits: 2 },
    { label: 'added by the hook, p50', summary: single(hook.addedP50Ms), unit: 'ms', target: '—', verdict: 'INFO', digits: 2 },
    {
      label: 'hook calls verified by the receiver',
      summary: single(hook.hookCalls),
      unit: 'calls',
      target: `${hook.submits} or more`,
      verdict: judge(hook.hookCalls, (value) => value >= hook.submits),
    },
  ];
  return renderTable(
    `2b. Validation hook (${hook.submits} submits to each server, one at a time, interleaved; the demo's receiver on loopback; times machine-dependent)`,
    rows,
  );
}

function renderStages(profile: ProfileResult): string {
  const lines: string[] = [];
  const percent = (share: number | undefined) => (share === undefined ? '—' : `${(share * 100).toFixed(1)}%`);
  const actionShares = new Map(profile.action.stages.map((stage) => [stage.name, stage.share]));
  const managementShares = new Map(profile.management.stages.map((stage) => [stage.name, stage.share]));
  const names = [...new Set([...actionShares.keys(), ...managementShares.keys()])];
  const width = Math.max(...names.map((name) => name.length));
  lines.push(
    `\n3. Where a submit's CPU goes (the server's main thread, sampled every 250 µs during one load run; share of busy time)`,
    `${'stage'.padEnd(width)}  Action writes  Management API`,
    `${'-'.repeat(width)}  -------------  --------------`,
  );
  for (const name of names) lines.push(`${name.padEnd(width)}  ${percent(actionShares.get(name)).padStart(13)}  ${percent(managementShares.get(name)).padStart(14)}`);
  lines.push(
    `(while profiled: ${profile.action.requestsPerSecond.toFixed(0)} and ${profile.management.requestsPerSecond.toFixed(0)} req/s; busy ${profile.action.busyMs.toFixed(0)} and ${profile.management.busyMs.toFixed(0)} ms of ${profile.action.profiledMs.toFixed(0)} and ${profile.management.profiledMs.toFixed(0)} ms)`,
    '',
    'Top functions by self time, Action writes:',
    ...profile.action.functions.slice(0, 8).map((fn) => `  ${percent(fn.share).padStart(6)}  ${fn.name}`),
  );
  const rows: Row[] = profile.micro.map((stage) => ({ label: stage.name, summary: stage.microsPerCall, unit: 'µs/call', target: '—', verdict: 'INFO', digits: 1 }));
  lines.push(renderTable('Each stage alone, awaited one call at a time in one process (machine-dependent)', rows));
  return lines.join('\n');
}

function summarizeEconomy(economy: EconomyResult) {
  return {
    requestsPerSubmit: summarize(economy.economy.map((run) => run.requestsPerSubmit)),
    tokenRequestsPer1000Submits: summarize(economy.economy.map((run) => run.tokenRequestsPer1000)),
    errors: economy.economy.reduce((sum, run) => sum + run.errors, 0),
    freeTier: {
      submitsPerSecond: summarize(economy.freeTier.map((run) => run.submitsPerSecond)),
      secondsForAll: summarize(economy.freeTier.map((run) => run.seconds)),
      retries: summarize(economy.freeTier.map((run) => run.retries)),
      apiRequestsPerSubmit: summarize(economy.freeTier.map((run) => run.apiRequests / Math.max(1, run.completed))),
      lost: economy.freeTier.reduce((sum, run) => sum + run.lost + (run.users - run.completed), 0),
      failures: economy.freeTier.reduce((sum, run) => sum + run.failures, 0),
    },
    runs: economy,
  };
}

function renderEconomy(economy: EconomyResult): string {
  const figures = summarizeEconomy(economy);
  const submits = economy.economy[0]?.submits ?? 0;
  const users = economy.freeTier[0]?.users ?? 0;
  const rows: Row[] = [
    {
      label: 'Management API requests per submit',
      summary: figures.requestsPerSubmit,
      unit: 'requests',
      target: '1',
      verdict: judge(figures.requestsPerSubmit.max, (value) => value <= 1),
      digits: 2,
    },
    {
      label: 'token requests per 1,000 submits',
      summary: figures.tokenRequestsPer1000Submits,
      unit: 'requests',
      target: '≤ 1',
      verdict: judge(figures.tokenRequestsPer1000Submits.max, (value) => value <= 1),
      digits: 2,
    },
    { label: 'non-2xx and errors', summary: single(figures.errors), unit: 'requests', target: '0', verdict: judge(figures.errors, (value) => value === 0) },
    { label: `free tier: ${users} users, submits completed per second`, summary: figures.freeTier.submitsPerSecond, unit: 'submits/s', target: '— (limit 2/s)', verdict: 'INFO', digits: 2 },
    { label: 'free tier: seconds until every user got through', summary: figures.freeTier.secondsForAll, unit: 's', target: '—', verdict: 'INFO', digits: 1 },
    { label: 'free tier: 503s waited out and retried', summary: figures.freeTier.retries, unit: 'answers', target: '—', verdict: 'INFO' },
    { label: 'free tier: API requests per submit (429s included)', summary: figures.freeTier.apiRequestsPerSubmit, unit: 'requests', target: '—', verdict: 'INFO', digits: 1 },
    {
      label: 'free tier: users lost (no 200, or values missing)',
      summary: single(figures.freeTier.lost + figures.freeTier.failures),
      unit: 'users',
      target: '0',
      verdict: judge(figures.freeTier.lost + figures.freeTier.failures, (value) => value === 0),
    },
  ];
  return renderTable(
    `4. Management API economy (emulator's counters; ${economy.economy.length} runs of ${submits} submits, each on a fresh server; ${economy.freeTier.length} free-tier runs)`,
    rows,
  );
}

function summarizeMemory(memory: MemorySeries[]) {
  const count = memory[0]?.points.length ?? 0;
  const series = Array.from({ length: count }, (_, index) => ({
    submits: memory[0].points[index].submits,
    rss: summarize(memory.map((run) => run.points[index].rss)),
    heapUsedAfterGc: summarize(memory.map((run) => run.points[index].heapUsed)),
    storeSize: memory[0].points[index].storeSize,
  }));
  return {
    series,
    lastHalfGrowth: summarize(memory.map((run) => run.lastHalfGrowth)),
    firstHalfGrowth: summarize(memory.map((run) => run.firstHalfGrowth)),
    errors: memory.reduce((sum, run) => sum + run.errors, 0),
    runs: memory,
  };
}

function renderMemory(memory: MemorySeries[]): string {
  const figures = summarizeMemory(memory);
  const toMb = (summary: Summary): Summary => ({
    min: summary.min / 1_048_576,
    median: summary.median / 1_048_576,
    max: summary.max / 1_048_576,
    runs: summary.runs.map((value) => value / 1_048_576),
  });
  const total = figures.series[figures.series.length - 1]?.submits ?? 0;
  const half = figures.series.find((point) => point.submits >= total / 2);
  const rows: Row[] = figures.series.map((point) => ({
    label: `RSS after ${point.submits.toLocaleString('en-US')} submits (store ${point.storeSize ?? '—'} entries)`,
    summary: toMb(point.rss),
    unit: 'MB',
    target: '—',
    verdict: 'INFO',
    digits: 1,
  }));
  const allowed = (half?.rss.median ?? 0) * LEVEL_OFF_SHARE;
  rows.push(
    { label: 'RSS growth, first half', summary: toMb(figures.firstHalfGrowth), unit: 'MB', target: '—', verdict: 'INFO', digits: 1 },
    {
      label: 'RSS growth, last half',
      summary: toMb(figures.lastHalfGrowth),
      unit: 'MB',
      target: `levels off: ≤ ${LEVEL_OFF_SHARE * 100}% of RSS (${formatBytes(allowed)})`,
      verdict: judge(figures.lastHalfGrowth.median, (value) => value <= allowed),
      digits: 1,
    },
    { label: 'non-2xx and errors', summary: single(figures.errors), unit: 'requests', target: '0', verdict: judge(figures.errors, (value) => value === 0) },
  );
  return renderTable(
    `5. Server memory (Action writes, in-memory single-use store, T1s live 600 s so every used one stays stored; ${memory.length} series)`,
    rows,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
