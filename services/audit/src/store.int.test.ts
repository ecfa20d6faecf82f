import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWire } from '@mlc/events';
import { isRefusedData } from '@mlc/db';
import { MlcError } from '@mlc/errors';
import { DLQ_HEADERS } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { findRecordsByKey, latestCheckRuns, listActions, recordCheckRun } from './console-queries.js';
import { listDlq } from './dlq.js';
import { recordOperatorAction, selectEvents } from './log-queries.js';
import { createPartitionMaintenance } from './partitions.js';
import { addRow, emptyRows, toAuditRow, type AuditRows, type KafkaRecord } from './records.js';
import { createAuditWriter } from './store.js';
import { auditSchema } from './test-support.js';
import { queryTrail, type TrailItem } from './trail.js';

const logger = createLogger({ name: 'audit-store-test', level: 'silent' });
const prefix = 'p.';

function eventRecord(offset: number, at: string, overrides: Record<string, unknown> = {}): KafkaRecord {
  const value = {
    id: `ev-${offset}`,
    type: 'supplier.changed',
    source: 'syspro',
    connection: 'acme',
    entity: { type: 'supplier', key: 'S1' },
    occurredAt: at,
    observedAt: at,
    correlationId: 'corr-1',
    causationId: null,
    actor: 'jdoe',
    contentHash: 'b'.repeat(64),
    data: { name: `v${offset}` },
    ...overrides,
  };
  return { topic: 'p.syspro.suppliers.v1', partition: 0, offset: String(offset), timestamp: String(Date.parse(at)), key: Buffer.from('acme:supplier:S1'), value: encodeWire(1, Buffer.from(JSON.stringify(value))), headers: {} };
}

function outcomeRecord(offset: number, at: string, eventOffset: number, status: string): KafkaRecord {
  const value = {
    eventId: `ev-${eventOffset}`,
    eventType: 'supplier.changed',
    connection: 'acme',
    entity: { type: 'supplier', key: 'S1' },
    writer: 'coupa-writer',
    status,
    target: { system: 'coupa', id: '77' },
    attempts: 1,
    correlationId: 'corr-1',
    source: { topic: 'p.syspro.suppliers.v1', partition: 0, offset: String(eventOffset) },
    at,
  };
  return { topic: 'p.mlc.outcomes.v1', partition: 0, offset: String(offset), timestamp: String(Date.parse(at)), key: null, value: encodeWire(2, Buffer.from(JSON.stringify(value))), headers: {} };
}

function dlqRecord(offset: number, at: string): KafkaRecord {
  const original = eventRecord(99, at);
  return {
    ...original,
    topic: 'p.coupa-writer.dlq.v1',
    offset: String(offset),
    headers: { [DLQ_HEADERS.code]: 'MLC_MAPPING_FAILED', [DLQ_HEADERS.message]: 'no', [DLQ_HEADERS.retriable]: 'false', [DLQ_HEADERS.topic]: 'p.syspro.suppliers.v1', [DLQ_HEADERS.partition]: '0', [DLQ_HEADERS.offset]: '99', [DLQ_HEADERS.attempts]: '1', [DLQ_HEADERS.at]: at },
  };
}

const rowsOf = (records: KafkaRecord[]): AuditRows => {
  const rows = emptyRows();
  for (const r of records) addRow(rows, toAuditRow(r, prefix));
  return rows;
};

test('a batch is inserted once: the same records again change nothing', async (t) => {
  const { pool } = await auditSchema(t);
  const writer = createAuditWriter({ db: pool });
  const records = [eventRecord(1, '2026-11-02T10:00:00.000Z'), eventRecord(2, '2026-11-02T10:00:01.000Z'), outcomeRecord(5, '2026-11-02T10:00:02.000Z', 1, 'created'), dlqRecord(0, '2026-11-02T10:00:03.000Z')];
  const undecodable: KafkaRecord = { ...eventRecord(3, '2026-11-02T10:00:04.000Z'), value: Buffer.from('junk') };

  assert.deepEqual(await writer.insert(rowsOf([...records, undecodable])), { events: 2, outcomes: 1, dlq: 1, undecodable: 1 });
  assert.deepEqual(await writer.insert(rowsOf([...records, undecodable, eventRecord(4, '2026-11-02T10:00:05.000Z')])), { events: 1, outcomes: 0, dlq: 0, undecodable: 0 });

  const counts = await pool.query(`select (select count(*) from audit_events)::int as e, (select count(*) from audit_outcomes)::int as o, (select count(*) from audit_dlq)::int as d, (select count(*) from audit_undecodable)::int as u`);
  assert.deepEqual(counts.rows[0], { e: 3, o: 1, d: 1, u: 1 });
  const dlq = await pool.query('select original_value, error_code, source_offset::text from audit_dlq');
  assert.deepEqual(dlq.rows[0].original_value, records[3]!.value);
  assert.equal(dlq.rows[0].error_code, 'MLC_MAPPING_FAILED');
  assert.equal(dlq.rows[0].source_offset, '99');
});

