import type { SummaryRow } from './bench.js';

/** A bench's rows in `all`, or why it produced none. */
export interface BenchOutcome {
  bench: string;
  seconds: number;
  rows: SummaryRow[];
  error?: string;
}

/**
 * Rows of issue 15's table that no bench measures yet: listed in every `all` table so the gap
 * stays visible until a bench covers them.
 */
export const UNMEASURED: readonly SummaryRow[] = [
];

function number(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

const withUnit = (n: number, unit: string) => (Number.isFinite(n) ? `${number(n)} ${unit}`.trim() : '—');

/** Cells of one row, in the table's column order. */
function cells(row: SummaryRow): string[] {
  return [
    row.path,
    withUnit(row.measured, row.unit),
    row.reference ? `${row.reference.label} ${withUnit(row.reference.value, row.reference.unit ?? row.unit)}` : '—',
    row.ratio === undefined || !Number.isFinite(row.ratio) ? '—' : row.ratio.toFixed(2),
    row.goal ?? '—',
    row.met === undefined ? '—' : row.met ? 'yes' : 'NO',
    row.note ?? '',
  ];
}

const HEADER = ['path', 'measured', 'reference', 'ratio', 'goal', 'met', 'note'];

/**
 * The `all` table as aligned plain text (also valid Markdown: pipes between cells). Failed benches
 * get one row carrying their error; `extra` rows (the unmeasured goals) come last.
 */
export function renderSummary(outcomes: readonly BenchOutcome[], extra: readonly SummaryRow[] = UNMEASURED): string {
  const rows: string[][] = [];
  for (const outcome of outcomes) {
    if (outcome.error !== undefined) rows.push([`${outcome.bench}: FAILED`, '—', '—', '—', '—', '—', outcome.error.split('\n')[0]!]);
    for (const row of outcome.rows) rows.push(cells(row));
  }
  for (const row of extra) rows.push(cells(row));
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 || i === widths.length - 1 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(HEADER), rule, ...rows.map(line)].join('\n');
}
