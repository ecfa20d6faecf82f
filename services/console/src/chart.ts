import { html, type Html } from './html.js';

// A small inline SVG bar chart of outcomes per hour, stacked by kind (ok / failed / other). Pure.

export interface HourCounts {
  /** Start of the hour, ISO. */
  hour: string;
  ok: number;
  failed: number;
  other: number;
}

const FAILED = new Set(['failed', 'dead-lettered']);
const OK = new Set(['created', 'updated', 'unchanged', 'echo', 'skipped']);

export function bucketKind(status: string): keyof Omit<HourCounts, 'hour'> {
  return FAILED.has(status) ? 'failed' : OK.has(status) ? 'ok' : 'other';
}

/** The last `hours` hours ending with the hour of `now`, each with its counts (zero where none). */
export function hourSeries(rows: readonly { hour: string; status: string; count: number }[], now: Date, hours = 24): HourCounts[] {
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), now.getUTCHours());
  const series: HourCounts[] = [];
  for (let i = hours - 1; i >= 0; i--) series.push({ hour: new Date(end - i * 3_600_000).toISOString().replace('.000Z', 'Z'), ok: 0, failed: 0, other: 0 });
  const byHour = new Map(series.map((s) => [s.hour, s]));
  for (const r of rows) {
    const slot = byHour.get(r.hour);
    if (slot !== undefined) slot[bucketKind(r.status)] += r.count;
  }
  return series;
}

export function outcomeChart(series: readonly HourCounts[], label: string): Html {
  const w = 6;
  const gap = 2;
  const height = 40;
  const max = Math.max(1, ...series.map((s) => s.ok + s.failed + s.other));
  const bars = series.map((s, i) => {
    const x = i * (w + gap);
    let y = height;
    return ([['ok', s.ok], ['failed', s.failed], ['other', s.other]] as const).map(([kind, n]) => {
      if (n === 0) return '';
      const h = Math.max(1, Math.round((n / max) * height));
      y -= h;
      return html`<rect class="${kind}" x="${x}" y="${y}" width="${w}" height="${h}"><title>${s.hour}: ${n} ${kind}</title></rect>`;
    });
  });
  return html`<svg class="chart" role="img" aria-label="${label}" width="${series.length * (w + gap)}" height="${height}" viewBox="0 0 ${series.length * (w + gap)} ${height}">${bars}</svg>`;
}
