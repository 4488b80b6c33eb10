// The children run plain JavaScript, as production does (dist/server is esbuild output), not under
// tsx, whose loader thread would add its own memory and start-up time to every figure. Each source
// file is transpiled on its own (not bundled) so CPU profiles still name server/session-token.ts
// and its neighbours; the output sits under node_modules/.cache so packages resolve as usual.
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const COMPILED_DIR = join(ROOT, 'node_modules/.cache/pp-bench');
const SOURCE_DIRECTORIES = ['server', 'common', 'demo', 'bench'];

let compiled: Promise<void> | undefined;
let widgetBundle = join(ROOT, 'dist/progressive-profile.js');

/** The widget bundle the children serve (before the first child starts); dist/ by default. */
export function useWidgetBundle(path: string): void {
  if (compiled) throw new Error('useWidgetBundle: the children are already compiled');
  widgetBundle = path;
}

/** Transpiles server/, common/, demo/ and bench/ into COMPILED_DIR once per process. */
export function ensureCompiled(): Promise<void> {
  compiled ??= compile();
  return compiled;
}

async function compile(): Promise<void> {
  await rm(COMPILED_DIR, { recursive: true, force: true });
  const entryPoints: string[] = [];
  for (const directory of SOURCE_DIRECTORIES) {
    for (const entry of await readdir(join(ROOT, directory), { withFileTypes: true, recursive: true })) {
      const path = join(entry.parentPath, entry.name);
      if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) entryPoints.push(relative(ROOT, path));
    }
  }
  await build({
    absWorkingDir: ROOT,
    entryPoints,
    outdir: COMPILED_DIR,
    outbase: '.',
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
  });
  await writeFile(join(COMPILED_DIR, 'package.json'), '{"type":"module"}\n');
  // server/deps.ts reads the widget from ../dist/progressive-profile.js beside itself.
  await mkdir(join(COMPILED_DIR, 'dist'), { recursive: true });
  await copyFile(widgetBundle, join(COMPILED_DIR, 'dist/progressive-profile.js')).catch(() => undefined);
  // The emulator runs the real rule/action.js (CommonJS, with its own package.json).
  await mkdir(join(COMPILED_DIR, 'rule'), { recursive: true });
  for (const name of ['action.js', 'rule.js', 'package.json']) {
    await copyFile(join(ROOT, 'rule', name), join(COMPILED_DIR, 'rule', name));
  }
}
