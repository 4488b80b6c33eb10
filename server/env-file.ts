import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * The variables of `.env` in `cwd`, or `{}` when there is none. The real environment wins over
 * it (see `mergeEnv`). Throws the file system error when the file exists but cannot be read.
 */
export function readEnvFile(cwd: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(join(cwd, '.env'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  return parseEnv(text) as Record<string, string>;
}

/** `env` over `fileEnv`: a variable set (even to "") in the real environment is never overridden. */
export function mergeEnv(
  fileEnv: Record<string, string>,
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...fileEnv };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return merged;
}
