// The command line of `npm run demo`: its usage and its flags, checked before anything starts.
import { parseArgs } from 'node:util';

/** What `npm run demo -- --scenario` can show besides the default flow (demo/stack.ts plans each). */
export const DEMO_SCENARIOS = ['link', 'apps'] as const;
export type DemoScenario = (typeof DEMO_SCENARIOS)[number];

export const USAGE = `Usage: npm run demo -- [options]

Options:
  --action-writes      the Action writes the profile from the continue token
                       (no Management API writes by the server)
  --rule               the tenant runs the legacy Rule (rule/rule.js) instead of the Action
  --free-tier          the emulated Management API allows 2 requests/s, like Auth0's free plan
  --scenario link      account linking: a GitHub user adds a username and password, then signs
                       in with them and lands on the same user (not with --action-writes)
  --scenario apps      two applications: the shop asks for less than the CRM, one question per
                       sign-in (PROFILE_MAX_FIELDS=1)
  --hook               the server asks a validation hook (it refuses a few company names)
  --allow-origin URL   also let a page of your own at URL embed the widget (repeatable), e.g.
                       a React or Vue app on http://localhost:5173
  -h, --help           print this help

Ports: DEMO_SITE_PORT (8080), DEMO_SERVER_PORT (3000), DEMO_TENANT_PORT (4010), DEMO_METRICS_PORT
(the server's Prometheus metrics; a free one by default).`;

export interface DemoFlags {
  actionWrites: boolean;
  rule: boolean;
  freeTier: boolean;
  scenario?: DemoScenario;
  hook: boolean;
  allowOrigins: string[];
}

/** The flags, or a one-line problem; never throws. */
export function readDemoFlags(args: readonly string[]): { flags: DemoFlags; help: boolean } | { problem: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        'action-writes': { type: 'boolean', default: false },
        rule: { type: 'boolean', default: false },
        'free-tier': { type: 'boolean', default: false },
        scenario: { type: 'string' },
        hook: { type: 'boolean', default: false },
        'allow-origin': { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return { problem: (error as Error).message.split('\n')[0] };
  }
  const { values } = parsed;
  const scenario = values.scenario;
  if (scenario !== undefined && !(DEMO_SCENARIOS as readonly string[]).includes(scenario)) {
    return { problem: `--scenario must be one of ${DEMO_SCENARIOS.join(', ')} (got ${JSON.stringify(scenario)})` };
  }
  if (values.rule && scenario !== undefined) return { problem: '--rule runs the revision-1 Rule, which has no scenarios' };
  if (values['action-writes'] && scenario === 'link') {
    return { problem: '--scenario link needs the server to call the Management API (it creates and links a user), so it cannot run with --action-writes' };
  }
  for (const origin of values['allow-origin']) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin.replace(/\/$/, '')) {
      return { problem: `--allow-origin needs an origin such as http://localhost:5173 (got ${JSON.stringify(origin)})` };
    }
  }
  return {
    help: values.help,
    flags: {
      actionWrites: values['action-writes'],
      rule: values.rule,
      freeTier: values['free-tier'],
      scenario: scenario as DemoScenario | undefined,
      hook: values.hook,
      allowOrigins: values['allow-origin'].map((origin) => new URL(origin).origin),
    },
  };
}
