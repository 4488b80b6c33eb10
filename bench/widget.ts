// The widget: the bytes each page loads, and three pages side by side in one run, each load cold
// (a fresh browser context, the cache disabled) in headless Chromium, timed as bench/page-timing.ts
// describes:
// - the floor: the same form as plain HTML without JavaScript, in the same page chrome;
// - the server's hosted page (GET /?state&session_token): the form rendered on the server, then
//   hydrated by its script: first paint of the form, and usable (`pp-ready`);
// - a site owner's page embedding the bundle from the server on another origin (as the README
//   shows it, GET /form preloaded): navigation → `pp-ready`.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test/support/browser.js';
import { stopAll, type Child } from './children.js';
import { COMPILED_DIR, ensureCompiled, useWidgetBundle } from './compile.js';
import { startEmbedPageServer, type EmbedPageServer } from './embed-page.js';
import { measurePage, type PageKind, type PageTiming } from './page-timing.js';
import { ACTION_MODE_TENANT, createServerSetup, startAppChild } from './server-env.js';
import { benchUserIds, createTokenMinter } from './tokens.js';

export type { PageTiming } from './page-timing.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
// Where a fresh build goes when dist/ is stale: dist/ is `npm run build`'s, not the benchmark's.
const FRESH_BUILD_DIR = join(ROOT, 'node_modules/.cache/pp-bench-widget');
const BUILT_FILES = ['progressive-profile.js', 'progressive-profile-hosted.js', 'progressive-profile-ssr.js'];

export interface WidgetBenchOptions {
  runs: number;
  log: (line: string) => void;
}

export interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}

export interface WidgetBenchResult {
  /** Where the measured build came from, and why when it is not dist/. */
  build: { directory: string; note?: string };
  /** What each page loads from the server, as served (the HTML of the hosted page with a T1 of the run). */
  bytes: {
    bundle: Sizes;
    phoneChunk: Sizes;
    hostedScript: Sizes;
    hostedHtml: Sizes;
    elementStyles: Sizes;
    pageStyles: Sizes;
  };
  floor: PageTiming[];
  hosted: PageTiming[];
  embedded: PageTiming[];
}

export async function benchWidget(options: WidgetBenchOptions): Promise<WidgetBenchResult> {
  const build = findCurrentBuild();
  if (build.note) options.log(`  ${build.note}`);
  useWidgetBundle(join(build.directory, 'progressive-profile.js'));
  // The children run the compiled server, which finds the hosted page's parts in dist/ beside it.
  await ensureCompiled();
  await mkdir(join(COMPILED_DIR, 'dist'), { recursive: true });
  for (const name of BUILT_FILES.slice(1)) await copyFile(join(build.directory, name), join(COMPILED_DIR, 'dist', name));

  const setup = createServerSetup();
  const children: Child[] = [];
  let embedPage: EmbedPageServer | undefined;
  let browser: Browser | undefined;
  try {
    embedPage = await startEmbedPageServer();
    const server = await startAppChild({
      setup,
      label: 'server (widget pages)',
      extraEnv: { BENCH_PLAIN_PAGE: '1', ALLOWED_ORIGINS: embedPage.origin },
    });
    children.push(server);
    embedPage.setServerOrigin(server.origin);
    const minter = await createTokenMinter({ secret: setup.sessionTokenSecret, issuer: ACTION_MODE_TENANT.host, lifetimeSeconds: 600 });
    const tokens = await minter.mint(options.runs + 1, benchUserIds(options.runs + 1, 'widget'));
    const hostedUrl = (run: number) => `${server.origin}/?state=${run}-bench-state&session_token=${tokens[run]}`;
    const urls: Record<PageKind, (run: number) => string> = {
      floor: () => `http://127.0.0.1:${server.plainPort}/`,
      hosted: hostedUrl,
      embedded: (run) => `${embedPage!.origin}/?state=${run}-bench-state&session_token=${tokens[run]}`,
    };
    const bytes = await measureBytes(server.origin, hostedUrl(0), build.directory);
    browser = await launchChromium();

    const timings: Record<PageKind, PageTiming[]> = { floor: [], hosted: [], embedded: [] };
    const kinds: PageKind[] = ['floor', 'hosted', 'embedded'];
    // Run 0 warms the browser process up (its caches stay per context, so every run is cold). The
    // order turns from run to run, so that no page always follows the same one.
    for (let run = 0; run <= options.runs; run += 1) {
      for (let index = 0; index < kinds.length; index += 1) {
        const kind = kinds[(run + index) % kinds.length];
        const timing = await measurePage(browser, urls[kind](run), kind);
        if (run > 0) timings[kind].push(timing);
      }
    }
    return { build: { directory: relative(ROOT, build.directory) || '.', ...(build.note ? { note: build.note } : {}) }, bytes, ...timings };
  } finally {
    await browser?.close();
    await stopAll(children);
    await embedPage?.close();
  }
}

/** Each file as the server serves it (uncompressed), and its gzip -9 and brotli sizes. */
async function measureBytes(origin: string, hostedUrl: string, buildDirectory: string): Promise<WidgetBenchResult['bytes']> {
  const get = async (url: string): Promise<Sizes> => {
    const response = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    if (!response.ok) throw new Error(`GET ${new URL(url).pathname}: ${response.status}`);
    return measure(Buffer.from(await response.arrayBuffer()));
  };
  return {
    bundle: await get(`${origin}/progressive-profile.js`),
    // Loaded by the embed bundle for forms with a tel field only (none here), from the build.
    phoneChunk: measure(await readFile(join(buildDirectory, 'progressive-profile-calling-codes.js'))),
    hostedScript: await get(`${origin}/progressive-profile-hosted.js`),
    hostedHtml: await get(hostedUrl),
    elementStyles: await get(`${origin}/progressive-profile.css`),
    pageStyles: await get(`${origin}/hosted-page.css`),
  };
}

function measure(source: Buffer): Sizes {
  return {
    raw: source.length,
    gzip: gzipSync(source, { level: 9 }).length,
    brotli: brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/**
 * dist/ when its three widget files are newer than the widget's sources; else a fresh `vite build`
 * (as `npm run build:widget` runs it) into node_modules/.cache. A failed build falls back to dist/, said so.
 */
function findCurrentBuild(): { directory: string; note?: string } {
  const newestSource = Math.max(
    ...['widget', 'common'].flatMap((directory) => newestMtimes(join(ROOT, directory))),
    statSync(join(ROOT, 'vite.config.ts')).mtimeMs,
  );
  const builtTime = Math.min(
    ...BUILT_FILES.map((name) => {
      try {
        return statSync(join(DIST, name)).mtimeMs;
      } catch {
        return 0;
      }
    }),
  );
  if (builtTime >= newestSource) return { directory: DIST };
  const build = spawnSync(join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error', '--outDir', FRESH_BUILD_DIR], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (build.status === 0) return { directory: FRESH_BUILD_DIR, note: 'dist/ is older than the widget sources: measured a fresh vite build' };
  if (builtTime === 0) throw new Error(`vite build failed and dist/ lacks the widget's files:\n${build.stderr}`);
  return { directory: DIST, note: 'dist/ is older than the widget sources and vite build failed: measured the older dist/ build' };
}

function newestMtimes(directory: string): number[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs);
}
