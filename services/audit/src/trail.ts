import { z } from 'zod';
import { MlcError, toMlcError } from '@mlc/errors';
import type { Db } from './store.js';

/** Whose trail: one record, or everything of one correlation id. */
export type TrailSubject = { connection: string; entityType: string; key: string } | { correlationId: string };

/**
 * Position after the last item of a page. Items are ordered by (at, kind rank, topic, partition,
 * offset); operator actions sort by (at, action id). Opaque to callers (base64url JSON).
 */
export const TrailCursor = z.object({
  at: z.string().min(1),
  rank: z.number().int().min(0).max(3),
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string().regex(/^-?\d{1,19}$/),
});
export type TrailCursor = z.infer<typeof TrailCursor>;

export function encodeCursor(cursor: TrailCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** The cursor, or MLC_CONFIG_INVALID naming what is wrong with it. */
export function decodeCursor(text: string): TrailCursor {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (error) {
    throw new MlcError('MLC_CONFIG_INVALID', 'cursor is not one this service gave out', { cause: error, context: { cursor: text } });
  }
  const parsed = TrailCursor.safeParse(json);
  if (!parsed.success || Number.isNaN(Date.parse(parsed.data.at))) {
    throw new MlcError('MLC_CONFIG_INVALID', 'cursor is not one this service gave out', { context: { cursor: text } });
  }
  return parsed.data;
}

const KINDS = ['event', 'outcome', 'dlq', 'action'] as const;
export type TrailKind = (typeof KINDS)[number];

export interface TrailItem {
  kind: TrailKind;
  /** When it entered the log: the Kafka record timestamp, or when the operator acted. */
  at: string;
  /** Where it is in Kafka (actions: their id as `offset`, topic empty). */
  topic: string;
  partition: number;
  offset: string;
  [field: string]: unknown;
}

export interface TrailPage {
  items: TrailItem[];
  /** Give it back to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface TrailQuery {
  subject: TrailSubject;
  limit: number;
  after?: TrailCursor | undefined;
}

// The first page starts before everything.
const START: Omit<TrailCursor, 'rank'> & { rank: number } = { at: '-infinity', rank: -1, topic: '', partition: -1, offset: '-1' };

const US = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const iso = (column: string) => `to_char(${column} at time zone 'UTC', ${US})`;

/**
 * The trail in time order: events (source, when it happened, when we saw it, who), outcomes per
 * writer and target, DLQ records, operator actions. Each source is read by its index up to the
 * page size past the cursor, then merged; so a page costs four index range scans however long the
 * record's history is.
 */
export async function queryTrail(db: Pick<Db, 'query'>, { subject, limit, after = START }: TrailQuery): Promise<TrailPage> {
  const byRecord = 'connection' in subject;
  const params: unknown[] = byRecord ? [subject.connection, subject.entityType, subject.key] : [subject.correlationId];
  const filter = (alias: string) =>
    byRecord ? `${alias}.connection = $1 and ${alias}.entity_type = $2 and ${alias}.entity_key = $3` : `${alias}.correlation_id = $1`;
  const n = params.length;
  params.push(after.at, after.rank, after.topic, after.partition, after.offset, limit + 1);
  const [cAt, cRank, cTopic, cPart, cOff, cLimit] = [1, 2, 3, 4, 5, 6].map((i) => `$${n + i}`);
  const kafkaAfter = (alias: string, rank: number) =>
    `(${alias}.kafka_ts, ${rank}, ${alias}.topic, ${alias}.kafka_partition, ${alias}.kafka_offset) > (${cAt}::timestamptz, ${cRank}::int, ${cTopic}::text, ${cPart}::int, ${cOff}::bigint)`;
  const kafkaOrder = (alias: string) => `order by ${alias}.kafka_ts, ${alias}.topic, ${alias}.kafka_partition, ${alias}.kafka_offset limit ${cLimit}`;
  const common = (alias: string, rank: number) =>
    `${rank} as rank, ${alias}.kafka_ts as at, ${alias}.topic, ${alias}.kafka_partition as part, ${alias}.kafka_offset as off`;
  const sql = `
    with page as (
      (select ${common('e', 0)}, jsonb_build_object(
          'source', e.source, 'type', e.event_type, 'eventId', e.event_id, 'connection', e.connection,
          'entity', jsonb_build_object('type', e.entity_type, 'key', e.entity_key),
          'occurredAt', e.occurred_at, 'observedAt', e.observed_at, 'actor', e.actor,
          'contentHash', e.content_hash, 'correlationId', e.correlation_id, 'causationId', e.causation_id,
          'replayId', e.headers->>'mlc-replay-id') as item
        from audit_events e where ${filter('e')} and ${kafkaAfter('e', 0)} ${kafkaOrder('e')})
      union all
      (select ${common('o', 1)}, jsonb_build_object(
          'writer', o.writer, 'status', o.status, 'eventId', o.event_id, 'connection', o.connection,
          'entity', jsonb_build_object('type', o.entity_type, 'key', o.entity_key),
          'target', jsonb_build_object('system', o.target_system, 'id', o.target_id),
          'sourceTopic', o.source_topic, 'attempts', o.attempts,
          'error', case when o.error_code is null then null else jsonb_build_object('code', o.error_code, 'message', o.error_message) end,
          'outcomeAt', o.at, 'correlationId', o.correlation_id, 'replay', o.payload->'replay') as item
        from audit_outcomes o where ${filter('o')} and ${kafkaAfter('o', 1)} ${kafkaOrder('o')})
      union all
      (select ${common('d', 2)}, jsonb_build_object(
          'component', d.component, 'group', d.dlq_group, 'eventId', d.event_id, 'connection', d.connection,
          'entity', jsonb_build_object('type', d.entity_type, 'key', d.entity_key),
          'error', jsonb_build_object('code', d.error_code, 'message', d.error_message, 'retriable', d.retriable),
          'attempts', d.attempts, 'deadLetteredAt', d.dead_lettered_at, 'correlationId', d.correlation_id,
          'status', d.status, 'resolvedActionId', d.resolved_action_id::text,
          'original', jsonb_build_object('topic', d.source_topic, 'partition', d.source_partition, 'offset', d.source_offset::text)) as item
        from audit_dlq d where ${filter('d')} and ${kafkaAfter('d', 2)} ${kafkaOrder('d')})
      union all
      (select 3 as rank, a.at, '' as topic, 0 as part, a.id as off, jsonb_build_object(
          'action', a.kind, 'actionId', a.id, 'actor', a.actor, 'reason', coalesce(r.reason, a.reason), 'dryRun', a.dry_run,
          'recordCount', a.record_count, 'selection', a.selection, 'eventId', r.event_id) as item
        from audit_operator_action_records r join audit_operator_actions a on a.id = r.action_id
        where ${filter('r')} and (a.at, 3, '', 0, a.id) > (${cAt}::timestamptz, ${cRank}::int, ${cTopic}::text, ${cPart}::int, ${cOff}::bigint)
        order by a.at, a.id limit ${cLimit})
    )
    select rank, ${iso('at')} as at, topic, part, off::text as off, item from page
    order by page.at, rank, topic, part, page.off limit ${cLimit}`;
  try {
    const { rows } = await db.query<{ rank: number; at: string; topic: string; part: number; off: string; item: Record<string, unknown> }>(sql, params);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => ({ kind: KINDS[r.rank]!, at: r.at, topic: r.topic, partition: r.part, offset: r.off, ...withDirection(r.rank, r.item) })),
      nextCursor: rows.length > limit && last ? encodeCursor({ at: last.at, rank: last.rank, topic: last.topic, partition: last.part, offset: last.off }) : null,
    };
  } catch (error) {
    throw toMlcError(error, { call: 'trail' });
  }
}

// An outcome's direction reads better than its source topic: `syspro → coupa`.
function withDirection(rank: number, item: Record<string, unknown>): Record<string, unknown> {
  if (rank !== 1) return item;
  const { sourceTopic, ...rest } = item;
  const source = typeof sourceTopic === 'string' ? /(?:^|\.)(syspro|coupa|infor)\.[a-z-]+\.v1$/.exec(sourceTopic)?.[1] : undefined;
  const target = (item.target as { system?: unknown } | null)?.system;
  return { ...rest, sourceTopic, direction: source !== undefined && typeof target === 'string' ? `${source} → ${target}` : null };
}
