import type pg from 'pg';
import { withTransaction } from '@mlc/db';
import type { AuditRows } from './records.js';

/** What the store needs of Postgres: a pg Pool (a transaction takes one client). */
export type Db = Pick<pg.Pool, 'connect' | 'query'>;

export const AUDIT_MIGRATIONS = new URL('../migrations/', import.meta.url);

/** Rows actually inserted per table; the rest were already there (redelivery). */
export interface InsertResult {
  events: number;
  outcomes: number;
  dlq: number;
  undecodable: number;
}

type Column<R> = readonly [name: string, pgType: string, get: (row: R) => unknown];

const REF = [
  ['topic', 'text', (r: { topic: string }) => r.topic],
  ['kafka_partition', 'int', (r: { partition: number }) => r.partition],
  ['kafka_offset', 'bigint', (r: { offset: string }) => r.offset],
  ['kafka_ts', 'timestamptz', (r: { kafkaTs: string }) => r.kafkaTs],
] as const;

const EVENT_COLUMNS: readonly Column<AuditRows['events'][number]>[] = [
  ...REF,
  ['event_id', 'text', (r) => r.eventId],
  ['connection', 'text', (r) => r.connection],
  ['entity_type', 'text', (r) => r.entityType],
  ['entity_key', 'text', (r) => r.entityKey],
  ['source', 'text', (r) => r.source],
  ['event_type', 'text', (r) => r.eventType],
  ['occurred_at', 'timestamptz', (r) => r.occurredAt],
  ['observed_at', 'timestamptz', (r) => r.observedAt],
  ['actor', 'text', (r) => r.actor],
  ['content_hash', 'text', (r) => r.contentHash],
  ['correlation_id', 'text', (r) => r.correlationId],
  ['causation_id', 'text', (r) => r.causationId],
  ['schema_id', 'int', (r) => r.schemaId],
  ['record_key', 'text', (r) => r.recordKey],
  ['headers', 'jsonb', (r) => r.headers],
  ['payload', 'jsonb', (r) => r.payload],
];

const OUTCOME_COLUMNS: readonly Column<AuditRows['outcomes'][number]>[] = [
  ...REF,
  ['event_id', 'text', (r) => r.eventId],
  ['event_type', 'text', (r) => r.eventType],
  ['connection', 'text', (r) => r.connection],
  ['entity_type', 'text', (r) => r.entityType],
  ['entity_key', 'text', (r) => r.entityKey],
  ['correlation_id', 'text', (r) => r.correlationId],
  ['writer', 'text', (r) => r.writer],
  ['status', 'text', (r) => r.status],
  ['target_system', 'text', (r) => r.targetSystem],
  ['target_id', 'text', (r) => r.targetId],
  ['attempts', 'int', (r) => r.attempts],
  ['error_code', 'text', (r) => r.errorCode],
  ['error_message', 'text', (r) => r.errorMessage],
  ['source_topic', 'text', (r) => r.sourceTopic],
  ['source_partition', 'int', (r) => r.sourcePartition],
  ['source_offset', 'bigint', (r) => r.sourceOffset],
  ['at', 'timestamptz', (r) => r.at],
  ['schema_id', 'int', (r) => r.schemaId],
  ['headers', 'jsonb', (r) => r.headers],
  ['payload', 'jsonb', (r) => r.payload],
];

const DLQ_COLUMNS: readonly Column<AuditRows['dlq'][number]>[] = [
  ...REF,
  ['component', 'text', (r) => r.component],
  ['error_code', 'text', (r) => r.errorCode],
  ['error_message', 'text', (r) => r.errorMessage],
  ['retriable', 'boolean', (r) => r.retriable],
  ['dlq_group', 'text', (r) => r.group],
  ['source_topic', 'text', (r) => r.sourceTopic],
  ['source_partition', 'int', (r) => r.sourcePartition],
  ['source_offset', 'bigint', (r) => r.sourceOffset],
  ['attempts', 'int', (r) => r.attempts],
  ['dead_lettered_at', 'timestamptz', (r) => r.deadLetteredAt],
  ['event_id', 'text', (r) => r.eventId],
  ['connection', 'text', (r) => r.connection],
  ['entity_type', 'text', (r) => r.entityType],
  ['entity_key', 'text', (r) => r.entityKey],
  ['correlation_id', 'text', (r) => r.correlationId],
  ['original_key', 'bytea', (r) => r.originalKey],
  ['original_value', 'bytea', (r) => r.originalValue],
  ['original_headers', 'jsonb', (r) => r.originalHeaders],
];

const UNDECODABLE_COLUMNS: readonly Column<AuditRows['undecodable'][number]>[] = [
  ...REF,
  ['record_key', 'bytea', (r) => r.recordKey],
  ['value', 'bytea', (r) => r.value],
  ['headers', 'jsonb', (r) => r.headers],
  ['error_code', 'text', (r) => r.errorCode],
  ['error_message', 'text', (r) => r.errorMessage],
];

/**
 * One multi-row INSERT per table: every column as one array parameter, unnested server-side. A
 * statement's size no longer depends on the row count (no 65,535-parameter limit, one plan).
 */
export function insertStatement<R>(table: string, columns: readonly Column<R>[], rows: readonly R[]): { text: string; values: unknown[] } {
  const names = columns.map(([name]) => name).join(', ');
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  return {
    text: `insert into ${table} (${names}) select * from unnest(${arrays}) on conflict do nothing`,
    values: columns.map(([, , get]) => rows.map(get)),
  };
}

export const TABLES = {
  events: { table: 'audit_events', columns: EVENT_COLUMNS },
  outcomes: { table: 'audit_outcomes', columns: OUTCOME_COLUMNS },
  dlq: { table: 'audit_dlq', columns: DLQ_COLUMNS },
  undecodable: { table: 'audit_undecodable', columns: UNDECODABLE_COLUMNS },
} as const;

export interface AuditWriter {
  /**
   * Inserts a batch's rows in one transaction; rows already present (same topic, partition,
   * offset) are skipped. Throws MLC_DB_UNAVAILABLE when Postgres or the connection fails (nothing
   * was written), MLC_DB_QUERY_FAILED with a data SQLSTATE (`isRefusedData`) when Postgres refused a row's data.
   */
  insert(rows: AuditRows): Promise<InsertResult>;
}

export function createAuditWriter({ db }: { db: Db }): AuditWriter {
  return {
    insert: (rows) =>
      withTransaction(db, { call: 'insert audit rows' }, async (client) => {
        const result: InsertResult = { events: 0, outcomes: 0, dlq: 0, undecodable: 0 };
        for (const kind of ['events', 'outcomes', 'dlq', 'undecodable'] as const) {
          const list = rows[kind] as readonly unknown[];
          if (list.length === 0) continue;
          const { table, columns } = TABLES[kind];
          const inserted = await client.query(insertStatement(table, columns as readonly Column<unknown>[], list));
          result[kind] = inserted.rowCount ?? 0;
        }
        return result;
      }),
  };
}
