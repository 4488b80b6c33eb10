// `npm run demo`: the whole flow on this machine, no Auth0 account needed. Flags: demo/flags.ts.
// Ports: DEMO_SITE_PORT (8080), DEMO_SERVER_PORT (3000), DEMO_TENANT_PORT (4010), DEMO_METRICS_PORT
// (a free one). At start it installs the Action as deploy-action does (through the emulator's
// Actions API); once up, it runs `progressive-profile doctor` against itself and prints one line.
import { describeStack } from './describe-stack.js';
import { readDemoFlags, USAGE } from './flags.js';

/** The port in `name`, else `fallback` (0: a free one). */
function readPort(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    console.error(`${name}: must be a port number (1-65535), got ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return value;
}

const read = readDemoFlags(process.argv.slice(2));
if ('problem' in read) {
  console.error(`demo: ${read.problem}\n\n${USAGE}`);
  process.exit(2);
}
if (read.help) {
  console.log(USAGE);
  process.exit(0);
}
const { flags } = read;
// Loaded once the flags are good: a usage error or --help answers without loading the server.
const { diagnoseDemoStack, startDemoStack } = await import('./stack.js');

try {
  const stack = await startDemoStack({
    writeMode: flags.actionWrites ? 'action' : 'management',
    extension: flags.rule ? 'rule' : 'action',
    freeTierRateLimit: flags.freeTier,
    scenario: flags.scenario,
    hook: flags.hook,
    extraAllowedOrigins: flags.allowOrigins,
    ports: {
      site: readPort('DEMO_SITE_PORT', 8080),
      server: readPort('DEMO_SERVER_PORT', 3000),
      tenant: readPort('DEMO_TENANT_PORT', 4010),
      metrics: readPort('DEMO_METRICS_PORT', 0),
    },
  });
  console.log(`\n${describeStack(stack, flags, await diagnoseDemoStack(stack))}\n`);
  let isStopping = false;
  const stop = () => {
    if (isStopping) return;
    isStopping = true;
    console.log('\nStopping…');
    void stack.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') {
    console.error(`A demo port is already in use (${(error as Error).message}). Set DEMO_SITE_PORT, DEMO_SERVER_PORT, DEMO_TENANT_PORT or DEMO_METRICS_PORT.`);
  } else {
    console.error(error instanceof Error ? error.message : String(error));
  }
  process.exit(1);
}
