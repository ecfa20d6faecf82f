import { toMlcError } from '@mlc/errors';
import type { Db } from './store.js';

// Queries of the operator console (services/console) and of `mlc check`'s kept results; each
// reads by an index (0004_console.sql) and returns at most `limit` rows.

const US = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

export interface FoundRecord {
  connection: string;
  entityType: string;
  entityKey: string;
  lastSeen: string;
  events: number;
}

/** Records whose entity key is `text` (a supplier, PO or invoice number), in any connection; last seen first. */
export async function findRecordsByKey(db: Pick<Db, 'query'>, text: string, limit: number): Promise<FoundRecord[]> {
  try {
    const { rows } = await db.query<FoundRecord>(
      `select connection, entity_type as "entityType", entity_key as "entityKey",
         to_char(max(kafka_ts) at time zone 'UTC', ${US}) as "lastSeen", count(*)::int as events
       from audit_events where entity_key = $1 and connection is not null and entity_type is not null
       group by connection, entity_type, entity_key order by max(kafka_ts) desc limit $2`,
      [text, limit],
    );
    return rows;
  } catch (error) {
    throw toMlcError(error, { call: 'find records by key' });
  }
}

export interface OutcomeBucket {
  connection: string;
  /** Start of the hour, ISO. */
  hour: string;
  status: string;
  count: number;
}

/** Outcomes per connection, hour and status since `since` (the connections page's chart). */
export async function outcomeBuckets(db: Pick<Db, 'query'>, since: Date): Promise<OutcomeBucket[]> {
  try {
    const { rows } = await db.query<OutcomeBucket>(
      `select connection, to_char(date_trunc('hour', kafka_ts at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:00:00"Z"') as hour, status, count(*)::int as count
       from audit_outcomes where kafka_ts >= $1 and connection is not null
       group by 1, 2, 3 order by 1, 2, 3`,
      [since.toISOString()],
    );
    return rows;
  } catch (error) {
    throw toMlcError(error, { call: 'outcome buckets' });
  }
}

export interface ActionSummary {
  id: string;
  kind: string;
  actor: string;
  at: string;
  reason: string | null;
  dryRun: boolean;
  recordCount: number;
  selection: Record<string, unknown>;
  details: Record<string, unknown>;
}

/** Operator actions newest first (keyset: ids below `before`), of the given kinds (all when undefined). */
export async function listActions(db: Pick<Db, 'query'>, { kinds, before, limit }: { kinds?: readonly string[] | undefined; before?: string | undefined; limit: number }): Promise<ActionSummary[]> {
  try {
    const { rows } = await db.query<ActionSummary>(
      `select id::text, kind, actor, to_char(at at time zone 'UTC', ${US}) as at, reason, dry_run as "dryRun", record_count as "recordCount", selection, details
       from audit_operator_actions where ($1::text[] is null or kind = any($1)) and ($2::bigint is null or id < $2)
       order by id desc limit $3`,
      [kinds ?? null, before ?? null, limit],
    );
    return rows;
  } catch (error) {
    throw toMlcError(error, { call: 'list actions' });
  }
}

export interface StoredEvent {
  topic: string;
  partition: number;
  offset: string;
  kafkaTs: string;
  headers: Record<string, string | string[]>;
  payload: Record<string, unknown>;
}

/** One event as the log holds it (its primary key), or undefined. */
export async function getEvent(db: Pick<Db, 'query'>, position: { topic: string; partition: number; offset: string }): Promise<StoredEvent | undefined> {
  try {
    const { rows } = await db.query<StoredEvent>(
      `select topic, kafka_partition as partition, kafka_offset::text as offset, to_char(kafka_ts at time zone 'UTC', ${US}) as "kafkaTs", headers, payload
       from audit_events where topic = $1 and kafka_partition = $2 and kafka_offset = $3 limit 1`,
      [position.topic, position.partition, position.offset],
    );
    return rows[0];
  } catch (error) {
    throw toMlcError(error, { call: 'get event', ...position });
  }
}

export interface CheckRunLine {
  connection: string | null;
  system: string;
  check: string;
  ok: boolean;
  detail: string;
}

export interface CheckRun {
  id: string;
  at: string;
  connection: string | null;
  ok: boolean;
  lines: CheckRunLine[];
}

/** Keeps a `mlc check` run's result for the console. */
export async function recordCheckRun(db: Pick<Db, 'query'>, run: Omit<CheckRun, 'id' | 'at'>): Promise<void> {
  try {
    await db.query('insert into audit_check_runs (connection, ok, lines) values ($1, $2, $3)', [run.connection, run.ok, JSON.stringify(run.lines)]);
  } catch (error) {
    throw toMlcError(error, { call: 'record check run' });
  }
}

/** The latest check runs (newest first). */
export async function latestCheckRuns(db: Pick<Db, 'query'>, limit: number): Promise<CheckRun[]> {
  try {
    const { rows } = await db.query<CheckRun>(
      `select id::text, to_char(at at time zone 'UTC', ${US}) as at, connection, ok, lines from audit_check_runs order by id desc limit $1`,
      [limit],
    );
    return rows;
  } catch (error) {
    throw toMlcError(error, { call: 'latest check runs' });
  }
}
