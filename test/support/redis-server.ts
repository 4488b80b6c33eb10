// Starts a real, throwaway redis-server on a free loopback port (no persistence) for tests.
// A missing redis-server is a failure with a clear message, never a silent skip.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout } from 'node:timers/promises';
import { findFreePort } from '../../demo/free-port.js';

export const REDIS_SERVER_PATH = process.env.REDIS_SERVER_PATH ?? 'redis-server';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGKILL: the tests want it gone, not saved). */
  stop(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open but nothing answers. */
  pause(): void;
  resume(): void;
}

/** Starts a server; `port` reuses a port (to restart one that was stopped), else a free one. */
export async function startRedisServer(options: { port?: number } = {}): Promise<RedisServer> {
  const probe = spawnSync(REDIS_SERVER_PATH, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `redis-server is required for these tests but "${REDIS_SERVER_PATH}" could not be run ` +
        `(install Debian's redis-server, or set REDIS_SERVER_PATH): ${probe.error?.message ?? probe.stderr}`,
    );
  }
  const port = options.port ?? (await findFreePort());
  const child = spawn(
    REDIS_SERVER_PATH,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForPort(port, child, () => output);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopChild(child),
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
  };
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const giveUp = AbortSignal.timeout(5_000);
  while (!giveUp.aborted) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${output()}`);
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (isOpen) return;
    await setTimeout(25);
  }
  await stopChild(child);
  throw new Error(`redis-server did not listen on port ${port} within 5 s: ${output()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
