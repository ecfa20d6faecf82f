import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import { z } from 'zod';
import { CURSOR_TOPIC as INFOR_CURSOR_TOPIC } from '@mlc/infor-poller';
import { readCompactedTopic, type TopicNamespace } from '@mlc/kafka';
import type { Logger } from '@mlc/log';
import { CURSOR_TOPIC as SYSPRO_CURSOR_TOPIC } from '@mlc/syspro-poller';
import { REASON_LABELS, classifyFailure } from './classify.js';
import { renderTable } from './table.js';

/** The writers whose consumer groups, circuits, DLQs and outcomes `mlc status` shows. */
export const WRITERS = ['coupa-writer', 'syspro-writer', 'infor-writer'] as const;
/** The pollers' compacted cursor topics: every committed page writes `{ connection, stream, committedAt }` there. */
export const POLLER_CURSOR_TOPICS = { 'syspro-poller': SYSPRO_CURSOR_TOPIC, 'infor-poller': INFOR_CURSOR_TOPIC } as const;

export interface StatusDeps {
  admin(): Promise<Admin>;
  kafka: Kafka;
  namespace: TopicNamespace;
  /** The audit schema (outcomes, DLQ entries). */
  db: Pick<pg.Pool, 'query'>;
  /** The services' tables (circuits, parked records). */
  pollerDb(): Pick<pg.Pool, 'query'>;
  logger: Logger;
  now(): Date;
}

export interface TopicLag {
  topic: string;
  lag: number;
}

export interface WriterLag {
  writer: string;
  /** Kafka's group state (Stable, Empty, Dead, …). */
  state: string;
  members: number;
  /** Sum over the partitions the group has committed on: end offset minus committed offset. */
  lag: number;
  topics: TopicLag[];
}

export interface PollMark {
  connection: string;
  poller: string;
  /** The entity (`supplier`), or a cursor's stream of its own (`purchase-order-lines`). */
  stream: string;
  /** When the poller last finished a successful poll of the entity, changes or none (its `*_poller_polls` table). */
  lastSuccessAt: string | null;
  successAgeSeconds: number | null;
  /** When the poller last committed a page of this stream (its cursor topic): the last poll that found a change. */
  committedAt: string | null;
  ageSeconds: number | null;
}

/** The pollers' tables of their last successful poll per entity (from their migrations). */
export const POLLER_POLL_TABLES = { 'syspro-poller': 'syspro_poller_polls', 'infor-poller': 'infor_poller_polls' } as const;

export interface CircuitRow {
  writer: string;
  connection: string;
  target: string;
  state: string;
  failures: number;
  lastCode: string | null;
  since: string;
  nextProbeAt: string | null;
}

export interface ConnectionWriterStatus {
  connection: string;
  writer: string;
  circuits: CircuitRow[];
  dlqOpen: number;
  oldestOpenDlq: string | null;
  parked: number;
  /** Outcomes of the last hour by status (`created`, `updated`, `failed`, …). */
  outcomes: Record<string, number>;
}

export interface StatusReport {
  at: string;
  writers: WriterLag[];
  connections: ConnectionWriterStatus[];
  polls: PollMark[];
  /** What could not be read (a topic or table missing, Kafka down): shown, never fatal. */
  problems: { source: string; reason: string; detail: string }[];
}

export interface StatusParams {
  connection?: string | undefined;
}

/** Lag of a group from its committed offsets and the topics' end offsets. Pure. */
export function lagOf(
  committed: readonly { topic: string; partitions: readonly { partition: number; offset: string }[] }[],
  ends: ReadonlyMap<string, readonly { partition: number; high: string; low: string }[]>,
): TopicLag[] {
  return committed
    .map(({ topic, partitions }) => {
      const marks = ends.get(topic) ?? [];
      let lag = 0;
      for (const { partition, offset } of partitions) {
        const end = marks.find((m) => m.partition === partition);
        if (end === undefined) continue;
        // No commit yet (-1): everything still retained is behind.
        const from = Number(offset) < 0 ? Number(end.low) : Number(offset);
        lag += Math.max(0, Number(end.high) - from);
      }
      return { topic, lag };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic));
}

