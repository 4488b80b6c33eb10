// `npm run demo` runs the doctor against itself at start (the server's environment, --form-url the
// demo's form page, --server-url the demo server) and prints one line; and the demo's server has
// its metrics on a port of their own. Each stack is started with the options `npm run demo` passes
// for its flags (free ports instead of the fixed ones); the bundle comes from `npm run build:widget`,
// which `npm test` and `npm run demo` run first.
import { afterEach, describe, expect, it } from 'vitest';
import { diagnoseDemoStack, startDemoStack, type DemoStack, type DemoStackOptions } from '../../demo/stack.js';

const ACTION_LINES = 'not checked: Action, post-login trigger, Action secrets';
let stack: DemoStack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('the demo’s doctor at start', () => {
  it.each<[string, DemoStackOptions, string]>([
    ['npm run demo', {}, 'doctor: all 13 checks pass'],
    ['--action-writes', { writeMode: 'action' }, 'doctor: all 13 checks pass'],
    ['--scenario link', { scenario: 'link' }, 'doctor: all 14 checks pass'],
    ['--scenario apps', { scenario: 'apps' }, 'doctor: all 13 checks pass'],
    ['--hook', { hook: true }, 'doctor: all 14 checks pass'],
    ['--allow-origin', { extraAllowedOrigins: ['http://localhost:5173'] }, 'doctor: all 13 checks pass'],
    // The tenant runs the Rule: there is no Action to install or check.
    ['--rule', { extension: 'rule' }, `doctor: all 10 checks pass (${ACTION_LINES})`],
  ])('finds nothing to fix with %s', async (_flags, options, summary) => {
    stack = await startDemoStack(options);
    expect(await diagnoseDemoStack(stack)).toEqual({ ok: true, summary, problems: [] });
  });

  it('prints the failing lines, with their fix, when something is wrong', async () => {
    stack = await startDemoStack({});
    const diagnosis = await diagnoseDemoStack({ ...stack, formUrl: `${stack.siteOrigin}/no-such-page` });
    expect(diagnosis.ok).toBe(false);
    expect(diagnosis.summary).toBe('doctor: 1 of 9 checks failed (not checked: widget script, widget endpoint, Referrer-Policy, page origin)');
    expect(diagnosis.problems).toHaveLength(1);
    expect(diagnosis.problems[0]).toMatch(new RegExp(`^✖ form page: ${stack.siteOrigin}/no-such-page answered 404 — `, 'u'));
  });
});

describe('the demo’s metrics', () => {
  it('serves the server’s metrics on their own port, counting the start-time grant check and what the doctor asked, and not on the server’s', async () => {
    // Linking: the server reads its token and the connection at start.
    stack = await startDemoStack({ scenario: 'link' });
    await diagnoseDemoStack(stack);
    expect((await fetch(`${stack.serverOrigin}/metrics`)).status).toBe(404);
    const response = await fetch(`${stack.metricsOrigin}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^progressive_profile_request_duration_seconds_count\{route="\/form",method="GET"\} [1-9]/mu);
    expect(text).toMatch(/^progressive_profile_management_api_requests_total\{endpoint="token",status="200"\} 1$/mu);
    expect(text).toMatch(/^progressive_profile_management_api_requests_total\{endpoint="api",status="200"\} 1$/mu);
    expect(text).toMatch(/^progressive_profile_single_use_store_entries 0$/mu);
  });
});
