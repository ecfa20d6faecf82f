import { randomUUID } from 'node:crypto';
import type { TopicMessages } from 'kafkajs';
import { recordOperatorAction, updateOperatorActionDetails, type ActionRecord, type Db } from '@mlc/audit';
import { coupaClientFromSettings, toCanonicalPurchaseOrder as coupaPurchaseOrder, toCanonicalSupplier as coupaSupplier, type CoupaListApi } from '@mlc/coupa';
import { MlcError, toMlcError } from '@mlc/errors';
import { buildEvent, partitionKeyFor, topicFor, type CanonicalEvent, type MapResult, type PurchaseOrderData, type SourceRecord, type SupplierData, type TopicCodec } from '@mlc/events';
import { EVENT_HEADERS, type TopicNamespace } from '@mlc/kafka';
import type { Logger } from '@mlc/log';
import { createDocumentReader, sysproODataClientFromSettings, toCanonicalPurchaseOrder as sysproPurchaseOrder, toCanonicalSupplier as sysproSupplier, type SysproODataClient } from '@mlc/syspro';
import { planEntities } from '@mlc/syspro-poller';
import type { Command } from './args.js';
import type { CheckParams } from './check.js';
import { compareSides, type Comparison, type Drift, type ReconciledEntity, type SideRecord } from './reconcile-compare.js';
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

/** One side read whole: each record mapped to canonical data, or why not. */
export interface SideReader {
  read(entity: ReconciledEntity): Promise<{ records: SideRecord[]; unmappable: Unmappable[] }>;
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

/** SYSPRO read in full through OData (keyset order of the poller's plan), each row or document through the poller's mapper. */
export function sysproReader(connection: Connection, odata: SysproODataClient): SideReader {
  const syspro = connection.syspro;
  const mapping = connection.mappings.syspro;
  if (syspro === undefined || mapping === undefined) throw new MlcError('MLC_CONFIG_INVALID', `connection "${connection.id}" has no syspro section to reconcile from`, { context: { connection: connection.id } });
  const documents = createDocumentReader({ odata });
  return {
    async read(entity) {
      const plan = planEntities({ ...syspro.poll, entities: { ...syspro.poll.entities, [entity]: { ...syspro.poll.entities[entity], enabled: true } } }, mapping).find((p) => p.entity === entity);
      const stream = plan?.streams[0];
      if (stream === undefined) throw new MlcError('MLC_INTERNAL', `no read plan for ${entity}`, { context: { entity } });
      const records: SideRecord[] = [];
      const unmappable: Unmappable[] = [];
      for await (const page of odata.pages(stream.entitySet, { orderby: stream.keyColumns.join(',') })) {
        if (stream.role === 'rows') collect('syspro', page.rows.map((row) => sysproSupplier(row, mapping)), records, unmappable);
        else collect('syspro', (await documents.withLines(stream.document, page.rows)).map((d) => sysproPurchaseOrder(d.header, d.lines, mapping)), records, unmappable);
      }
      return { records, unmappable };
    },
  };
}

/** Coupa read in full, 50 records a request through the client's rate limiter, each record through coupa's inbound mapper. */
export function coupaReader(connection: Connection, coupa: CoupaListApi): SideReader {
  const mapping = connection.mappings.coupa;
  if (connection.coupa === undefined || mapping === undefined) throw new MlcError('MLC_CONFIG_INVALID', `connection "${connection.id}" has no coupa section to reconcile with`, { context: { connection: connection.id } });
  return {
    async read(entity) {
      const records: SideRecord[] = [];
      const unmappable: Unmappable[] = [];
      for (let offset = 0; ; offset += COUPA_PAGE_SIZE) {
        const page = entity === 'supplier' ? await coupa.listSuppliers(offset, COUPA_PAGE_SIZE) : await coupa.listPurchaseOrders(offset, COUPA_PAGE_SIZE);
        collect('coupa', page.map((body): MapResult<SourceRecord<SupplierData | PurchaseOrderData>> => (entity === 'supplier' ? coupaSupplier(body, mapping) : coupaPurchaseOrder(body, mapping))), records, unmappable);
        if (page.length < COUPA_PAGE_SIZE) return { records, unmappable };
      }
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
 * `mlc reconcile`: reads both sides of one entity in full, compares them (reconcile-compare.ts)
 * and writes the report to the audit trail as a `reconcile` operator action naming each drifted
 * record and why. With `--repair`, publishes corrective events on the entity's SYSPRO topic, so
 * the writer applies them as it applies any change (ownership, dependencies, retries, DLQ,
 * outcomes): the source's snapshot again with `mlc-replay-force` for missing and different
 * records, and for a supplier gone from SYSPRO a snapshot with status `inactive` (policy
 * `mappings.coupa.reconcile.goneFromSource`). `--dry-run` publishes and records nothing.
 */
export async function reconcile(deps: ReconcileDeps, cmd: Pick<ReconcileCommand, 'connection' | 'entityType' | 'repair' | 'dryRun' | 'actor'>): Promise<ReconcileReport> {
  const file = await deps.connections();
  const connection = file.connections.find((c) => c.id === cmd.connection);
  if (connection === undefined) {
    throw new MlcError('MLC_CONFIG_INVALID', `no connection "${cmd.connection}" in the connections file (configured: ${file.connections.map((c) => c.id).join(', ')})`, { context: { option: 'connection' } });
  }
  const entity = cmd.entityType;
  const policy = connection.mappings.coupa?.reconcile.goneFromSource ?? 'deactivate';
  const { source, target } = (deps.readers ?? ((c) => defaultReaders(c, deps.logger)))(connection);
  const [s, t] = await Promise.all([source.read(entity), target.read(entity)]);
  const comparison = compareSides(entity, s.records, t.records, { sync: connection.sync, goneFromSource: policy });
  const at = deps.now();
  const report: ReconcileReport = {
    connection: connection.id,
    entity,
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
    selection: { connection: connection.id, entityType: entity, repair: cmd.repair, policy },
    reason: `reconcile ${entity}: ${report.drift.length} drifted of ${report.compared.source} in SYSPRO and ${report.compared.target} in Coupa`,
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
  return `${head}\n\n${drift}${unmappable}${repaired}${action}`;
}
