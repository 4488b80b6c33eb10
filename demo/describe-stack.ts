// The demo's banner, apart from demo/run.ts (which starts the stack as soon as it is imported), so
// a test can read it.
import type { DemoFlags } from './flags.js';
import type { DemoDiagnosis, DemoStack } from './stack.js';

/** The parts of a running stack the banner names. */
export type DescribedStack = Pick<
  DemoStack,
  'siteOrigin' | 'instructions' | 'tenantOrigin' | 'serverOrigin' | 'writeMode' | 'hookOrigin' | 'hookBlockList' | 'metricsOrigin'
>;

/** The banner `npm run demo` prints once the stack is up: where each part listens, and what it does. */
export function describeStack(stack: DescribedStack, flags: DemoFlags, diagnosis: DemoDiagnosis): string {
  const lines = [
    'Progressive Profile demo is running.',
    '',
    `  Open ${stack.siteOrigin}/ and ${stack.instructions}`,
    '',
    `  tenant emulator  ${stack.tenantOrigin}   (${flags.rule ? 'the legacy Rule' : 'the post-login Action, installed through its Actions API'}${flags.freeTier ? '; Management API limited to 2 requests/s, like the free tier' : ''})`,
    `  profile server   ${stack.serverOrigin}   (${stack.writeMode === 'management' ? 'writes through the Management API' : 'the Action writes the data'}${flags.hook ? '; asks the validation hook' : ''})`,
    `  demo site        ${stack.siteOrigin}`,
  ];
  if (stack.hookOrigin) lines.push(`  validation hook  ${stack.hookOrigin}   (refuses ${stack.hookBlockList.join(', ')})`);
  lines.push(`  metrics          ${stack.metricsOrigin}/metrics   (the server's Prometheus metrics; DEMO_METRICS_PORT pins the port)`);
  for (const origin of flags.allowOrigins) lines.push(`  also allowed     ${origin}   (your page may embed <progressive-profile endpoint="${stack.serverOrigin}">)`);
  lines.push('', diagnosis.summary, ...diagnosis.problems.map((line) => `  ${line}`));
  lines.push('', 'Press Ctrl-C to stop.');
  return lines.join('\n');
}
