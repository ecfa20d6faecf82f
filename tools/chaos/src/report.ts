import { failed, type ScenarioResult } from './measure.js';

const seconds = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

/** One line per failed check, or `ok`. */
export function verdict(result: ScenarioResult): string {
  if (!failed(result)) return 'ok';
  const reasons = [
    ...(result.error ? [`error: ${result.error}`] : []),
    ...(result.lost > 0 ? [`${result.lost} lost`] : []),
    ...(result.duplicates > 0 ? [`${result.duplicates} duplicates`] : []),
    ...((result.trailGaps ?? 0) > 0 ? [`${result.trailGaps} without trail`] : []),
    ...result.problems,
  ];
  return `FAIL: ${reasons.join('; ')}`;
}

/** The table `npm run chaos` prints (Markdown, so it pastes into the README as is). */
export function renderTable(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'sent', 'in target', 'duplicates', 'lost', 'dead-lettered', 'time to recover', 'trail gaps', 'result'];
  const rows = results.map((r) => [
    r.scenario,
    String(r.sent),
    String(r.inTarget),
    String(r.duplicates),
    String(r.lost),
    String(r.deadLettered),
    r.error ? '—' : seconds(r.recoverMs),
    r.trailGaps === null ? '—' : String(r.trailGaps),
    verdict(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const numeric = new Set([1, 2, 3, 4, 5, 7]);
  const line = (cells: string[]) => `| ${cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Exit status of a run: 1 when any scenario lost or duplicated records (or failed another check). */
export function exitCode(results: readonly ScenarioResult[]): number {
  return results.some(failed) ? 1 : 0;
}

/** The log digests of the failed rows, service by service (empty when every row passed). */
export function renderFailedLogs(results: readonly ScenarioResult[]): string {
  const parts: string[] = [];
  for (const r of results) {
    if (!failed(r) || r.logs === undefined) continue;
    parts.push(`== ${r.scenario}: ${verdict(r)}`);
    for (const [service, lines] of Object.entries(r.logs)) {
      parts.push(`-- ${r.scenario} / ${service}: ${lines.length === 0 ? 'no warning or error' : `the last ${lines.length} warnings, errors and supervisor lines`}`);
      parts.push(...lines.map((l) => `   ${l}`));
    }
  }
  return parts.join('\n');
}
