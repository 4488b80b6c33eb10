// bench/results.json: every figure of the last run, with the machine it ran on.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));

export interface Machine {
  date: string;
  node: string;
  cpu: string;
  cores: number;
  /** 1-minute load average when the run started: other work on the machine skews every timing. */
  loadAverageAtStart: number;
}

export function describeMachine(): Machine {
  const cores = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    loadAverageAtStart: Number(loadavg()[0].toFixed(2)),
  };
}

export async function readResults(): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export async function writeResults(results: Record<string, unknown>): Promise<void> {
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, roundNumbers, 2)}\n`);
}

// Three decimals are plenty for every figure here and keep the file readable.
function roundNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Number(value.toFixed(3)) : value;
}
