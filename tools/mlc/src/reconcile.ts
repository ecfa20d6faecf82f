import { randomUUID } from 'node:crypto';
import type { TopicMessages } from 'kafkajs';
import { recordOperatorAction, updateOperatorActionDetails, type ActionRecord, type Db } from '@mlc/audit';
import { coupaClientFromSettings, toCanonicalPurchaseOrder as coupaPurchaseOrder, toCanonicalSupplier as coupaSupplier, type CoupaApi, type CoupaListApi } from '@mlc/coupa';
import { MlcError, toMlcError } from '@mlc/errors';
import { buildEvent, partitionKeyFor, topicFor, type CanonicalEvent, type MapResult, type PurchaseOrderData, type SourceRecord, type SupplierData, type TopicCodec } from '@mlc/events';
import { EVENT_HEADERS, type TopicNamespace } from '@mlc/kafka';
import type { Logger } from '@mlc/log';
import {
  createDocumentReader,
  f,
  startQuery,
  sysproODataClientFromSettings,
  toCanonicalPurchaseOrder as sysproPurchaseOrder,
  toCanonicalSupplier as sysproSupplier,
  toWallClock,
  type ODataFilter,
  type SysproODataClient,
  type SysproRow,
} from '@mlc/syspro';
import { planEntities } from '@mlc/syspro-poller';
import type { Command } from './args.js';
import type { CheckParams } from './check.js';
import { compareSides, counterpartKeys, mergeRecords, type Comparison, type Drift, type ReconciledEntity, type SideRecord } from './reconcile-compare.js';
import { replayHeaders } from './republish.js';
import { renderTable } from './table.js';

export type ReconcileCommand = Extract<Command, { name: 'reconcile' }>;
type ConnectionsFile = CheckParams['file'];
type Connection = ConnectionsFile['connections'][number];

/** Coupa's largest page (`limit`): 50 records per request. */
export const COUPA_PAGE_SIZE = 50;

export interface Unmappable {
  side: 'syspro' | 'coupa';
  key: string | null;
  code: string;
  message: string;
}

export interface ReconcileReport extends Comparison {
  connection: string;
  entity: ReconciledEntity;
  /** With `--since`: the time (ISO 8601) from which each side was read, and the keys compared are those either side changed since. */
  since?: string;
  repair: boolean;
  dryRun: boolean;
  /** Records a side holds that its mapper refuses: not compared, listed. */
  unmappable: Unmappable[];
  /** With `--repair`: events published (or, with `--dry-run`, that would be), per action. */
  published: { republish: number; deactivate: number };
  /** Events `--dry-run` would publish: topic, key, repair. */
  planned?: { topic: string; key: string; repair: Drift['repair'] }[];
  actionId?: string;
  at: string;
}

/** What a side read: each record mapped to canonical data, or why not. */
export interface SideRead {
  records: SideRecord[];
  unmappable: Unmappable[];
}

/** One side of a connection, read through its vendor's client. */
export interface SideReader {
  /** Every record of the entity; with `since`, those changed since then. */
  read(entity: ReconciledEntity, since?: Date): Promise<SideRead>;
  /** The records of these keys; a key the side does not hold is not in the answer. */
  readKeys(entity: ReconciledEntity, keys: readonly string[]): Promise<SideRead>;
}

export interface ReconcileDeps {
  db: Db;
  connections(): Promise<ConnectionsFile>;
  send(topicMessages: readonly TopicMessages[]): Promise<void>;
  codec: TopicCodec;
  namespace: TopicNamespace;
  now(): Date;
  logger: Logger;
  /** Tests and the bench hand in their own readers; by default the connection's SYSPRO OData and Coupa clients. */
  readers?: (connection: Connection) => { source: SideReader; target: SideReader };
}

function collect(side: Unmappable['side'], results: Iterable<MapResult<SourceRecord<SupplierData | PurchaseOrderData>>>, records: SideRecord[], unmappable: Unmappable[]): void {
  for (const result of results) {
    if (result.ok) records.push({ key: result.value.key, data: result.value.data as SideRecord['data'] });
    else {
      const key = result.error.context.key;
      unmappable.push({ side, key: typeof key === 'string' ? key : null, code: result.error.code, message: result.error.message });
    }
  }
}