test('Postgres refusing a row is refused data (MLC_DB_QUERY_FAILED, class 22) and writes nothing of the batch', async (t) => {
  const { pool } = await auditSchema(t);
  const writer = createAuditWriter({ db: pool });
  // JSON allows \u0000 in strings; jsonb does not.
  const refused = eventRecord(2, '2026-11-02T10:00:01.000Z', { actor: 'nul\u0000here' });
  await assert.rejects(writer.insert(rowsOf([eventRecord(1, '2026-11-02T10:00:00.000Z'), refused])), (e: unknown) => e instanceof MlcError && isRefusedData(e));
  const { rows } = await pool.query('select count(*)::int as n from audit_events');
  assert.equal(rows[0].n, 0);
});

test('monthly partitions are created ahead; rows of a month in the default partition move into it', async (t) => {
  const { pool } = await auditSchema(t);
  const writer = createAuditWriter({ db: pool });
  const maintenance = createPartitionMaintenance({ db: pool, logger, monthsAhead: 2, retentionDays: {} });
  // A row before any partition exists lands in the default partition.
  await writer.insert(rowsOf([eventRecord(1, '2026-11-02T10:00:00.000Z')]));
  const created = await maintenance.ensure(new Date('2026-11-15T00:00:00Z'));
  assert.ok(created.includes('audit_events_p202610') && created.includes('audit_events_p202611') && created.includes('audit_events_p202701'), created.join());
  assert.ok(created.includes('audit_dlq_p202612') && created.includes('audit_outcomes_p202612') && created.includes('audit_undecodable_p202612'));
  assert.deepEqual(await maintenance.ensure(new Date('2026-11-15T00:00:00Z')), [], 'idempotent');

  await writer.insert(rowsOf([eventRecord(2, '2026-12-24T10:00:00.000Z')]));
  const { rows } = await pool.query<{ offset: string; part: string }>('select kafka_offset::text as offset, tableoid::regclass::text as part from audit_events order by kafka_offset');
  assert.deepEqual(rows.map((r) => [r.offset, r.part.replace(/^.*\./, '')]), [
    ['1', 'audit_events_p202611'],
    ['2', 'audit_events_p202612'],
  ]);
  // And the key still holds across the move.
  assert.deepEqual(await writer.insert(rowsOf([eventRecord(1, '2026-11-02T10:00:00.000Z')])), { events: 0, outcomes: 0, dlq: 0, undecodable: 0 });
});

test('retention drops whole partitions older than the table\'s days, and only that table\'s', async (t) => {
  const { pool } = await auditSchema(t);
  const writer = createAuditWriter({ db: pool });
  const maintenance = createPartitionMaintenance({ db: pool, logger, monthsAhead: 1, retentionDays: { events: 30 } });
  await maintenance.ensure(new Date('2026-01-15T00:00:00Z')); // 2025-12 … 2026-02
  await maintenance.ensure(new Date('2026-04-15T00:00:00Z')); // 2026-03 … 2026-05
  await writer.insert(rowsOf([eventRecord(1, '2025-12-10T00:00:00.000Z'), eventRecord(2, '2026-04-10T00:00:00.000Z'), outcomeRecord(1, '2025-12-10T00:00:00.000Z', 1, 'created')]));
  // Rows older than any partition sit in the default one; retention reaches them too.
  await writer.insert(rowsOf([eventRecord(3, '2020-01-01T00:00:00.000Z')]));

  const dropped = await maintenance.dropExpired(new Date('2026-04-15T00:00:00Z')); // cutoff 2026-03-16
  assert.deepEqual(dropped.sort(), ['audit_events_p202512', 'audit_events_p202601', 'audit_events_p202602']);
  const events = await pool.query('select kafka_offset::int as o from audit_events order by 1');
  assert.deepEqual(events.rows.map((r) => r.o), [2]);
  const outcomes = await pool.query('select count(*)::int as n from audit_outcomes');
  assert.equal(outcomes.rows[0].n, 1, 'outcomes have no retention set');
});

