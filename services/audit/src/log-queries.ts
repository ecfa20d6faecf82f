import { withTransaction } from '@mlc/db';
import { toMlcError } from '@mlc/errors';
import type { Db } from './store.js';

// Queries for the replay work built on this log (republish, DLQ redrive and discard): selecting
// events, and recording what an operator did so it shows in the trail.

/** Which events to select; every given field narrows. */
export interface EventSelection {
  connection?: string;
  entityType?: string;
  /** Entity keys (natural keys); with `entityType`. */
  keys?: readonly string[];
  source?: string;
  /** Kafka record time, inclusive. */
  from?: Date;
  /** Kafka record time, exclusive. */
  to?: Date;
  /** Continue after this event (keyset paging); the last row of the previous page. */
  after?: { kafkaTs: string; topic: string; partition: number; offset: string };
  limit: number;
}

export interface LoggedEvent {
  topic: string;
  partition: number;
  offset: string;
  /** ISO with microseconds; pass back in `after`. */
  kafkaTs: string;
  eventId: string | null;
  connection: string | null;
  entityType: string | null;
  entityKey: string | null;
  source: string | null;
  recordKey: string | null;
  headers: Record<string, string | string[]>;
  /** The value as published (envelope and data), ready to encode again. */
  payload: Record<string, unknown>;
}

/** Events in Kafka time order, each once (its first copy), for republishing; works after Kafka's retention dropped them. */
export async function selectEvents(db: Pick<Db, 'query'>, selection: EventSelection): Promise<LoggedEvent[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (selection.connection !== undefined) add((p) => `connection = ${p}`, selection.connection);
  if (selection.entityType !== undefined) add((p) => `entity_type = ${p}`, selection.entityType);
  if (selection.keys !== undefined) add((p) => `entity_key = any(${p}::text[])`, selection.keys);
  if (selection.source !== undefined) add((p) => `source = ${p}`, selection.source);
  let fromParam: string | undefined;
  if (selection.from !== undefined) {
    add((p) => `kafka_ts >= ${p}`, selection.from.toISOString());
    fromParam = `$${params.length}`;
  }
  if (selection.to !== undefined) add((p) => `kafka_ts < ${p}`, selection.to.toISOString());
  if (selection.after !== undefined) {
    const { kafkaTs, topic, partition, offset } = selection.after;
    params.push(kafkaTs, topic, partition, offset);
    const n = params.length;
    where.push(`(kafka_ts, topic, kafka_partition, kafka_offset) > ($${n - 3}::timestamptz, $${n - 2}::text, $${n - 1}::int, $${n}::bigint)`);
  }
  // A republish or redrive sends an event again under its own id: the log then holds several
  // copies. Select each event once, by its first copy in the window, or every republish of a
  // window would also send the copies the last one made.
  const fromBound = fromParam === undefined ? '' : ` and prior.kafka_ts >= ${fromParam}`;
  where.push(`not exists (select 1 from audit_events prior
    where prior.event_id = audit_events.event_id and prior.topic = audit_events.topic${fromBound}
      and (prior.kafka_ts, prior.kafka_partition, prior.kafka_offset) < (audit_events.kafka_ts, audit_events.kafka_partition, audit_events.kafka_offset))`);
  params.push(selection.limit);
  const sql = `
    select topic, kafka_partition as partition, kafka_offset::text as offset,
      to_char(kafka_ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "kafkaTs",
      event_id as "eventId", connection, entity_type as "entityType", entity_key as "entityKey", source,
      record_key as "recordKey", headers, payload
    from audit_events ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
    order by kafka_ts, topic, kafka_partition, kafka_offset limit $${params.length}`;
  try {
    return (await db.query<LoggedEvent>(sql, params)).rows;
  } catch (error) {
    throw toMlcError(error, { call: 'select events' });
  }
}

export type OperatorActionKind = 'rewind' | 'republish' | 'resync' | 'redrive' | 'discard' | 'reconcile';

/** A record an action touched; any of the identifying fields may be given. */
export interface ActionRecord {
  connection?: string | null;
  entityType?: string | null;
  entityKey?: string | null;
  correlationId?: string | null;
  eventId?: string | null;
  dlq?: { topic: string; partition: number; offset: string };
  /** Why this record was touched (a reconciliation's drift category and fields); its trail shows it. */
  reason?: string | null;
}

export interface OperatorAction {
  kind: OperatorActionKind;
  /** Who (an operator's name, from the CLI's environment or flag). */
  actor: string;
  /** What was asked for, as given (group, topics, time, connection, keys, ...). */
  selection: Record<string, unknown>;
  reason?: string;
  dryRun?: boolean;
  /** Default: the number of `records`. */
  recordCount?: number;
  details?: Record<string, unknown>;
  records?: readonly ActionRecord[];
}

/** Records an operator action and the records it touched, in one transaction. */
export async function recordOperatorAction(db: Db, action: OperatorAction): Promise<{ id: string; at: string }> {
  const records = action.records ?? [];
  return withTransaction(db, { call: 'record operator action' }, async (client) => {
    const { rows } = await client.query<{ id: string; at: string }>(
      `insert into audit_operator_actions (kind, actor, selection, reason, dry_run, record_count, details)
       values ($1, $2, $3, $4, $5, $6, $7)
       returning id::text, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at`,
      [action.kind, action.actor, JSON.stringify(action.selection), action.reason ?? null, action.dryRun ?? false, action.recordCount ?? records.length, JSON.stringify(action.details ?? {})],
    );
    const { id, at } = rows[0]!;
    if (records.length > 0) {
      const col = <T>(get: (r: ActionRecord) => T) => records.map(get);
      await client.query(
        `insert into audit_operator_action_records
           (action_id, connection, entity_type, entity_key, correlation_id, event_id, dlq_topic, dlq_partition, dlq_offset, reason)
         select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::bigint[], $10::text[])`,
        [
          id,
          col((r) => r.connection ?? null),
          col((r) => r.entityType ?? null),
          col((r) => r.entityKey ?? null),
          col((r) => r.correlationId ?? null),
          col((r) => r.eventId ?? null),
          col((r) => r.dlq?.topic ?? null),
          col((r) => r.dlq?.partition ?? null),
          col((r) => r.dlq?.offset ?? null),
          col((r) => r.reason ?? null),
        ],
      );
    }
    return { id, at };
  });
}

/** Adds to an action's details what became known after it was recorded (how many were published, where it stopped). */
export async function updateOperatorActionDetails(db: Pick<Db, 'query'>, id: string, details: Record<string, unknown>): Promise<void> {
  try {
    await db.query('update audit_operator_actions set details = details || $2::jsonb where id = $1', [id, JSON.stringify(details)]);
  } catch (error) {
    throw toMlcError(error, { call: 'update operator action', id });
  }
}

/** Whether the log has heard of a connection (an event, outcome or DLQ entry of it); index lookups only. */
export async function isKnownConnection(db: Pick<Db, 'query'>, connection: string): Promise<boolean> {
  try {
    const { rows } = await db.query<{ known: boolean }>(
      `select exists (select 1 from audit_events where connection = $1)
           or exists (select 1 from audit_outcomes where connection = $1)
           or exists (select 1 from audit_dlq where connection = $1) as known`,
      [connection],
    );
    return rows[0]?.known === true;
  } catch (error) {
    throw toMlcError(error, { call: 'known connection', connection });
  }
}
