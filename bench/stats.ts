// Summaries and the printed table: every figure as min / median / max over its runs, next to its
// target with PASS or MISS (or INFO when the figure has no target and is there for context).

export interface Summary {
  min: number;
  median: number;
  max: number;
  runs: number[];
}

export type Verdict = 'PASS' | 'MISS' | 'INFO';

export interface Row {
  label: string;
  summary: Summary | undefined;
  unit: string;
  target: string;
  verdict: Verdict;
  /** Digits after the point. */
  digits?: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN, runs: [] };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1], runs: [...values] };
}

/** Linear-interpolated percentile (0-100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** PASS when `value` satisfies `isMet`, else MISS. */
export function judge(value: number, isMet: (value: number) => boolean): Verdict {
  return Number.isFinite(value) && isMet(value) ? 'PASS' : 'MISS';
}

export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatBytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** A plain-text table: one title line, then aligned rows. */
export function renderTable(title: string, rows: readonly Row[]): string {
  const header = ['figure', 'min', 'median', 'max', 'unit', 'target', ''];
  const lines = rows.map((row) => {
    const digits = row.digits ?? 0;
    const summary = row.summary;
    return [
      row.label,
      summary ? formatNumber(summary.min, digits) : '—',
      summary ? formatNumber(summary.median, digits) : '—',
      summary ? formatNumber(summary.max, digits) : '—',
      row.unit,
      row.target,
      row.verdict,
    ];
  });
  const widths = header.map((cell, column) => Math.max(cell.length, ...lines.map((line) => line[column].length)));
  const numeric = new Set([1, 2, 3]);
  const format = (cells: string[]) =>
    cells.map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd();
  return [`\n${title}`, format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...lines.map(format)].join('\n');
}