test('the trail of a record: events, outcomes, DLQ records and operator actions in time order, paged', async (t) => {
  const { pool } = await auditSchema(t);
  const writer = createAuditWriter({ db: pool });
  await writer.insert(
    rowsOf([
      eventRecord(1, '2026-11-02T10:00:00.000Z'),
      outcomeRecord(1, '2026-11-02T10:00:01.000Z', 1, 'created'),
      eventRecord(2, '2026-11-02T10:00:02.000Z'),
      dlqRecord(0, '2026-11-02T10:00:03.000Z'),
      // Same time as the DLQ record: kinds break the tie (event, outcome, dlq, action).
      outcomeRecord(2, '2026-11-02T10:00:03.000Z', 2, 'dead-lettered'),
      // Another record: not in this trail.
      eventRecord(3, '2026-11-02T10:00:04.000Z', { entity: { type: 'supplier', key: 'S2' }, correlationId: 'corr-2' }),
    ]),
  );
  const action = await recordOperatorAction(pool, {
    kind: 'redrive',
    actor: 'ops@acme',
    selection: { dlqTopic: 'p.coupa-writer.dlq.v1', offsets: ['0'] },
    reason: 'currency fixed',
    records: [{ connection: 'acme', entityType: 'supplier', entityKey: 'S1', correlationId: 'corr-1', dlq: { topic: 'p.coupa-writer.dlq.v1', partition: 0, offset: '0' } }],
  });

  const subject = { connection: 'acme', entityType: 'supplier', key: 'S1' };
  const items: TrailItem[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const after = cursor === null ? undefined : (await import('./trail.js')).decodeCursor(cursor);
    const page = await queryTrail(pool, { subject, limit: 2, after });
    items.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor !== null && pages < 10);
  assert.equal(pages, 3);
  assert.deepEqual(
    items.map((i) => [i.kind, i.kind === 'event' ? i.eventId : i.kind === 'outcome' ? i.status : i.kind === 'action' ? i.action : i.eventId]),
    [
      ['event', 'ev-1'],
      ['outcome', 'created'],
      ['event', 'ev-2'],
      ['outcome', 'dead-lettered'],
      ['dlq', 'ev-99'],
      ['action', 'redrive'],
    ],
  );
  const [first, outcome] = items;
  assert.equal(first!.source, 'syspro');
  assert.equal(first!.actor, 'jdoe');
  assert.equal(first!.observedAt, '2026-11-02T10:00:00+00:00');
  assert.equal(outcome!.direction, 'syspro → coupa');
  assert.deepEqual(outcome!.target, { system: 'coupa', id: '77' });
  assert.equal(items.at(-1)!.actionId, Number(action.id));

  const byCorrelation = await queryTrail(pool, { subject: { correlationId: 'corr-2' }, limit: 10 });
  assert.deepEqual(byCorrelation.items.map((i) => i.eventId), ['ev-3']);
  assert.equal(byCorrelation.nextCursor, null);
});

test('an event sent again (a republish or redrive copy under the same id) is selected once, by its first copy in the window', async (t) => {
  const { pool } = await auditSchema(t);
  const writer = createAuditWriter({ db: pool });
  await writer.insert(
    rowsOf([
      eventRecord(1, '2026-11-02T10:00:00.000Z'),
      eventRecord(2, '2026-11-03T10:00:00.000Z', { id: 'ev-1' }),
      eventRecord(3, '2026-11-04T10:00:00.000Z', { id: 'ev-1' }),
      eventRecord(4, '2026-11-04T11:00:00.000Z'),
    ]),
  );
  const all = await selectEvents(pool, { connection: 'acme', limit: 10 });
  assert.deepEqual(all.map((e) => [e.eventId, e.offset]), [['ev-1', '1'], ['ev-4', '4']]);
  const window = await selectEvents(pool, { connection: 'acme', from: new Date('2026-11-03T00:00:00Z'), limit: 10 });
  assert.deepEqual(window.map((e) => [e.eventId, e.offset]), [['ev-1', '2'], ['ev-4', '4']], 'the first copy inside the window');
});