/** Records read by key per `$filter` (`Supplier eq 'A' or Supplier eq 'B' …`): keeps the URL short. */
export const KEY_BATCH = 40;

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * SYSPRO through OData, each row or document through the poller's mapper: in full (keyset order of
 * the poller's plan), changed since a time (the connection's datetime cursor column of the entity,
 * `ge` the time as the server's wall clock), or by key (batched `or` of `eq`).
 */
export function sysproReader(connection: Connection, odata: SysproODataClient): SideReader {
  const syspro = connection.syspro;
  const mapping = connection.mappings.syspro;
  if (syspro === undefined || mapping === undefined) throw new MlcError('MLC_CONFIG_INVALID', `connection "${connection.id}" has no syspro section to reconcile from`, { context: { connection: connection.id } });
  const documents = createDocumentReader({ odata });
  const planOf = (entity: ReconciledEntity) => {
    const plan = planEntities({ ...syspro.poll, entities: { ...syspro.poll.entities, [entity]: { ...syspro.poll.entities[entity], enabled: true } } }, mapping).find((p) => p.entity === entity);
    const stream = plan?.streams[0];
    if (plan === undefined || stream === undefined) throw new MlcError('MLC_INTERNAL', `no read plan for ${entity}`, { context: { entity } });
    return { streams: plan.streams, stream };
  };
  type Stream = ReturnType<typeof planOf>['stream'];
  // Documents come whole: a header set's rows with their lines, a line set's rows with their headers and sibling lines.
  async function mapRows(stream: Stream, rows: SysproRow[], into: SideRead): Promise<void> {
    if (stream.role === 'rows') collect('syspro', rows.map((row) => sysproSupplier(row, mapping!)), into.records, into.unmappable);
    else {
      const docs = stream.role === 'headers' ? await documents.withLines(stream.document, rows) : await documents.ofLines(stream.document, rows);
      collect('syspro', docs.map((d) => sysproPurchaseOrder(d.header, d.lines, mapping!)), into.records, into.unmappable);
    }
  }
  async function readAll(stream: Stream, query: { filter?: ODataFilter; orderby: string }, into: SideRead): Promise<void> {
    for await (const page of odata.pages(stream.entitySet, query)) await mapRows(stream, page.rows, into);
  }
  const once = (read: SideRead): SideRead => ({ records: mergeRecords(read.records), unmappable: read.unmappable });
  return {
    async read(entity, since) {
      const { streams, stream } = planOf(entity);
      const read: SideRead = { records: [], unmappable: [] };
      if (since === undefined) {
        await readAll(stream, { orderby: stream.keyColumns.join(',') }, read);
        return read;
      }
      const { column, kind } = stream.cursor;
      if (kind !== 'datetime') {
        throw new MlcError(
          'MLC_CONFIG_INVALID',
          `--since reads what changed in SYSPRO by the connection's change-time column, but ${entity}'s cursor in connection "${connection.id}" is ${column} (${kind}), not a datetime: set syspro.poll.entities.${entity}.cursorColumn to a change-date column (ApSupplier: DateLastChanged) with cursorKind "datetime", or reconcile in full (without --since)`,
          { context: { connection: connection.id, entity, option: 'since', cursorColumn: column, cursorKind: kind } },
        );
      }
      // The poller's own query from a cursor at `since` (no overlap): zone-less change dates are the server's wall clock.
      const timeZone = mapping.dates.timeZone;
      for (const s of streams) await readAll(s, startQuery({ column: s.cursor.column, kind: 'datetime', value: toWallClock(since.getTime(), timeZone) }, { keyColumns: s.keyColumns, timeZone, overlapMs: 0 }), read);
      return once(read);
    },
    async readKeys(entity, keys) {
      const { stream } = planOf(entity);
      const read: SideRead = { records: [], unmappable: [] };
      const keyColumn = stream.role === 'rows' ? mapping.supplier.columns.number : mapping.purchaseOrder.header.number;
      for (const batch of batches(keys, KEY_BATCH)) {
        await readAll(stream, { filter: f.or(...batch.map((key) => f.eq(keyColumn, key))), orderby: stream.keyColumns.join(',') }, read);
      }
      return once(read);
    },
  };
}

