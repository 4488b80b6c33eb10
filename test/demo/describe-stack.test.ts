// The banner `npm run demo` prints: the tenant line says when the Management API is held to the
// free tier's rate limit, and only then.
import { describe, expect, it } from 'vitest';
import { describeStack, type DescribedStack } from '../../demo/describe-stack.js';
import { readDemoFlags, type DemoFlags } from '../../demo/flags.js';

const STACK: DescribedStack = {
  siteOrigin: 'http://127.0.0.1:8080',
  instructions: 'sign in as ada@example.com.',
  tenantOrigin: 'http://127.0.0.1:4010',
  serverOrigin: 'http://127.0.0.1:3000',
  writeMode: 'management',
  hookBlockList: [],
  metricsOrigin: 'http://127.0.0.1:9464',
};
const DIAGNOSIS = { ok: true, summary: 'doctor: all checks pass', problems: [] };

function flagsOf(args: string[]): DemoFlags {
  const read = readDemoFlags(args);
  if ('problem' in read) throw new Error(read.problem);
  return read.flags;
}

function tenantLine(args: string[]): string {
  const lines = describeStack(STACK, flagsOf(args), DIAGNOSIS).split('\n');
  const tenant = lines.filter((line) => line.trimStart().startsWith('tenant emulator'));
  expect(tenant).toHaveLength(1);
  return tenant[0]!;
}

describe('the demo banner', () => {
  it('says on the tenant line that the Management API is limited like the free tier with --free-tier', () => {
    expect(tenantLine(['--free-tier'])).toBe(
      '  tenant emulator  http://127.0.0.1:4010   (the post-login Action, installed through its Actions API; Management API limited to 2 requests/s, like the free tier)',
    );
    expect(tenantLine(['--free-tier', '--rule'])).toContain('(the legacy Rule; Management API limited to 2 requests/s, like the free tier)');
  });

  it('mentions no free tier without the flag', () => {
    for (const args of [[], ['--rule'], ['--action-writes', '--hook']]) {
      expect(tenantLine(args)).not.toMatch(/free tier|requests\/s/);
    }
    expect(describeStack(STACK, flagsOf([]), DIAGNOSIS)).not.toContain('free tier');
  });
});
