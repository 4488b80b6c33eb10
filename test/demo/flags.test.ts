import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readDemoFlags } from '../../demo/flags.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run demo flags', () => {
  it('reads every flag', () => {
    expect(readDemoFlags(['--action-writes', '--free-tier', '--scenario', 'apps', '--hook', '--allow-origin', 'http://localhost:5173/'])).toEqual({
      help: false,
      flags: { actionWrites: true, rule: false, freeTier: true, scenario: 'apps', hook: true, allowOrigins: ['http://localhost:5173'] },
    });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--scenario', 'zoo'], /--scenario must be one of link, apps/],
    [['--allow-origin', 'localhost:5173'], /--allow-origin needs an origin/],
    [['--allow-origin', 'http://localhost:5173/app'], /--allow-origin needs an origin/],
    [['--rule', '--scenario', 'apps'], /--rule runs the revision-1 Rule/],
    [['--action-writes', '--scenario', 'link'], /--scenario link needs the server to call the Management API/],
    [['stray'], /positional/],
  ])('refuses %j with one sentence', (args, problem) => {
    const read = readDemoFlags(args);
    expect(read).toHaveProperty('problem');
    expect((read as { problem: string }).problem).toMatch(problem);
  });

  it('prints the usage, not a stack trace, for an unknown flag, and exits 2', async () => {
    const failure = await run(process.execPath, ['--import', 'tsx', 'demo/run.ts', '--bogus'], { cwd: ROOT }).catch((error: unknown) => error);
    const { code, stderr } = failure as { code: number; stderr: string };
    expect(code).toBe(2);
    expect(stderr).toMatch(/^demo: Unknown option '--bogus'/);
    expect(stderr).toContain('Usage: npm run demo -- [options]');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
