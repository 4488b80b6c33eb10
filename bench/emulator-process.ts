// A child process entry: the local Auth0 tenant emulator (demo/emulator) with the bench's users
// and the server's machine-to-machine client, free-tier rate limit off until the parent turns it
// on through the emulator's own control surface (POST /__emulator/rate-limit).
// BENCH_USER_SETS="prefix:count,..." names the users; BENCH_M2M_CLIENT_ID/SECRET the M2M client.
import { createEmulator } from '../demo/emulator/emulator.js';
import type { EmulatedUser } from '../demo/emulator/user-store.js';
import type { ChildMessage, ParentMessage } from './children.js';
import { benchUserIds, randomSecret } from './tokens.js';

const send = (message: ChildMessage) => process.send?.(message);

function makeUsers(sets: string): EmulatedUser[] {
  const users: EmulatedUser[] = [];
  for (const entry of sets.split(',').filter(Boolean)) {
    const [prefix, count] = entry.split(':');
    for (const userId of benchUserIds(Number(count), prefix)) {
      users.push({
        user_id: userId,
        email: `${userId.slice(6)}@example.com`,
        name: userId,
        password: randomSecret(),
        logins_count: 2,
        user_metadata: {},
        app_metadata: {},
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:00.000Z',
      });
    }
  }
  return users;
}

async function start(): Promise<void> {
  const env = process.env;
  const emulator = createEmulator({
    host: '127.0.0.1',
    port: 0,
    secrets: {
      SESSION_TOKEN_SECRET: env.SESSION_TOKEN_SECRET ?? randomSecret(),
      PROFILE_FORM_URL: 'http://127.0.0.1:9/complete-profile',
      PROFILE_FIELDS: 'company_name,job_title',
    },
    clients: [
      { clientId: 'bench-app', callbacks: ['http://127.0.0.1:9/callback'] },
      { clientId: env.BENCH_M2M_CLIENT_ID ?? '', clientSecret: env.BENCH_M2M_CLIENT_SECRET ?? '', callbacks: [] },
    ],
    users: makeUsers(env.BENCH_USER_SETS ?? ''),
    freeTierRateLimit: false,
  });
  const origin = await emulator.listen();

  process.on('message', (message: ParentMessage) => {
    if (message.type === 'users') {
      const users = message.ids.flatMap((id) => {
        const user = emulator.users.get(id);
        return user ? [{ user_id: user.user_id, user_metadata: user.user_metadata }] : [];
      });
      send({ type: 'users', id: message.id, users });
    } else if (message.type === 'sample') {
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      send({ type: 'sample', id: message.id, rss: memory.rss, heapUsed: memory.heapUsed, storeSize: null, cpuMicros: cpu.user + cpu.system });
    } else if (message.type === 'stop') {
      // Idle keep-alive sockets of a stopped server would hold close() open: bounded wait.
      setTimeout(() => process.exit(0), 2_000).unref();
      void emulator.close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'listening', port: Number(new URL(origin).port), origin });
}

start().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
