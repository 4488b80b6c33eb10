// A child process entry: the server under test, or its yardstick. BENCH_TARGET picks which:
// - `app`: the real server, configured from this process's environment exactly as server/main.ts
//   configures it (loadConfig + createServerDeps + buildApp), logger off;
// - `bare`: a bare Fastify route that parses a /submit-like JSON body and answers a like JSON.
// BENCH_PLAIN_PAGE=1 also serves the no-JavaScript form page (the widget's floor) on a second port.
// The parent asks over IPC for memory samples (RSS, heap, the single-use store's size) and a stop.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { createServerDeps } from '../server/deps.js';
import type { ChildMessage, ParentMessage } from './children.js';
import { renderPlainPage } from './plain-page.js';

const send = (message: ChildMessage) => process.send?.(message);

async function start(): Promise<void> {
  const target = process.env.BENCH_TARGET;
  const servers: FastifyInstance[] = [];
  let readStoreSize: () => number | null = () => null;
  let closeDeps: () => Promise<void> = async () => undefined;

  if (target === 'app') {
    const config = loadConfig(process.env, { cwd: process.cwd() });
    const deps = await createServerDeps(config);
    const store = deps.store as { size?: unknown };
    readStoreSize = () => (typeof store.size === 'number' ? store.size : null);
    closeDeps = () => deps.close();
    servers.push(buildApp(config, deps, { logger: false }));
  } else if (target === 'bare') {
    servers.push(buildBareApp());
  } else {
    throw new Error('BENCH_TARGET must be app or bare');
  }
  if (process.env.BENCH_PLAIN_PAGE === '1') servers.push(buildPlainPageApp());

  const ports: number[] = [];
  for (const server of servers) {
    await server.listen({ host: '127.0.0.1', port: 0 });
    ports.push((server.server.address() as { port: number }).port);
  }

  process.on('message', (message: ParentMessage) => {
    if (message.type === 'sample') {
      if (message.gc) (globalThis as { gc?: () => void }).gc?.();
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      send({ type: 'sample', id: message.id, rss: memory.rss, heapUsed: memory.heapUsed, storeSize: readStoreSize(), cpuMicros: cpu.user + cpu.system });
    } else if (message.type === 'profile') {
      void handleProfile(message.action, message.path).then(
        () => send({ type: 'profiled', id: message.id }),
        (error: unknown) => send({ type: 'failed', message: `profiler: ${String(error)}` }),
      );
    } else if (message.type === 'stop') {
      void (async () => {
        for (const server of servers) await server.close();
        await closeDeps();
        // Exit on our own once closed: the parent waits for it.
        process.exit(0);
      })();
    }
  });
  // The parent is gone (killed, crashed): nobody will ever stop this process otherwise.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'listening', port: ports[0], plainPort: ports[1] });
}

let session: Session | undefined;

/** The inspector's sampling profiler, in this process: only the measured window is profiled. */
async function handleProfile(action: 'start' | 'stop', path: string | undefined): Promise<void> {
  if (action === 'start') {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
    await session.post('Profiler.start');
    return;
  }
  if (!session || !path) throw new Error('the profiler was not started');
  const { profile } = await session.post('Profiler.stop');
  await writeFile(path, JSON.stringify(profile));
  session.disconnect();
  session = undefined;
}

/** The yardstick: what any JSON POST route costs in Fastify on this machine. */
function buildBareApp(): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  // About as long as a real continue token, so both answers weigh the same on the wire.
  const continueToken = randomBytes(240).toString('base64url');
  app.post('/submit', async (request, reply) => {
    const body = request.body as { state?: unknown; session_token?: unknown; values?: unknown } | null;
    if (!body || typeof body.state !== 'string' || typeof body.session_token !== 'string' || typeof body.values !== 'object') {
      return reply.code(400).send({ error: 'invalid_request', message: 'Bad body.' });
    }
    return { continue_url: `http://127.0.0.1:4010/continue?state=${encodeURIComponent(body.state)}`, session_token: continueToken };
  });
  return app;
}

function buildPlainPageApp(): FastifyInstance {
  const app = Fastify({ logger: false });
  // The form the server under test serves, from the same fields file.
  const fieldsFile = process.env.PROFILE_FIELDS_FILE;
  if (!fieldsFile) throw new Error('BENCH_PLAIN_PAGE needs PROFILE_FIELDS_FILE, the form the floor shows');
  const page = renderPlainPage(fieldsFile);
  app.get('/', async (_request, reply) => reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page));
  return app;
}

start().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
