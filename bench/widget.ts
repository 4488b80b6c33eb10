// The widget: bundle bytes (minified, gzip -9, brotli) against the budget, and the time from
// navigation start to a usable form in headless Chromium, measured inside the page: the real
// server's hosted page (GET /?state&session_token, which embeds the widget) until `pp-ready`,
// against a plain HTML form with the same fields and no JavaScript (the floor) until its first
// input exists at DOMContentLoaded. Each run gets a fresh browser context with the cache disabled.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test/support/browser.js';
import { stopAll, type Child } from './children.js';
import { useWidgetBundle } from './compile.js';
import { ACTION_MODE_TENANT, createServerSetup, startAppChild } from './server-env.js';
import { benchUserIds, createTokenMinter } from './tokens.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST_BUNDLE = join(ROOT, 'dist/progressive-profile.js');
// Where a fresh build goes when dist/ is stale: dist/ is `npm run build`'s, not the benchmark's.
const FRESH_BUILD_DIR = join(ROOT, 'node_modules/.cache/pp-bench-widget');

export interface WidgetBenchOptions {
  runs: number;
  log: (line: string) => void;
}

export interface PageTiming {
  /** ms from navigation start: `pp-ready` (widget) or DOMContentLoaded with the form present (plain). */
  readyMs: number;
  domContentLoadedMs: number;
  loadMs: number;
  /** Widget only: when the bundle and GET /form finished downloading. */
  bundleLoadedMs?: number;
  formLoadedMs?: number;
}

export interface WidgetBenchResult {
  bundle: { minified: number; gzip: number; brotli: number; source: string; note?: string };
  widget: PageTiming[];
  plain: PageTiming[];
}

export async function benchWidget(options: WidgetBenchOptions): Promise<WidgetBenchResult> {
  const build = findCurrentBundle();
  if (build.note) options.log(`  ${build.note}`);
  useWidgetBundle(build.path);
  const source = readFileSync(build.path);
  const bundle = {
    minified: source.length,
    gzip: gzipSync(source, { level: 9 }).length,
    brotli: brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    source: relative(ROOT, build.path),
    ...(build.note ? { note: build.note } : {}),
  };

  const setup = createServerSetup();
  const children: Child[] = [];
  let browser: Browser | undefined;
  try {
    const server = await startAppChild({ setup, label: 'server (widget page)', extraEnv: { BENCH_PLAIN_PAGE: '1' } });
    children.push(server);
    const minter = await createTokenMinter({ secret: setup.sessionTokenSecret, issuer: ACTION_MODE_TENANT.host, lifetimeSeconds: 600 });
    const tokens = await minter.mint(options.runs + 1, benchUserIds(options.runs + 1, 'widget'));
    const plainUrl = `http://127.0.0.1:${server.plainPort}/`;
    browser = await launchChromium();

    const widget: PageTiming[] = [];
    const plain: PageTiming[] = [];
    // Run 0 warms the browser process up (its caches stay per context, so every run is cold).
    for (let run = 0; run <= options.runs; run += 1) {
      const widgetUrl = `${server.origin}/?state=${run}-bench-state&session_token=${tokens[run]}`;
      const widgetTiming = await measurePage(browser, widgetUrl, 'widget');
      const plainTiming = await measurePage(browser, plainUrl, 'plain');
      if (run === 0) continue;
      widget.push(widgetTiming);
      plain.push(plainTiming);
    }
    return { bundle, widget, plain };
  } finally {
    await browser?.close();
    await stopAll(children);
  }
}

async function measurePage(browser: Browser, url: string, kind: 'widget' | 'plain'): Promise<PageTiming> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    // Runs before any script of the page (CDP injection, so the hosted page's CSP does not apply).
    await page.addInitScript(() => {
      const marks: Record<string, number | boolean> = {};
      (window as unknown as { __ppBench: typeof marks }).__ppBench = marks;
      document.addEventListener('pp-ready', () => (marks.ready ??= performance.now()), { capture: true });
      document.addEventListener('DOMContentLoaded', () => {
        marks.domContentLoaded = performance.now();
        marks.hasPlainInput = document.querySelector('form input') !== null;
      });
    });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => {
      const marks = (window as unknown as { __ppBench: Record<string, unknown> }).__ppBench;
      return marks.domContentLoaded !== undefined && (marks.ready !== undefined || marks.hasPlainInput === true);
    }, undefined, { timeout: 15_000 });
    const measured = await page.evaluate(() => {
      const marks = (window as unknown as { __ppBench: Record<string, number | boolean | undefined> }).__ppBench;
      const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      const element = document.querySelector('progressive-profile');
      return {
        ready: marks.ready as number | undefined,
        domContentLoaded: marks.domContentLoaded as number,
        hasPlainInput: marks.hasPlainInput === true,
        load: navigation.loadEventEnd,
        widgetInputs: element?.shadowRoot?.querySelectorAll('input, select').length ?? 0,
        bundle: resources.find((entry) => entry.name.endsWith('/progressive-profile.js'))?.responseEnd,
        form: resources.find((entry) => new URL(entry.name).pathname === '/form')?.responseEnd,
        transferSizes: resources.map((entry) => entry.transferSize),
      };
    });
    if (kind === 'widget') {
      if (measured.ready === undefined || measured.widgetInputs === 0) throw new Error('the widget never showed a usable form');
      if (measured.transferSizes.some((size) => size === 0)) throw new Error('a resource came from a cache: the run was not cold');
      return {
        readyMs: measured.ready,
        domContentLoadedMs: measured.domContentLoaded,
        loadMs: measured.load,
        bundleLoadedMs: measured.bundle,
        formLoadedMs: measured.form,
      };
    }
    if (!measured.hasPlainInput) throw new Error('the plain page had no input at DOMContentLoaded');
    return { readyMs: measured.domContentLoaded, domContentLoadedMs: measured.domContentLoaded, loadMs: measured.load };
  } finally {
    await context.close();
  }
}

/**
 * dist/progressive-profile.js when it is newer than the widget's sources; else a fresh `vite build`
 * (as `npm run build:widget` runs it) into node_modules/.cache. A failed build falls back to dist/, said so.
 */
function findCurrentBundle(): { path: string; note?: string } {
  const newestSource = Math.max(...['widget', 'common'].flatMap((directory) => newestMtimes(join(ROOT, directory))), statSync(join(ROOT, 'vite.config.ts')).mtimeMs);
  let bundleTime = 0;
  try {
    bundleTime = statSync(DIST_BUNDLE).mtimeMs;
  } catch {
    bundleTime = 0;
  }
  if (bundleTime >= newestSource) return { path: DIST_BUNDLE };
  const build = spawnSync(join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error', '--outDir', FRESH_BUILD_DIR], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (build.status === 0) {
    return { path: join(FRESH_BUILD_DIR, 'progressive-profile.js'), note: 'dist/ is older than the widget sources: measured a fresh vite build' };
  }
  if (bundleTime === 0) throw new Error(`vite build failed and dist/progressive-profile.js is missing:\n${build.stderr}`);
  return { path: DIST_BUNDLE, note: 'dist/ is older than the widget sources and vite build failed: measured the older dist/ bundle' };
}

function newestMtimes(directory: string): number[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs);
}