async function writerLags(deps: StatusDeps, problems: StatusReport['problems']): Promise<WriterLag[]> {
  let admin: Admin;
  try {
    admin = await deps.admin();
  } catch (error) {
    problems.push({ source: 'kafka', ...describe(error) });
    return [];
  }
  const groups = WRITERS.map((w) => deps.namespace.groupId(w));
  const described = await admin.describeGroups(groups);
  const out: WriterLag[] = [];
  for (const writer of WRITERS) {
    const groupId = deps.namespace.groupId(writer);
    const group = described.groups.find((g) => g.groupId === groupId);
    // Asked without topics, Kafka answers the partitions with a commit; asked per topic, every partition.
    const withCommits = (await admin.fetchOffsets({ groupId })).filter((t) => t.partitions.some((p) => Number(p.offset) >= 0)).map((t) => t.topic);
    if (withCommits.length === 0 && (group === undefined || group.state === 'Dead')) continue;
    const committed = withCommits.length === 0 ? [] : await admin.fetchOffsets({ groupId, topics: withCommits });
    const ends = new Map(await Promise.all(committed.map(async (t) => [t.topic, await admin.fetchTopicOffsets(t.topic)] as const)));
    const topics = lagOf(committed, ends).map((t) => ({ ...t, topic: deps.namespace.logical(t.topic) }));
    out.push({ writer, state: group?.state ?? 'Unknown', members: group?.members.length ?? 0, lag: topics.reduce((n, t) => n + t.lag, 0), topics });
  }
  return out;
}

const CursorMark = z.object({ connection: z.string(), stream: z.string(), committedAt: z.string() });

async function pollMarks(deps: StatusDeps, connection: string | undefined, problems: StatusReport['problems']): Promise<PollMark[]> {
  const now = deps.now().getTime();
  const perPoller = await Promise.all(
    Object.entries(POLLER_CURSOR_TOPICS).map(async ([poller, logical]) => {
      const topic = deps.namespace.topic(logical);
      try {
        const admin = await deps.admin();
        // A deployment without this poller has no cursor topic: nothing to show, no problem.
        if (!(await admin.listTopics()).includes(topic)) return [];
        const marks = await readCompactedTopic({ kafka: deps.kafka, topic, schema: CursorMark, keyPrefix: connection === undefined ? '' : `${connection}:`, logger: deps.logger, timeoutMs: 30_000 });
        return [...marks.values()].map((m) => ({ connection: m.connection, poller, stream: m.stream, committedAt: m.committedAt, ageSeconds: ageOf(now, m.committedAt) }));
      } catch (error) {
        problems.push({ source: `${poller} cursors`, ...describe(error) });
        return [];
      }
    }),
  );
  const successes = await Promise.all(
    Object.entries(POLLER_POLL_TABLES).map(async ([poller, table]) => {
      try {
        const { rows } = await deps
          .pollerDb()
          .query<{ connection: string; entity: string; last_success_at: Date }>(`select connection, entity, last_success_at from ${table} where $1::text is null or connection = $1`, [connection ?? null]);
        return rows.map((r) => ({ connection: r.connection, poller, stream: r.entity, lastSuccessAt: r.last_success_at.toISOString() }));
      } catch (error) {
        // 42P01: this poller never ran against this database; nothing to show.
        if ((error as { code?: unknown }).code !== '42P01') problems.push({ source: `${poller} polls (${table})`, ...describe(error) });
        return [];
      }
    }),
  );
  const marks = new Map<string, PollMark>();
  const mark = (m: { connection: string; poller: string; stream: string }): PollMark => {
    const key = `${m.connection}\u0000${m.poller}\u0000${m.stream}`;
    let found = marks.get(key);
    if (found === undefined) {
      found = { connection: m.connection, poller: m.poller, stream: m.stream, lastSuccessAt: null, successAgeSeconds: null, committedAt: null, ageSeconds: null };
      marks.set(key, found);
    }
    return found;
  };
  for (const s of successes.flat()) Object.assign(mark(s), { lastSuccessAt: s.lastSuccessAt, successAgeSeconds: ageOf(now, s.lastSuccessAt) });
  for (const c of perPoller.flat()) Object.assign(mark(c), { committedAt: c.committedAt, ageSeconds: c.ageSeconds });
  return [...marks.values()].sort((a, b) => a.connection.localeCompare(b.connection) || a.poller.localeCompare(b.poller) || a.stream.localeCompare(b.stream));
}

