// The package as another project gets it: `npm pack` (whose prepack builds what it ships) on a
// copy of this tree, installed with npm into a fresh project that mounts the plugin in its own
// Fastify app, type-checks the element in plain TypeScript, React 19 JSX and Vue templates
// (strictTemplates), and runs the `progressive-profile` command.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONSUMER = fileURLToPath(new URL('./consumer', import.meta.url));
// The versions this repository itself is tested with, for the consumer's tooling.
const ownPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
const TOOLING = ['typescript', 'vue-tsc', 'vue', '@types/react', '@types/node'].map((name) => `${name}@${ownPackage.devDependencies[name]}`);

let workspace: string;
let project: string;
let tarball: string;

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

async function runIn(cwd: string, command: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'pp-pack-'));
  // A copy of the tree (what git would check out), so the build writes no file a parallel test reads.
  const source = join(workspace, 'source');
  const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  for (const file of stdout.split('\0').filter(Boolean)) {
    if (file.startsWith('test/')) continue;
    const target = join(source, file);
    mkdirSync(dirname(target), { recursive: true });
    try {
      cpSync(join(ROOT, file), target);
    } catch {
      // A file deleted in the working tree but still in the index.
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  const packed = await npm(['pack', '--pack-destination', workspace], source);
  tarball = join(workspace, packed.trim().split('\n').pop()!.trim());

  project = join(workspace, 'project');
  cpSync(CONSUMER, project, { recursive: true });
  await npm(['install', '--prefer-offline', tarball, 'fastify', ...TOOLING], project);
}, 300_000);

afterAll(() => {
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('the package, installed into another project', { timeout: 120_000 }, () => {
  it('ships the built server, bundle, types, manifest, Action and command, and no source maps or tests', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean);
    for (const expected of [
      'package/dist/progressive-profile.js',
      'package/dist/server/index.js',
      'package/dist/server/cli.js',
      'package/dist/types/server/index.d.ts',
      'package/dist/types/widget/index.d.ts',
      'package/dist/custom-elements.json',
      'package/rule/action.js',
      'package/rule/deploy.mjs',
      'package/LICENSE',
    ]) {
      expect(files).toContain(expected);
    }
    expect(files.filter((file) => file.endsWith('.map') || file.startsWith('package/test/') || file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
  });

  it('mounts the plugin under a prefix in a Fastify app of its own, serving the bundle from the package', async () => {
    const { code, output } = await runIn(project, process.execPath, ['--experimental-strip-types', '--no-warnings', 'server-app.ts']);
    expect(code, output).toBe(0);
    const answers = JSON.parse(output) as Record<string, { status: number; type?: string; bytes: number }>;
    expect(answers['/profile/healthz'].status).toBe(200);
    expect(answers['/profile/form'].status).toBe(200);
    expect(answers['/profile/progressive-profile.js']).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(answers['/profile/progressive-profile.js'].bytes).toBeGreaterThan(10_000);
  });

  it('type-checks the server entry, the element and React 19 JSX, refusing a mistyped event detail', async () => {
    const { code, output } = await runIn(project, join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json']);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('type-checks Vue templates with strictTemplates, and refuses a mistyped event detail', async () => {
    const good = await runIn(project, join(project, 'node_modules/.bin/vue-tsc'), ['-p', 'tsconfig.vue.json']);
    expect(good.output).toBe('');
    expect(good.code).toBe(0);
    const config = JSON.parse(readFileSync(join(project, 'tsconfig.vue.json'), 'utf8')) as { include: string[] };
    writeFileSync(join(project, 'tsconfig.mistyped.json'), JSON.stringify({ ...config, include: ['Mistyped.vue'] }));
    const bad = await runIn(project, join(project, 'node_modules/.bin/vue-tsc'), ['-p', 'tsconfig.mistyped.json']);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/Property 'nothing' does not exist/);
  });

  it('names a custom elements manifest that describes the element', () => {
    const installed = join(project, 'node_modules/progressive-profile');
    const manifestPath = (JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { customElements: string }).customElements;
    const manifest = JSON.parse(readFileSync(join(installed, manifestPath), 'utf8')) as {
      modules: Array<{ declarations?: Array<{ tagName?: string; attributes?: Array<{ name: string }>; events?: Array<{ name: string }> }> }>;
    };
    const element = manifest.modules.flatMap((module) => module.declarations ?? []).find((declaration) => declaration.tagName === 'progressive-profile');
    expect(element?.attributes?.map((attribute) => attribute.name)).toEqual(expect.arrayContaining(['endpoint', 'restart-url', 'session-token']));
    expect(element?.events?.map((event) => event.name)).toEqual(['pp-ready', 'pp-submit', 'pp-success', 'pp-error', 'pp-skip']);
  });

  it('runs the progressive-profile command: help, the installer’s help, the doctor’s help, and a refused unknown command', async () => {
    const bin = join(project, 'node_modules/.bin/progressive-profile');
    const help = await runIn(project, bin, ['--help']);
    expect(help.code).toBe(0);
    expect(help.output).toMatch(/serve[\s\S]*doctor[\s\S]*deploy-action/);
    expect((await runIn(project, bin, ['deploy-action', '--help'])).output).toMatch(/read:actions/);
    expect((await runIn(project, bin, ['doctor', '--help'])).code).toBe(0);
    const unknown = await runIn(project, bin, ['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toMatch(/unknown command "frobnicate"/);
    expect(readdirSync(project)).not.toContain('.env');
  });
});
