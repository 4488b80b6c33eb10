// Starts the Auth0 tenant emulator on its own, for trying the flow by hand:
//   SESSION_TOKEN_SECRET=... PROFILE_FORM_URL=http://127.0.0.1:3000/ npx tsx demo/emulator/main.ts
// Environment: EMULATOR_PORT (default 4010), EMULATOR_HOST (127.0.0.1), EMULATOR_MODE (action|rule),
// EMULATOR_CLIENT_ID (demo-app) and EMULATOR_CALLBACKS (comma list, default
// http://127.0.0.1:5173/callback) for the browser app, AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET for a
// machine-to-machine client (EMULATOR_M2M_SCOPE: its grant, default read:users update:users),
// EMULATOR_SEARCH_LAG_MS (user search's lag behind writes, default 0), and the Action's secrets
// under their own names.
import { createEmulator, type EmulatorClient } from './emulator.js';
import { isSearchLag, MAX_LAG_MS } from './search-index.js';
import { DEMO_PASSWORD } from './seed-users.js';

const ACTION_SECRETS = [
  'SESSION_TOKEN_SECRET',
  'CONTINUE_TOKEN_SECRET',
  'PROFILE_FORM_URL',
  'PROFILE_FIELDS',
  'PROFILE_OPTIONAL_FIELDS',
  'PROFILE_LOGIN_COUNT',
  'PROFILE_SNOOZE_DAYS',
  'PROFILE_CLIENTS',
  'PROFILE_FIELDS_BY_CLIENT',
  'PROFILE_MAX_FIELDS',
  'PROFILE_MAX_SKIPS',
  'PROFILE_DATABASE_CONNECTION',
] as const;

const env = process.env;
const secrets: Record<string, string> = {};
for (const name of ACTION_SECRETS) if (env[name]) secrets[name] = env[name] as string;

const clients: EmulatorClient[] = [
  {
    clientId: env.EMULATOR_CLIENT_ID || 'demo-app',
    callbacks: (env.EMULATOR_CALLBACKS || 'http://127.0.0.1:5173/callback').split(',').map((url) => url.trim()),
  },
];
if (env.AUTH0_CLIENT_ID && env.AUTH0_CLIENT_SECRET) {
  clients.push({ clientId: env.AUTH0_CLIENT_ID, clientSecret: env.AUTH0_CLIENT_SECRET, callbacks: [], scope: env.EMULATOR_M2M_SCOPE || undefined });
}

const searchIndexLagMs = Number(env.EMULATOR_SEARCH_LAG_MS || 0);
if (!isSearchLag(searchIndexLagMs)) {
  console.error(`EMULATOR_SEARCH_LAG_MS: must be a number of milliseconds from 0 to ${MAX_LAG_MS}`);
  process.exit(1);
}

try {
  const emulator = createEmulator({
    port: Number(env.EMULATOR_PORT || 4010),
    host: env.EMULATOR_HOST || '127.0.0.1',
    mode: env.EMULATOR_MODE === 'rule' ? 'rule' : 'action',
    secrets,
    clients,
    searchIndexLagMs,
  });
  const origin = await emulator.listen();
  console.log(`Auth0 tenant emulator on ${origin} (demo users' password: ${DEMO_PASSWORD})`);
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