/** Coupa, 50 records a request through the client's rate limiter, each record through coupa's inbound mapper: in full, changed since a time (`updated-at[gt_or_eq]`), or by key (one finder call each). */
export function coupaReader(connection: Connection, coupa: CoupaListApi & Pick<CoupaApi, 'findSupplierByNumber' | 'findPurchaseOrderByNumber'>): SideReader {
  const mapping = connection.mappings.coupa;
  if (connection.coupa === undefined || mapping === undefined) throw new MlcError('MLC_CONFIG_INVALID', `connection "${connection.id}" has no coupa section to reconcile with`, { context: { connection: connection.id } });
  const toCanonical = (entity: ReconciledEntity, body: unknown): MapResult<SourceRecord<SupplierData | PurchaseOrderData>> =>
    entity === 'supplier' ? coupaSupplier(body as never, mapping) : coupaPurchaseOrder(body as never, mapping);
  return {
    async read(entity, since) {
      const read: SideRead = { records: [], unmappable: [] };
      const filter = since === undefined ? undefined : { updatedSince: since };
      for (let offset = 0; ; offset += COUPA_PAGE_SIZE) {
        const page = entity === 'supplier' ? await coupa.listSuppliers(offset, COUPA_PAGE_SIZE, filter) : await coupa.listPurchaseOrders(offset, COUPA_PAGE_SIZE, filter);
        collect('coupa', page.map((body) => toCanonical(entity, body)), read.records, read.unmappable);
        if (page.length < COUPA_PAGE_SIZE) return read;
      }
    },
    async readKeys(entity, keys) {
      const read: SideRead = { records: [], unmappable: [] };
      for (const key of keys) {
        const body = entity === 'supplier' ? await coupa.findSupplierByNumber(key) : await coupa.findPurchaseOrderByNumber(key);
        if (body !== undefined) collect('coupa', [toCanonical(entity, body)], read.records, read.unmappable);
      }
      return read;
    },
  };
}

function defaultReaders(connection: Connection, logger: Logger) {
  if (connection.syspro === undefined || connection.coupa === undefined) {
    throw new MlcError('MLC_CONFIG_INVALID', `connection "${connection.id}" is not a SYSPRO → Coupa connection: reconcile compares those two`, { context: { connection: connection.id } });
  }
  return {
    source: sysproReader(connection, sysproODataClientFromSettings(connection.syspro.odata, { logger })),
    target: coupaReader(connection, coupaClientFromSettings(connection.coupa, { logger })),
  };
}

/** The corrective event of a drift, through the normal topic: the source's snapshot again, or the target's with status inactive. */
function correctiveEvent(connection: string, entity: ReconciledEntity, drift: Drift, source: SideRecord | undefined, target: SideRecord | undefined, at: Date): CanonicalEvent {
  const data = drift.repair === 'deactivate' ? { ...(target!.data as SupplierData), status: 'inactive' as const } : source!.data;
  return buildEvent({
    source: 'syspro',
    connection,
    entity,
    key: drift.key,
    data: data as never,
    occurredAt: at,
    observedAt: at,
    correlationId: randomUUID(),
    causationId: null,
    actor: 'mlc reconcile',
  }) as CanonicalEvent;
}

/**
 * Both sides in full; or with `since`, what each changed since then plus, by key, the other side's
 * record of every key only one of them changed (reconcile-compare's `counterpartKeys`), so the
 * comparison covers exactly the keys changed on either side and a key absent after its lookup is
 * truly missing there.
 */
