// The children run plain JavaScript, as production does (dist/server is esbuild output), not under
// tsx, whose loader thread would add its own memory and start-up time to every figure. Each source
// file is transpiled on its own (not bundled) so CPU profiles still name server/session-token.ts
// and its neighbours; the output sits under node_modules/.cache so packages resolve as usual.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
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
  compiled ??= compile(ROOT, COMPILED_DIR);
  return compiled;
}

const compiledRefs = new Map<string, Promise<string>>();

/**
 * The same sources as committed at git `ref` (a commit, a branch, `HEAD~1`), transpiled into a
 * directory of their own beside COMPILED_DIR (packages resolve from this checkout's node_modules);
 * resolves to that directory. For A/B runs of two versions of the server in one run (bench/ab.ts).
 */
export function ensureCompiledRef(ref: string): Promise<string> {
  let directory = compiledRefs.get(ref);
  if (!directory) {
    directory = compileRef(ref);
    compiledRefs.set(ref, directory);
  }
  return directory;
}

async function compileRef(ref: string): Promise<string> {
  const run = promisify(execFile);
  const { stdout } = await run('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: ROOT });
  const commit = stdout.trim();
  const sources = join(ROOT, 'node_modules/.cache/pp-bench-refs', `${commit}-src`);
  const output = join(ROOT, 'node_modules/.cache/pp-bench-refs', commit);
  await rm(sources, { recursive: true, force: true });
  await mkdir(sources, { recursive: true });
  const archive = join(sources, '..', `${commit}.tar`);
  await run('git', ['archive', '--format=tar', `--output=${archive}`, commit, '--', ...SOURCE_DIRECTORIES, 'rule'], { cwd: ROOT });
  await run('tar', ['-xf', archive, '-C', sources]);
  await rm(archive, { force: true });
  await compile(sources, output);
  await rm(sources, { recursive: true, force: true });
  return output;
}

async function compile(root: string, outdir: string): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
  const entryPoints: string[] = [];
  for (const directory of SOURCE_DIRECTORIES) {
    for (const entry of await readdir(join(root, directory), { withFileTypes: true, recursive: true })) {
      const path = join(entry.parentPath, entry.name);
      if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) entryPoints.push(relative(root, path));
    }
  }
  await build({
    absWorkingDir: root,
    entryPoints,
    outdir,
    outbase: '.',
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
  });
  await writeFile(join(outdir, 'package.json'), '{"type":"module"}\n');
  // server/deps.ts reads the widget from ../dist/progressive-profile.js beside itself.
  await mkdir(join(outdir, 'dist'), { recursive: true });
  await copyFile(widgetBundle, join(outdir, 'dist/progressive-profile.js')).catch(() => undefined);
  // The emulator runs the real rule/action.js (CommonJS, with its own package.json).
  await mkdir(join(outdir, 'rule'), { recursive: true });
  for (const name of ['action.js', 'rule.js', 'package.json']) {
    await copyFile(join(root, 'rule', name), join(outdir, 'rule', name));
  }
}
