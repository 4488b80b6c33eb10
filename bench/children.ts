// The processes a benchmark drives: the server under test and the tenant emulator each run in a
// child of their own (the load generator must not share their event loop, and the machine has two
// cores). Children speak to the parent over IPC; every child is killed when the parent exits.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPILED_DIR, ensureCompiled } from './compile.js';

export const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Messages a child sends. */
export type ChildMessage =
  | { type: 'listening'; port: number; plainPort?: number; origin?: string }
  | { type: 'sample'; id: number; rss: number; heapUsed: number; storeSize: number | null; cpuMicros: number }
  | { type: 'users'; id: number; users: Array<{ user_id: string; user_metadata: Record<string, unknown> }> }
  | { type: 'profiled'; id: number }
  | { type: 'failed'; message: string };

/** Messages the parent sends. */
export type ParentMessage =
  | { type: 'sample'; id: number; gc?: boolean }
  | { type: 'users'; id: number; ids: string[] }
  /** Starts the inspector's CPU profiler, or stops it and writes the profile to `path`. */
  | { type: 'profile'; id: number; action: 'start' | 'stop'; path?: string }
  | { type: 'stop' };

export interface ChildOptions {
  /** Variables of the child: nothing else of the parent's environment leaks in but PATH and HOME. */
  env: Record<string, string>;
  /** Extra node flags, e.g. `--expose-gc`. */
  nodeFlags?: string[];
  label: string;
  /** Where the compiled sources are (ensureCompiledRef); default: this checkout's, COMPILED_DIR. */
  compiledDir?: string;
}

export interface Child {
  readonly label: string;
  readonly port: number;
  readonly plainPort?: number;
  readonly origin: string;
  readonly pid: number;
  /** Memory now; `cpuMicros` is the CPU time (user + system) the child has used so far. */
  sample(gc?: boolean): Promise<{ rss: number; heapUsed: number; storeSize: number | null; cpuMicros: number }>;
  readUsers(ids: string[]): Promise<Array<{ user_id: string; user_metadata: Record<string, unknown> }>>;
  /** Starts the CPU profiler (sampling every 250 µs) in the child. */
  startProfile(): Promise<void>;
  /** Stops it and writes the `.cpuprofile` JSON to `path`. */
  stopProfile(path: string): Promise<void>;
  /** Asks the child to close and exit; kills it after 10 s. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let isExitHookInstalled = false;

function installExitHook(): void {
  if (isExitHookInstalled) return;
  isExitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill('SIGKILL');
      process.exit(130);
    });
  }
}

/** Starts `entry` (e.g. `server-process`, a file of bench/, compiled) and resolves once it listens. */
export async function startChild(entry: string, options: ChildOptions): Promise<Child> {
  installExitHook();
  await ensureCompiled();
  const child = fork(join(options.compiledDir ?? COMPILED_DIR, 'bench', `${entry}.js`), [], {
    execArgv: options.nodeFlags ?? [],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    cwd: BENCH_DIR,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));

  let nextId = 1;
  const pending = new Map<number, (message: ChildMessage) => void>();
  child.on('message', (message: ChildMessage) => {
    if ('id' in message) {
      pending.get(message.id)?.(message);
      pending.delete(message.id);
    }
  });
  const ask = <T extends ChildMessage>(message: ParentMessage & { id: number }): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${options.label}: no answer to ${message.type}`)), 30_000);
      pending.set(message.id, (answer) => {
        clearTimeout(timer);
        resolve(answer as T);
      });
      child.send(message);
    });

  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${options.label} exited (code ${code}) before listening`));
    child.once('exit', onExit);
    child.on('message', function onFirst(message: ChildMessage) {
      if (message.type === 'failed') {
        child.kill('SIGKILL');
        reject(new Error(`${options.label}: ${message.message}`));
        return;
      }
      if (message.type !== 'listening') return;
      child.off('message', onFirst);
      child.off('exit', onExit);
      resolve({
        label: options.label,
        port: message.port,
        plainPort: message.plainPort,
        origin: message.origin ?? `http://127.0.0.1:${message.port}`,
        pid: child.pid ?? -1,
        async sample(gc = false) {
          const answer = await ask<Extract<ChildMessage, { type: 'sample' }>>({ type: 'sample', id: nextId++, gc });
          return { rss: answer.rss, heapUsed: answer.heapUsed, storeSize: answer.storeSize, cpuMicros: answer.cpuMicros };
        },
        async readUsers(ids) {
          const answer = await ask<Extract<ChildMessage, { type: 'users' }>>({ type: 'users', id: nextId++, ids });
          return answer.users;
        },
        async startProfile() {
          await ask({ type: 'profile', id: nextId++, action: 'start' });
        },
        async stopProfile(path) {
          await ask({ type: 'profile', id: nextId++, action: 'stop', path });
        },
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.send({ type: 'stop' } satisfies ParentMessage);
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });
}

/** Stops children in reverse start order; never throws. */
export async function stopAll(children: readonly Child[]): Promise<void> {
  for (const child of [...children].reverse()) await child.stop().catch(() => undefined);
}
