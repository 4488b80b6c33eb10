// The Action as this package ships it (rule/action.js) and its installer (rule/deploy.mjs): the
// doctor reads the Action's secrets from the environment exactly as `deploy-action` does, checks
// them with the Action's own `readSettings`, and compares the deployed code with this file.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MetadataTarget } from '../../../common/wire.js';

/** The name rule/deploy.mjs installs the Action under. */
export const ACTION_NAME = 'Progressive Profile';
/** The trigger it is bound to. */
export const ACTION_TRIGGER = 'post-login';

/** One entry of PROFILE_FIELDS and its kin, as the Action parses it (`app_metadata:terms@2026-11`). */
export interface ActionField {
  readonly id: string;
  readonly target: MetadataTarget;
  readonly version?: string;
}

/** What the doctor uses of the Action's parsed settings (rule/action.js `readSettings`). */
export interface ActionSettings {
  readonly requiredFields: readonly ActionField[];
  readonly optionalFields: readonly ActionField[];
  readonly fieldsByClient: ReadonlyMap<string, readonly ActionField[]>;
  readonly databaseConnection?: string;
}

interface ActionModule {
  readSettings(secrets: Record<string, string>): { settings?: ActionSettings; problem?: string };
}

interface DeployModule {
  /** The secrets set in `env`, checked by the Action's readSettings; throws with its sentence. */
  readActionSecrets(env: Record<string, string | undefined>): Array<{ name: string; value: string }>;
}

// From source (server/ops/doctor/) and from the build (dist/server/, chunks beside the entries).
const RULE_FOLDERS = ['../../../rule/', '../../rule/'];

function findRuleFile(name: string): string {
  for (const folder of RULE_FOLDERS) {
    const path = fileURLToPath(new URL(`${folder}${name}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`rule/${name} is missing from this installation`);
}

/**
 * The Action's settings from the secrets `deploy-action` would send from `env`, parsed by the
 * Action's own readSettings, or the Action's sentence for a bad one.
 */
export async function readActionEnvironment(env: Record<string, string | undefined>): Promise<{ settings: ActionSettings } | { problem: string }> {
  const deploy = (await import(pathToFileURL(findRuleFile('deploy.mjs')).href)) as DeployModule;
  let secrets: Array<{ name: string; value: string }>;
  try {
    secrets = deploy.readActionSecrets(env);
  } catch (error) {
    return { problem: (error as Error).message };
  }
  const values = Object.fromEntries(secrets.map((secret) => [secret.name, secret.value]));
  const action = createRequire(import.meta.url)(findRuleFile('action.js')) as ActionModule;
  const { settings, problem } = action.readSettings(values);
  return settings ? { settings } : { problem: problem ?? 'the Action refuses these settings' };
}

/** This package's rule/action.js, to compare with the deployed code. */
export function readActionCode(): string {
  return readFileSync(findRuleFile('action.js'), 'utf8');
}
