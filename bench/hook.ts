// The validation hook's added latency: POST /submit one at a time (one connection, nothing else
// queued), the Action-writes server with VALIDATION_HOOK_URL pointing at the demo's receiver
// (running in the benchmark's process, on loopback: a signed call, its checks, the answer) against
// the same server without a hook, interleaved request by request so drift on the machine hits both
// alike.
import { stopAll, type Child } from './children.js';
import { ACTION_MODE_TENANT, createServerSetup, startAppChild } from './server-env.js';
import { percentile } from './stats.js';
import { benchUserIds, createTokenMinter, randomSecret } from './tokens.js';
import { startValidationHookReceiver } from '../demo/validation-hook.js';

export interface HookBenchOptions {
  /** Submits measured on each server. */
  submits: number;
  /** Submits sent to each first, not measured. */
  warmup: number;
  log: (line: string) => void;
}

export interface HookBenchResult {
  submits: number;
  /** Milliseconds per submit, one at a time. */
  withoutHook: { p50: number; p99: number };
  withHook: { p50: number; p99: number };
  /** withHook.p50 - withoutHook.p50. */
  addedP50Ms: number;
  /** Calls the receiver verified (one per submit with values). */
  hookCalls: number;
}

export async function benchHook(options: HookBenchOptions): Promise<HookBenchResult> {
  const { submits, warmup, log } = options;
  const setup = createServerSetup();
  const hookSecret = randomSecret();
  const receiver = await startValidationHookReceiver({ secret: hookSecret });
  const children: Child[] = [];
  try {
    const plain = await startAppChild({ setup, label: 'server without a hook' });
    children.push(plain);
    const hooked = await startAppChild({
      setup,
      label: 'server with the validation hook',
      extraEnv: { VALIDATION_HOOK_URL: receiver.url, VALIDATION_HOOK_SECRET: hookSecret },
    });
    children.push(hooked);
    const minter = await createTokenMinter({ secret: setup.sessionTokenSecret, issuer: ACTION_MODE_TENANT.host, lifetimeSeconds: 600 });
    const users = benchUserIds(100, 'hook');
    const bodies = await minter.mintBodies(2 * (submits + warmup), users);

    const timings: Record<'plain' | 'hooked', number[]> = { plain: [], hooked: [] };
    for (let index = 0; index < submits + warmup; index += 1) {
      for (const [name, server] of [['plain', plain], ['hooked', hooked]] as const) {
        const body = bodies.pop() as string;
        const started = performance.now();
        const response = await fetch(`${server.origin}/submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await response.arrayBuffer();
        const elapsed = performance.now() - started;
        if (response.status !== 200) throw new Error(`hook bench: ${name} answered ${response.status}`);
        if (index >= warmup) timings[name].push(elapsed);
      }
    }
    const summary = (values: number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99) });
    const result: HookBenchResult = {
      submits,
      withoutHook: summary(timings.plain),
      withHook: summary(timings.hooked),
      addedP50Ms: percentile(timings.hooked, 50) - percentile(timings.plain, 50),
      hookCalls: receiver.calls.length,
    };
    log(
      `  ${submits} submits each, one at a time: without a hook p50 ${result.withoutHook.p50.toFixed(2)} ms, ` +
        `with the hook p50 ${result.withHook.p50.toFixed(2)} ms (+${result.addedP50Ms.toFixed(2)} ms), ${result.hookCalls} hook calls`,
    );
    return result;
  } finally {
    await stopAll(children);
    await receiver.close();
  }
}
