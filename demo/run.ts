// `npm run demo`: the whole flow on this machine, no Auth0 account needed.
//   npm run demo                      the server writes through the (emulated) Management API
//   npm run demo -- --action-writes   the Action writes the values it receives in the continue token
//   npm run demo -- --rule            the tenant runs the legacy Rule instead of the Action
// Ports: DEMO_SITE_PORT (8080), DEMO_SERVER_PORT (3000), DEMO_TENANT_PORT (4010).
import { parseArgs } from 'node:util';
import { startDemoStack } from './stack.js';

const { values: flags } = parseArgs({
  options: {
    'action-writes': { type: 'boolean', default: false },
    rule: { type: 'boolean', default: false },
    'free-tier': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (flags.help) {
  console.log(`Usage: npm run demo [-- --action-writes] [-- --rule] [-- --free-tier]

  --action-writes  the Action writes the profile from the continue token (no Management API writes)
  --rule           the tenant runs the legacy Rule (rule/rule.js) instead of the Action
  --free-tier      the emulated Management API allows 2 requests/s, like Auth0's free plan`);
  process.exit(0);
}

const port = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    console.error(`${name}: must be a port number (1-65535), got ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return value;
};

try {
  const stack = await startDemoStack({
    writeMode: flags['action-writes'] ? 'action' : 'management',
    extension: flags.rule ? 'rule' : 'action',
    freeTierRateLimit: flags['free-tier'],
    ports: {
      site: port('DEMO_SITE_PORT', 8080),
      server: port('DEMO_SERVER_PORT', 3000),
      tenant: port('DEMO_TENANT_PORT', 4010),
    },
  });
  console.log(`
Progressive Profile demo is running.

  Open ${stack.siteOrigin}/ and sign in as grace@example.com (password: demo-password).

  tenant emulator  ${stack.tenantOrigin}   (${flags.rule ? 'legacy Rule' : 'post-login Action'})
  profile server   ${stack.serverOrigin}   (${stack.writeMode === 'management' ? 'writes through the Management API' : 'the Action writes the data'})
  demo site        ${stack.siteOrigin}

Press Ctrl-C to stop.`);
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
    console.error(`A demo port is already in use (${(error as Error).message}). Set DEMO_SITE_PORT, DEMO_SERVER_PORT or DEMO_TENANT_PORT.`);
  } else {
    console.error(error instanceof Error ? error.message : String(error));
  }
  process.exit(1);
}
