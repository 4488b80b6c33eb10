// What a doctor check answers, and how the answers are printed: one line each for people (a
// symbol, the check's name, what was found and, for a failure, the fix), or one JSON document.

/**
 * `pass` ✔; `fail` ✖ (the exit status becomes 1); `warn` ⚠ (worth fixing, not failing: the exit
 * status stays 0); `skip` ○ (not checked, and the line says why and how to enable it).
 */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export type CheckId =
  | 'configuration'
  | 'store'
  | 'validation_hook'
  | 'tenant'
  | 'custom_domain'
  | 'management_api'
  | 'linking_connection'
  | 'action'
  | 'action_binding'
  | 'action_secrets'
  | 'action_fields'
  | 'form_page'
  | 'form_widget'
  | 'form_endpoint'
  | 'form_referrer_policy'
  | 'form_origin';

export interface CheckResult {
  readonly id: CheckId;
  /** The check's name as the line starts with it, e.g. `tenant`. */
  readonly label: string;
  readonly status: CheckStatus;
  /** What was found, one sentence without a final period. Never a secret or a token. */
  readonly message: string;
  /** One sentence on how to fix it (failures and warnings). */
  readonly fix?: string;
  /** Every problem found, when the line names only the first. */
  readonly problems?: readonly string[];
}

/** The JSON `--json` prints. */
export interface DoctorReport {
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}

const SYMBOLS: Readonly<Record<CheckStatus, string>> = { pass: '✔', fail: '✖', warn: '⚠', skip: '○' };
// ANSI SGR: green, red, yellow, dim.
const COLOURS: Readonly<Record<CheckStatus, string>> = { pass: '32', fail: '31', warn: '33', skip: '2' };

export function isFailing(results: readonly CheckResult[]): boolean {
  return results.some((result) => result.status === 'fail');
}

/** One line per check and a closing summary; coloured symbols only when `colour` is set. */
export function formatText(results: readonly CheckResult[], colour: boolean): string {
  const lines = results.map((result) => formatLine(result, colour));
  lines.push('', summarize(results));
  return `${lines.join('\n')}\n`;
}

/** A check's line: its symbol, name, what was found and, for a failure or a warning, the fix. */
export function formatLine(result: CheckResult, colour = false): string {
  const symbol = colour ? `\u001b[${COLOURS[result.status]}m${SYMBOLS[result.status]}\u001b[0m` : SYMBOLS[result.status];
  const fix = result.fix === undefined ? '' : ` — ${result.fix}`;
  return `${symbol} ${result.label}: ${result.message}${fix}`;
}

export function formatJson(results: readonly CheckResult[]): string {
  const report: DoctorReport = { ok: !isFailing(results), checks: results };
  return `${JSON.stringify(report, null, 2)}\n`;
}

function summarize(results: readonly CheckResult[]): string {
  const count = (status: CheckStatus) => results.filter((result) => result.status === status).length;
  const failed = count('fail');
  const warned = count('warn');
  const skipped = count('skip');
  const parts = [
    failed === 0 ? 'No problem found' : `${failed} problem${failed === 1 ? '' : 's'} to fix`,
    ...(warned > 0 ? [`${warned} warning${warned === 1 ? '' : 's'}`] : []),
    ...(skipped > 0 ? [`${skipped} not checked`] : []),
  ];
  return `${parts.join(', ')}.`;
}

/** Whether to colour: a terminal, and NO_COLOR unset or empty (https://no-color.org). */
export function shouldColour(isTerminal: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  return isTerminal === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/** Text from a tenant's or a page's answer as a line may hold it: printable ASCII, at most 60 characters. */
export function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/gu, '?');
  return clean.length > 60 ? `${clean.slice(0, 60)}…` : clean;
}
