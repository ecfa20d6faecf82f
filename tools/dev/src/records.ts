// The running count of records per flow that `npm start` prints: read from the services' own
// /metrics (the counters they export anyway), so it counts what the services did, not a guess.

/** Counts by status (created, updated, dead-lettered, published, …) per flow (`from → to`). */
export type FlowCounts = Map<string, Map<string, number>>;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Pure: the samples of a Prometheus text exposition (comments skipped). */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line.trim());
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (m[2] ?? '').matchAll(LABEL)) labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1]!, labels, value });
  }
  return samples;
}

function add(counts: FlowCounts, flow: string, status: string, value: number): void {
  if (value <= 0) return;
  const byStatus = counts.get(flow) ?? new Map<string, number>();
  byStatus.set(status, (byStatus.get(status) ?? 0) + value);
  counts.set(flow, byStatus);
}

/**
 * Pure: flows in one service's metrics. A writer's consumer runtime counts every record it finished
 * by outcome status (`<topic> → <group>`); the pollers count the events they published
 * (`SYSPRO → syspro.<entity>`, `M3 → infor.suppliers`); the gateway counts Coupa call-outs by
 * outcome (`Coupa → coupa-gateway`). Topic and group names lose `topicPrefix`, topics their `.v1`.
 */
export function flowCounts(metricsText: string, topicPrefix = ''): FlowCounts {
  const counts: FlowCounts = new Map();
  const unprefixed = (name: string) => (topicPrefix !== '' && name.startsWith(topicPrefix) ? name.slice(topicPrefix.length) : name);
  const topic = (name: string) => unprefixed(name).replace(/\.v\d+$/, '');
  // The pollers label by entity type (`supplier`); their topics are plural (`syspro.suppliers`).
  const plural = (entity: string) => (entity.endsWith('s') ? entity : `${entity}s`);
  for (const { name, labels, value } of parseSamples(metricsText)) {
    if (name === 'mlc_consumer_messages_total' && labels.topic && labels.group && labels.status) {
      add(counts, `${topic(labels.topic)} → ${unprefixed(labels.group)}`, labels.status, value);
    } else if (name === 'mlc_syspro_events_published_total' && labels.entity) {
      add(counts, `SYSPRO → syspro.${plural(labels.entity)}`, 'published', value);
    } else if (name === 'mlc_infor_events_published_total') {
      add(counts, 'M3 → infor.suppliers', 'published', value);
    } else if (name === 'coupa_gateway_requests_total' && labels.outcome) {
      add(counts, 'Coupa → coupa-gateway', labels.outcome, value);
    }
  }
  return counts;
}

/** Pure: several services' counts together. */
export function mergeCounts(all: readonly FlowCounts[]): FlowCounts {
  const merged: FlowCounts = new Map();
  for (const counts of all) for (const [flow, byStatus] of counts) for (const [status, n] of byStatus) add(merged, flow, status, n);
  return merged;
}

/** Pure: `{ flow: { status: n } }`, flows and statuses sorted, for JSON output and comparison. */
export function countsObject(counts: FlowCounts): Record<string, Record<string, number>> {
  return Object.fromEntries(
    [...counts.keys()].sort().map((flow) => [flow, Object.fromEntries([...counts.get(flow)!.entries()].sort(([a], [b]) => a.localeCompare(b)))]),
  );
}

/** Pure: the status block for a person, one line per flow; `undefined` when nothing moved yet. */
export function renderCounts(counts: FlowCounts): string[] | undefined {
  const flows = countsObject(counts);
  const names = Object.keys(flows);
  if (names.length === 0) return undefined;
  const width = Math.max(...names.map((n) => n.length));
  return names.map((flow) => {
    const byStatus = flows[flow]!;
    const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
    return `${flow.padEnd(width)}  ${String(total).padStart(6)}  ${Object.entries(byStatus)
      .map(([status, n]) => `${n} ${status}`)
      .join(', ')}`;
  });
}