async function read(source: SideReader, target: SideReader, entity: ReconciledEntity, since: Date | undefined): Promise<[SideRead, SideRead]> {
  // Both vendors keep change times in whole seconds: a change in the second of `since` is stamped before it, so each side is read from that second's start.
  const from = since === undefined ? undefined : new Date(Math.floor(since.getTime() / 1000) * 1000);
  const [s, t] = await Promise.all([source.read(entity, from), target.read(entity, from)]);
  if (from === undefined) return [s, t];
  const { fromSource, fromTarget } = counterpartKeys(
    s.records.map((r) => r.key),
    t.records.map((r) => r.key),
  );
  const [s2, t2] = await Promise.all([source.readKeys(entity, fromSource), target.readKeys(entity, fromTarget)]);
  return [
    { records: mergeRecords(s.records, s2.records), unmappable: [...s.unmappable, ...s2.unmappable] },
    { records: mergeRecords(t.records, t2.records), unmappable: [...t.unmappable, ...t2.unmappable] },
  ];
}

/**
 * `mlc reconcile`: reads both sides (in full, or with `--since` what changed since then) of one entity in full, compares them (reconcile-compare.ts)
 * and writes the report to the audit trail as a `reconcile` operator action naming each drifted
 * record and why. With `--repair`, publishes corrective events on the entity's SYSPRO topic, so
 * the writer applies them as it applies any change (ownership, dependencies, retries, DLQ,
 * outcomes): the source's snapshot again with `mlc-replay-force` for missing and different
 * records, and for a supplier gone from SYSPRO a snapshot with status `inactive` (policy
 * `mappings.coupa.reconcile.goneFromSource`). `--dry-run` publishes and records nothing.
 */
export async function reconcile(deps: ReconcileDeps, cmd: Pick<ReconcileCommand, 'connection' | 'entityType' | 'since' | 'repair' | 'dryRun' | 'actor'>): Promise<ReconcileReport> {
  const file = await deps.connections();
  const connection = file.connections.find((c) => c.id === cmd.connection);
  if (connection === undefined) {
    throw new MlcError('MLC_CONFIG_INVALID', `no connection "${cmd.connection}" in the connections file (configured: ${file.connections.map((c) => c.id).join(', ')})`, { context: { option: 'connection' } });
  }
  const entity = cmd.entityType;
  const policy = connection.mappings.coupa?.reconcile.goneFromSource ?? 'deactivate';
  const { source, target } = (deps.readers ?? ((c) => defaultReaders(c, deps.logger)))(connection);
  const [s, t] = await read(source, target, entity, cmd.since);
  const comparison = compareSides(entity, s.records, t.records, { sync: connection.sync, goneFromSource: policy });
  const at = deps.now();
  const report: ReconcileReport = {
    connection: connection.id,
    entity,
    ...(cmd.since === undefined ? {} : { since: cmd.since.toISOString() }),
    repair: cmd.repair,
    dryRun: cmd.dryRun,
    ...comparison,
    unmappable: [...s.unmappable, ...t.unmappable],
    published: { republish: 0, deactivate: 0 },
    at: at.toISOString(),
  };
  const sources = new Map(s.records.map((r) => [r.key, r]));
  const targets = new Map(t.records.map((r) => [r.key, r]));
  const toPublish = cmd.repair ? report.drift.filter((d) => d.repair !== 'report') : [];
  if (cmd.dryRun) {
    report.planned = toPublish.map((d) => ({ topic: topicFor('syspro', entity), key: d.key, repair: d.repair }));
    for (const d of toPublish) report.published[d.repair as 'republish' | 'deactivate'] += 1;
    return report;
  }
  // `driftCounts`, `compared` and `published` are what the audit service exports as mlc_reconcile_* gauges.
  const summary = { compared: report.compared, identical: report.identical, deactivated: report.deactivated, driftCounts: countBy(report.drift), unmappable: report.unmappable.length };
  // The action first, naming each drifted record and why; the events' replay header names the action.
  const events = new Map(toPublish.map((d) => [d.key, correctiveEvent(connection.id, entity, d, sources.get(d.key), targets.get(d.key), at)]));
  const records: ActionRecord[] = report.drift.map((d) => ({
    connection: connection.id,
    entityType: entity,
    entityKey: d.key,
    eventId: events.get(d.key)?.id ?? null,
    correlationId: events.get(d.key)?.correlationId ?? null,
    reason: `${d.reason} (${events.has(d.key) ? 'published' : 'not repaired: reported'})`,
  }));
  const { id } = await recordOperatorAction(deps.db, {
    kind: 'reconcile',
    actor: cmd.actor,
    selection: { connection: connection.id, entityType: entity, repair: cmd.repair, policy, ...(report.since === undefined ? {} : { since: report.since }) },
    reason: `reconcile ${entity}${report.since === undefined ? '' : ` changed since ${report.since}`}: ${report.drift.length} drifted of ${report.compared.source} in SYSPRO and ${report.compared.target} in Coupa`,
    records,
    details: { ...summary, drift: report.drift.slice(0, 1000) },
  });
  report.actionId = id;
  const topic = deps.namespace.topic(topicFor('syspro', entity));
  try {
    for (const d of toPublish) {
      const event = events.get(d.key)!;
      const messages: TopicMessages = {
        topic,
        messages: [
          {
            key: partitionKeyFor(event),
            value: await deps.codec.encode(topic, event),
            headers: replayHeaders({ [EVENT_HEADERS.correlationId]: event.correlationId, [EVENT_HEADERS.eventType]: event.type, [EVENT_HEADERS.eventId]: event.id }, id, true),
          },
        ],
      };
      await deps.send([messages]);
      report.published[d.repair as 'republish' | 'deactivate'] += 1;
    }
  } catch (error) {
    const e = toMlcError(error, { call: 'reconcile repair', actionId: id, published: report.published });
    await updateOperatorActionDetails(deps.db, id, { published: report.published, failed: e.code }).catch(() => undefined);
    throw e;
  }
  await updateOperatorActionDetails(deps.db, id, { published: report.published });
  return report;
}