const ageOf = (now: number, iso: string): number => Math.max(0, Math.round((now - Date.parse(iso)) / 1000));

function describe(error: unknown): { reason: string; detail: string } {
  const { reason, detail } = classifyFailure(error);
  return { reason: REASON_LABELS[reason], detail };
}

/** Rows of a query on a table that may not exist yet (no service has migrated it): none then, and a problem noted. */
async function rowsOf<R extends pg.QueryResultRow>(db: Pick<pg.Pool, 'query'>, source: string, sql: string, params: unknown[], problems: StatusReport['problems']): Promise<R[]> {
  try {
    return (await db.query<R>(sql, params)).rows;
  } catch (error) {
    problems.push({ source, ...describe(error) });
    return [];
  }
}

/**
 * Everything `mlc status` shows, read once: consumer lag per writer (Kafka admin), the pollers'
 * last successful poll per entity (their `*_poller_polls` tables) and last committed page per
 * stream (their cursor topics), and per connection and writer the circuit
 * (mlc_writer_circuits), parked records, open DLQ entries and the last hour's outcomes (the audit
 * log). A source that cannot be read is listed in `problems`; the rest is still shown.
 */
export async function loadStatus(deps: StatusDeps, { connection }: StatusParams): Promise<StatusReport> {
  const problems: StatusReport['problems'] = [];
  const groups = WRITERS.map((w) => deps.namespace.groupId(w));
  const byGroup = new Map(WRITERS.map((w) => [deps.namespace.groupId(w), w] as const));
  const conn = connection ?? null;
  const [writers, polls, circuits, parked, dlq, outcomes] = await Promise.all([
    writerLags(deps, problems).catch((error: unknown) => (problems.push({ source: 'kafka', ...describe(error) }), [])),
    pollMarks(deps, connection, problems),
    rowsOf<{ writer_group: string; connection: string; target_system: string; state: string; failures: number; last_code: string | null; since: Date; next_probe_at: Date | null }>(
      deps.pollerDb(),
      'circuits (mlc_writer_circuits)',
      `select writer_group, connection, target_system, state, failures, last_code, since, next_probe_at from mlc_writer_circuits
        where writer_group = any($1) and ($2::text is null or connection = $2) order by connection, writer_group, target_system`,
      [groups, conn],
      problems,
    ),
    rowsOf<{ writer_group: string; connection: string; n: number }>(
      deps.pollerDb(),
      'parked records (mlc_parked_records)',
      `select writer_group, connection, count(*)::int as n from mlc_parked_records where writer_group = any($1) and ($2::text is null or connection = $2) group by 1, 2`,
      [groups, conn],
      problems,
    ),
    rowsOf<{ dlq_group: string; connection: string | null; n: number; oldest: Date }>(
      deps.db,
      'DLQ entries (audit_dlq)',
      `select dlq_group, connection, count(*)::int as n, min(kafka_ts) as oldest from audit_dlq
        where status = 'open' and dlq_group = any($1) and ($2::text is null or connection = $2) group by 1, 2`,
      [groups, conn],
      problems,
    ),
    rowsOf<{ writer: string; connection: string | null; status: string; n: number }>(
      deps.db,
      'outcomes (audit_outcomes)',
      `select writer, connection, status, count(*)::int as n from audit_outcomes
        where kafka_ts >= $3 and ($2::text is null or connection = $2) and (writer = any($1) or writer = any($4)) group by 1, 2, 3`,
      [groups, conn, new Date(deps.now().getTime() - 3_600_000), [...WRITERS]],
      problems,
    ),
  ]);

  const rows = new Map<string, ConnectionWriterStatus>();
  const entry = (connectionId: string | null, writer: string): ConnectionWriterStatus => {
    const id = connectionId ?? '-';
    const key = `${id}\u0000${writer}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = { connection: id, writer, circuits: [], dlqOpen: 0, oldestOpenDlq: null, parked: 0, outcomes: {} };
      rows.set(key, row);
    }
    return row;
  };
  const writerOf = (group: string) => byGroup.get(group) ?? deps.namespace.logical(group);
  for (const c of circuits) {
    entry(c.connection, writerOf(c.writer_group)).circuits.push({
      writer: writerOf(c.writer_group),
      connection: c.connection,
      target: c.target_system,
      state: c.state,
      failures: c.failures,
      lastCode: c.last_code,
      since: c.since.toISOString(),
      nextProbeAt: c.next_probe_at?.toISOString() ?? null,
    });
  }
  for (const p of parked) entry(p.connection, writerOf(p.writer_group)).parked += p.n;
  for (const d of dlq) {
    const row = entry(d.connection, writerOf(d.dlq_group));
    row.dlqOpen += d.n;
    const oldest = d.oldest.toISOString();
    if (row.oldestOpenDlq === null || oldest < row.oldestOpenDlq) row.oldestOpenDlq = oldest;
  }
  for (const o of outcomes) {
    const row = entry(o.connection, writerOf(o.writer));
    row.outcomes[o.status] = (row.outcomes[o.status] ?? 0) + o.n;
  }
  const connections = [...rows.values()].sort((a, b) => a.connection.localeCompare(b.connection) || a.writer.localeCompare(b.writer));
  return { at: deps.now().toISOString(), writers, connections, polls, problems };
}

/** `95s` → `1m35s`; hours and days for older marks. Pure. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(seconds / 86_400)}d${String(Math.floor((seconds % 86_400) / 3600)).padStart(2, '0')}h`;
}

const circuitText = (c: CircuitRow) => `${c.target}:${c.state}${c.state === 'closed' ? '' : ` (${c.failures} failures${c.lastCode ? `, ${c.lastCode}` : ''})`}`;
const outcomesText = (outcomes: Record<string, number>) =>
  Object.entries(outcomes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');

/** The report as three tables (lag per writer; per connection and writer; polls) and any problems. Pure. */
export function formatStatus(report: StatusReport): string {
  const parts: string[] = [`mlc status at ${report.at}`];
  parts.push(
    report.writers.length === 0
      ? 'Consumer lag: no writer group has committed offsets'
      : `Consumer lag (per writer group: its partitions carry every connection)\n${renderTable(
          [{ header: 'WRITER' }, { header: 'GROUP STATE' }, { header: 'MEMBERS', align: 'right' }, { header: 'LAG', align: 'right' }, { header: 'BY TOPIC', maxWidth: 120 }],
          report.writers.map((w) => [w.writer, w.state, w.members, w.lag, w.topics.filter((t) => t.lag > 0).map((t) => `${t.topic} ${t.lag}`).join(', ')]),
        )}`,
  );
  parts.push(
    report.connections.length === 0
      ? 'Writers per connection: no circuits, DLQ entries, parked records or outcomes in the last hour'
      : `Writers per connection\n${renderTable(
          [
            { header: 'CONNECTION' },
            { header: 'WRITER' },
            { header: 'CIRCUIT' },
            { header: 'DLQ OPEN', align: 'right' },
            { header: 'PARKED', align: 'right' },
            { header: 'OUTCOMES LAST HOUR', maxWidth: 100 },
          ],
          report.connections.map((c) => [
            c.connection,
            c.writer,
            c.circuits.length === 0 ? '-' : c.circuits.map(circuitText).join(', '),
            c.dlqOpen,
            c.parked,
            outcomesText(c.outcomes),
          ]),
        )}`,
  );
  parts.push(
    report.polls.length === 0
      ? 'Polls: none recorded'
      : `Polls (last successful poll per entity; last page committed, i.e. last change read, per stream)\n${renderTable(
          [
            { header: 'CONNECTION' },
            { header: 'POLLER' },
            { header: 'ENTITY/STREAM' },
            { header: 'LAST SUCCESS' },
            { header: 'AGE', align: 'right' },
            { header: 'LAST COMMIT' },
            { header: 'AGE', align: 'right' },
          ],
          report.polls.map((p) => [
            p.connection,
            p.poller,
            p.stream,
            p.lastSuccessAt,
            p.successAgeSeconds === null ? null : formatAge(p.successAgeSeconds),
            p.committedAt,
            p.ageSeconds === null ? null : formatAge(p.ageSeconds),
          ]),
        )}`,
  );
  if (report.problems.length > 0) parts.push(`Not shown\n${report.problems.map((p) => `  ${p.source}: ${p.reason}: ${p.detail}`).join('\n')}`);
  return parts.join('\n\n');
}
