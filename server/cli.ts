// The `progressive-profile` command of the package: `serve` runs the server (as `npm start`),
// `doctor` checks a deployment, `deploy-action` installs the Auth0 Action. Each subcommand reads
// the environment (and `.env`) the way the server does; `--help` never reads it.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const USAGE = `Usage: progressive-profile <command> [options]

Commands:
  serve           run the profile server, configured by the environment and ./.env
                  (the same as \`npm start\`; see docs/reference/server.md for the variables)
  doctor          check this server's configuration, the tenant, the Action and the form page;
                  one line per check, exit status 1 if any fails (\`doctor --help\` for options)
  deploy-action   create or update the post-login Action on the tenant and bind it
                  (\`deploy-action --help\` for its variables and scopes)

Options:
  -h, --help      print this help
  -v, --version   print the version`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout is a terminal: `doctor` colours its lines only then. */
  isTerminal?: boolean;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTerminal: process.stdout.isTTY === true,
};

/**
 * Runs one subcommand and answers its exit status (0 success, 1 a failed check or command,
 * 2 a usage mistake). `serve` answers only once the server has started and keeps it running.
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.stdout(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    case '-v':
    case '--version':
      io.stdout(`${readVersion()}\n`);
      return 0;
    case 'serve': {
      if (rest.includes('--help') || rest.includes('-h')) {
        io.stdout('Usage: progressive-profile serve\n\nRuns the profile server, configured by the environment and ./.env.\n');
        return 0;
      }
      if (rest.length > 0) return usageError(io, `serve takes no arguments (got ${printable(rest[0])})`);
      // main.ts reads process.env, listens and stays up on its own handles (or exits on bad config).
      await import('./main.js');
      return 0;
    }
    case 'doctor': {
      const { runDoctor } = await import('./ops/doctor.js');
      return runDoctor(rest, env, io);
    }
    case 'deploy-action': {
      type Stream = { write(text: string): unknown };
      const { main } = (await import(findDeployScript())) as {
        main(argv: readonly string[], env: NodeJS.ProcessEnv, io: { stdout: Stream; stderr: Stream }): Promise<number>;
      };
      return main(rest, env, { stdout: { write: io.stdout }, stderr: { write: io.stderr } });
    }
    default:
      return usageError(io, `unknown command "${printable(command)}"`);
  }
}

function usageError(io: CliIo, problem: string): number {
  io.stderr(`progressive-profile: ${problem}\n\n${USAGE}\n`);
  return 2;
}

// The installer ships beside the Action it deploys: rule/ at the package's root, reached from
// server/cli.ts (source) and dist/server/cli.js (built) alike.
function findDeployScript(): string {
  for (const candidate of ['../rule/deploy.mjs', '../../rule/deploy.mjs']) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url.href;
  }
  throw new Error('rule/deploy.mjs is missing from this installation');
}

function readVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/gu, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

// npm links the bin through a symlink: compare the real paths.
const isMain = Boolean(process.argv[1]) && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url;
if (isMain) {
  const status = await runCli(process.argv.slice(2));
  // `serve` keeps running on its own handles; every other command ends here, even with an idle
  // keep-alive connection to the tenant still open.
  if (status !== 0 || process.argv[2] !== 'serve') process.exit(status);
}