test('events are selected by connection, entity, keys, source and time, in Kafka order, paged', async (t) => {
  const { pool } = await auditSchema(t);
  const writer = createAuditWriter({ db: pool });
  await writer.insert(
    rowsOf([
      eventRecord(1, '2026-11-02T10:00:00.000Z'),
      eventRecord(2, '2026-11-03T10:00:00.000Z', { entity: { type: 'supplier', key: 'S2' } }),
      eventRecord(3, '2026-11-04T10:00:00.000Z', { entity: { type: 'supplier', key: 'S3' } }),
      eventRecord(4, '2026-11-05T10:00:00.000Z', { connection: 'other' }),
    ]),
  );
  const selected = await selectEvents(pool, { connection: 'acme', entityType: 'supplier', keys: ['S1', 'S3'], source: 'syspro', limit: 10 });
  assert.deepEqual(selected.map((e) => e.eventId), ['ev-1', 'ev-3']);
  assert.equal((selected[0]!.payload as { data: { name: string } }).data.name, 'v1');
  const window = await selectEvents(pool, { connection: 'acme', from: new Date('2026-11-03T00:00:00Z'), to: new Date('2026-11-04T10:00:00Z'), limit: 10 });
  assert.deepEqual(window.map((e) => e.eventId), ['ev-2']);
  const first = await selectEvents(pool, { limit: 2 });
  const rest = await selectEvents(pool, { limit: 10, after: first.at(-1)! });
  assert.deepEqual([...first, ...rest].map((e) => e.eventId), ['ev-1', 'ev-2', 'ev-3', 'ev-4']);
});

test('the console queries: DLQ pages by keyset, records by key across connections, actions newest first by keyset, kept check runs', async (t) => {
  const { pool } = await auditSchema(t);
  const writer = createAuditWriter({ db: pool });
  const at = (s: number) => `2026-11-02T10:00:${String(s).padStart(2, '0')}.000Z`;
  await writer.insert(rowsOf([...[0, 1, 2, 3, 4].map((i) => dlqRecord(i, at(i))), eventRecord(1, at(10)), eventRecord(2, at(11), { connection: 'other' }), eventRecord(3, at(12), { entity: { type: 'supplier', key: 'S2' } })]));

  // Three pages of two: each continues after the last entry of the one before, nothing twice or missed.
  const seen: string[] = [];
  let after: { topic: string; partition: number; offset: string; kafkaTs: string } | undefined;
  for (let page = 0; page < 4; page++) {
    const entries = await listDlq(pool, { status: 'open', limit: 2, after });
    if (entries.length === 0) break;
    seen.push(...entries.map((e) => e.offset));
    const last = entries.at(-1)!;
    after = { topic: last.topic, partition: last.partition, offset: last.offset, kafkaTs: last.kafkaTs };
  }
  assert.deepEqual(seen, ['0', '1', '2', '3', '4']);

  const found = await findRecordsByKey(pool, 'S1', 10);
  assert.deepEqual(found.map((r) => [r.connection, r.entityType, r.entityKey, r.events]).sort(), [['acme', 'supplier', 'S1', 1], ['other', 'supplier', 'S1', 1]]);
  assert.deepEqual(await findRecordsByKey(pool, 'nope', 10), []);

  for (const kind of ['redrive', 'discard', 'republish'] as const) await recordOperatorAction(pool, { kind, actor: 'op', selection: {}, reason: `r-${kind}` });
  const first = await listActions(pool, { limit: 2 });
  assert.deepEqual(first.map((a) => a.kind), ['republish', 'discard']);
  assert.deepEqual((await listActions(pool, { limit: 2, before: first.at(-1)!.id })).map((a) => a.reason), ['r-redrive']);
  assert.deepEqual((await listActions(pool, { limit: 5, kinds: ['discard'] })).map((a) => a.kind), ['discard']);

  await recordCheckRun(pool, { connection: null, ok: false, lines: [{ connection: 'acme', system: 'coupa', check: 'token', ok: false, detail: 'wrong credentials' }] });
  const [run] = await latestCheckRuns(pool, 5);
  assert.equal(run!.ok, false);
  assert.deepEqual(run!.lines[0], { connection: 'acme', system: 'coupa', check: 'token', ok: false, detail: 'wrong credentials' });
});