function countBy(drift: readonly Drift[]): Record<string, number> {
  const counts: Record<string, number> = { 'source-only': 0, 'target-only': 0, different: 0 };
  for (const d of drift) counts[d.category] = (counts[d.category] ?? 0) + 1;
  return counts;
}

const show = (v: unknown): string => (v === null || v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

export function formatReconcile(report: ReconcileReport): string {
  const counts = countBy(report.drift);
  const head = renderTable(
    [{ header: 'ENTITY' }, { header: 'SYSPRO', align: 'right' }, { header: 'COUPA', align: 'right' }, { header: 'IDENTICAL', align: 'right' }, { header: 'SOURCE ONLY', align: 'right' }, { header: 'TARGET ONLY', align: 'right' }, { header: 'DIFFERENT', align: 'right' }, { header: 'UNMAPPABLE', align: 'right' }],
    [[report.entity, report.compared.source, report.compared.target, report.identical, counts['source-only'], counts['target-only'], counts.different, report.unmappable.length]],
  );
  const rows = report.drift.flatMap((d) =>
    d.fields.length === 0 ? [[d.key, d.category, '', '', '', d.repair]] : d.fields.map((f, i) => [i === 0 ? d.key : '', i === 0 ? d.category : '', f.field, show(f.source), show(f.target), i === 0 ? d.repair : '']),
  );
  const drift =
    rows.length === 0
      ? 'no drift'
      : renderTable([{ header: 'KEY' }, { header: 'CATEGORY' }, { header: 'FIELD' }, { header: 'SYSPRO', maxWidth: 40 }, { header: 'COUPA', maxWidth: 40 }, { header: 'REPAIR' }], rows);
  const unmappable = report.unmappable.length === 0 ? '' : `\n\nnot compared (a mapper refused them):\n${renderTable([{ header: 'SIDE' }, { header: 'KEY' }, { header: 'WHY', maxWidth: 100 }], report.unmappable.map((u) => [u.side, u.key, u.message]))}`;
  const repaired = !report.repair
    ? ''
    : report.dryRun
      ? `\n\ndry run: would publish ${report.published.republish} republish(es) and ${report.published.deactivate} deactivation(s); nothing published or recorded`
      : `\n\nrepair: published ${report.published.republish} republish(es) and ${report.published.deactivate} deactivation(s) through the pipeline`;
  const action = report.actionId === undefined ? '' : `\nrecorded as operator action #${report.actionId} (mlc trail shows it per record)`;
  const since = report.since === undefined ? '' : `records changed since ${report.since} (on either side), each compared with its counterpart\n`;
  return `${since}${head}\n\n${drift}${unmappable}${repaired}${action}`;
}
