import { randomUUID } from 'node:crypto';
import { buildEvent, invoiceKey, type CanonicalEvent, type EntityType, type MapResult, type SourceRecord } from '@mlc/events';
import { MlcError, toMlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';
import { DEFAULT_MAX_RECORD_BYTES, oversizedRecord } from '@mlc/kafka';
import {
  advance,
  clampFuture,
  continueQuery,
  createDocumentReader,
  cursorToJSON,
  futureRows,
  initialCursor,
  isBehind,
  startQuery,
  toCanonicalCostCentre,
  toCanonicalGlAccount,
  toCanonicalInvoice,
  toCanonicalPurchaseOrder,
  toCanonicalSupplier,
  type CursorQuery,
  type CursorQueryOptions,
  type PollCursor,
  type SysproDocument,
  type SysproMapping,
  type SysproRow,
} from '@mlc/syspro';
import type { EntityPlan, StreamPlan } from './entities.js';
import {
  NOOP_METRICS,
  type CursorStore,
  type HashStore,
  type PagePublisher,
  type PollerMetrics,
  type RejectedRow,
  type ResyncQueue,
  type SysproReader,
} from './ports.js';
import { earliestResync, resyncCursor } from './resync.js';

export interface CreatePollerParams {
  /** Connection id: goes into every event and every log line. */
  connection: string;
  odata: SysproReader;
  cursors: CursorStore;
  publisher: PagePublisher;
  hashes: HashStore;
  /** Operators' resync requests, checked at each poll of an entity; none when absent. */
  resyncs?: ResyncQueue;
  mapping: SysproMapping;
  entities: readonly EntityPlan[];
  logger: Logger;
  metrics?: PollerMetrics;
  /** Rows per cursor page, and so per Kafka transaction. */
  pageSize?: number;
  /** Datetime cursors only: how far back each poll starts. */
  overlapMs?: number;
  /**
   * Datetime cursors only: a change date past now + this is future-dated; the cursor is then
   * committed at now (default 5 minutes). Zone-less dates are read in `mapping.dates.timeZone`.
   */
  futureSkewMs?: number;
  /** Rowversion and number cursors only: each poll starts this many values below the last one (default 0; the service passes the connection's setting). */
  changeNumberWindow?: number;
  /** Documents (orders, invoices) re-read per request when joining headers and lines (keeps the `$filter` URL short). */
  lookupChunkSize?: number;
  /**
   * The largest record the topics take (MLC_MAX_RECORD_BYTES): a row whose event is over it is
   * rejected, like a row that cannot be mapped, instead of failing its page on every poll.
   * Default DEFAULT_MAX_RECORD_BYTES.
   */
  maxRecordBytes?: number;
  clock?: () => Date;
  newCorrelationId?: () => string;
  /** A new cursor epoch (an entity with no cursor yet, a resync). */
  newEpoch?: () => string;
}

export interface PollResult {
  entity: EntityType;
  status: 'ok' | 'failed' | 'stopped';
  pages: number;
  rowsRead: number;
  published: number;
  unchanged: number;
  rejected: number;
  /** Rows read dated past now + the allowed skew. */
  future: number;
  error?: MlcError;
}

export interface Poller {
  /** Polls one entity to the end of its changes; never throws (a failure is in the result, logged and counted). */
  runOnce(entity: EntityType): Promise<PollResult>;
  /** Restores the cursors, then polls every entity now and on its interval. */
  start(): Promise<void>;
  /** Stops scheduling and waits for in-flight polls, which end after the page they are committing. */
  stop(): Promise<void>;
  /** Per entity: when its last poll finished and how. */
  status(): Record<string, { at: string; status: PollResult['status']; code?: string }>;
}

interface Counts {
  /** Keys rejected in this run: a line stream re-reads documents the header stream already rejected. */
  rejectedKeys: Set<string>;
  pages: number;
  rowsRead: number;
  published: number;
  unchanged: number;
  rejected: number;
  future: number;
}

/** Future-dated rows named one by one in the log per page; the rest are counted. */
const FUTURE_ROWS_LOGGED = 10;

type Mapped = MapResult<SourceRecord<unknown>>;

/**
 * The SYSPRO poller of one connection (principle: functional core, ports for I/O). Per entity it
 * reads changed rows page by page in cursor order (`$filter` from the cursor, overlap included),
 * maps them, drops records whose content hash equals the last published one, and hands each page
 * with its advanced cursor to the publisher, which commits both in one Kafka transaction. The
 * cursor in memory moves only after that commit; a failure ends the poll and the next tick starts
 * again from the last committed cursor.
 */
export function createPoller({
  connection,
  odata,
  cursors,
  publisher,
  hashes,
  resyncs,
  mapping,
  entities,
  logger,
  metrics = NOOP_METRICS,
  pageSize = 1000,
  overlapMs,
  futureSkewMs = 300_000,
  changeNumberWindow = 0,
  lookupChunkSize,
  maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
  clock = () => new Date(),
  newCorrelationId = randomUUID,
  newEpoch = randomUUID,
}: CreatePollerParams): Poller {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new MlcError('MLC_CONFIG_INVALID', 'pageSize must be a positive integer', { context: { pageSize } });
  const documents = createDocumentReader({ odata, chunkSize: lookupChunkSize });
  const plans = new Map(entities.map((plan) => [plan.entity, plan]));
  const log = logger.child({ component: 'syspro-poller', connection });
  const positions = new Map<string, PollCursor>();
  // Per stream (rowversion and number cursors): the change number each row was last handled at,
  // so re-reading the change-number window skips rows already handled (a row's rowversion changes
  // with every write) without lookups or mapping. In memory, bounded; empty after a restart.
  const handled = new Map<string, Map<string, string>>();
  // Per entity: the epoch its hashes belong to, and the resyncs that started it (see ports.ts).
  const epochs = new Map<EntityType, { epoch: string; resyncs: readonly string[] }>();
  let restored: Promise<void> | undefined;
  let stopping = false;
  const timers = new Map<EntityType, NodeJS.Timeout>();
  // One run per entity at a time; a second request waits for the first.
  const running = new Map<EntityType, Promise<PollResult>>();
  const last: Record<string, { at: string; status: PollResult['status']; code?: string }> = {};
  // A transactional producer runs one transaction at a time; entities poll concurrently but commit in turn.
  let commitChain: Promise<unknown> = Promise.resolve();

  function restore(): Promise<void> {
    restored ??= cursors.load().then(
      (loaded) => {
        for (const [stream, stored] of loaded) positions.set(stream, stored.cursor);
        for (const plan of plans.values()) {
          // All streams of an entity share its epoch (they publish the same records); a stream
          // added later joins the epoch of the others. No cursor at all: a new cursor state.
          const stored = plan.streams.map((s) => loaded.get(s.name)).find((c) => c !== undefined);
          epochs.set(plan.entity, stored === undefined ? { epoch: newEpoch(), resyncs: [] } : { epoch: stored.epoch, resyncs: stored.resyncs });
        }
        log.info({ streams: [...loaded.keys()] }, 'cursors restored');
      },
      (error: unknown) => {
        restored = undefined;
        throw error;
      },
    );
    return restored;
  }

  function cursorOf(stream: StreamPlan): PollCursor {
    const fresh = initialCursor(stream.cursor);
    const stored = positions.get(stream.name);
    if (stored === undefined) return fresh;
    if (stored.column !== fresh.column || stored.kind !== fresh.kind) {
      // A re-configured cursor column cannot continue from the old position; reading everything
      // again is safe because unchanged records are not republished.
      log.warn({ stream: stream.name, stored: { column: stored.column, kind: stored.kind }, configured: stream.cursor }, 'cursor column changed; polling from the start');
      return fresh;
    }
    return stored;
  }

  function epochOf(entity: EntityType): { epoch: string; resyncs: readonly string[] } {
    const state = epochs.get(entity);
    if (state === undefined) throw new MlcError('MLC_INTERNAL', 'entity has no cursor epoch (cursors not restored)', { context: { connection, entity } });
    return state;
  }

  function remember(stream: string, rows: readonly (readonly [string, string])[]): void {
    let seen = handled.get(stream);
    if (seen === undefined) handled.set(stream, (seen = new Map()));
    for (const [key, at] of rows) {
      seen.delete(key);
      seen.set(key, at);
    }
    // Oldest first out: the window's rows are the most recently read.
    const limit = Math.max(2 * changeNumberWindow, 2 * pageSize);
    for (const key of seen.keys()) {
      if (seen.size <= limit) break;
      seen.delete(key);
    }
  }

  /** Publisher calls one at a time: one Kafka transaction at a time. */
  function serially(run: () => Promise<void>): Promise<void> {
    const next = commitChain.then(run);
    commitChain = next.catch(() => undefined);
    return next;
  }

  const commit = (page: Parameters<PagePublisher['commit']>[0]): Promise<void> => serially(() => publisher.commit(page));

  /**
   * Applies the operators' pending resync requests for the entity before it is polled: a new
   * epoch (so no hash suppresses a record) and every stream's cursor moved back, written in one
   * cursor transaction, then the requests marked applied. A crash between the two: the cursor
   * records name the requests they applied, so the next leader only marks them.
   */
  async function applyResyncs(plan: EntityPlan): Promise<void> {
    if (resyncs === undefined) return;
    const pending = await resyncs.pending(plan.entity);
    if (pending.length === 0) return;
    const current = epochOf(plan.entity);
    const fresh = pending.filter((r) => !current.resyncs.includes(r.id));
    if (fresh.length > 0) {
      const since = earliestResync(fresh);
      const state = { epoch: newEpoch(), resyncs: fresh.map((r) => r.id) };
      const cursors = plan.streams.map((stream) => ({ stream: stream.name, cursor: resyncCursor({ configured: stream.cursor, current: positions.get(stream.name), since }) }));
      await serially(() => publisher.reset({ entity: plan.entity, ...state, cursors }));
      for (const { stream, cursor } of cursors) positions.set(stream, cursor);
      // A new epoch publishes every record again: nothing counts as handled.
      for (const { stream } of cursors) handled.delete(stream);
      epochs.set(plan.entity, state);
      log.info({ entity: plan.entity, requests: state.resyncs, since: since?.toISOString() ?? null, epoch: state.epoch }, 'resync applied: cursors moved back in a new epoch');
      // The old epoch's hashes are no cursor's any more; losing this delete leaves only dead rows.
      await hashes.forget(plan.entity, current.epoch).catch((error: unknown) => log.warn({ err: error, entity: plan.entity, epoch: current.epoch }, 'could not drop the hashes of the previous epoch'));
    }
    await resyncs.applied(plan.entity, pending.map((r) => r.id), epochOf(plan.entity).epoch);
  }

  async function readPage(entitySet: string, query: CursorQuery): Promise<SysproRow[]> {
    const rows: SysproRow[] = [];
    // `top` takes one keyset page; the client follows nextLinks inside it when the server pages smaller.
    for await (const page of odata.pages(entitySet, { filter: query.filter, orderby: query.orderby, top: pageSize })) rows.push(...page.rows);
    return rows;
  }

  async function mapPage(plan: EntityPlan, stream: StreamPlan, rows: readonly SysproRow[]): Promise<Mapped[]> {
    switch (stream.role) {
      case 'rows':
        return rows.map((row) => mapRowOf(plan.entity, row));
      case 'headers':
        return (await documents.withLines(stream.document, rows)).map((document) => mapDocumentOf(plan.entity, document));
      case 'lines':
        // A changed line republishes its whole document.
        return (await documents.ofLines(stream.document, rows)).map((document) => mapDocumentOf(plan.entity, document));
      default: {
        const never: never = stream;
        throw new MlcError('MLC_INTERNAL', 'unknown stream role', { context: { stream: never } });
      }
    }
  }

  function mapDocumentOf(entity: EntityType, { header, lines }: SysproDocument): Mapped {
    switch (entity) {
      case 'purchase-order':
        return toCanonicalPurchaseOrder(header, lines, mapping);
      case 'invoice':
        return toCanonicalInvoice(header, lines, mapping);
      default:
        throw new MlcError('MLC_INTERNAL', 'entity is not read as header + lines', { context: { entity } });
    }
  }

  function mapRowOf(entity: EntityType, row: SysproRow): Mapped {
    switch (entity) {
      case 'supplier':
        return toCanonicalSupplier(row, mapping);
      case 'invoice':
        return toCanonicalInvoice(row, [], mapping);
      case 'gl-account':
        return toCanonicalGlAccount(row, mapping);
      case 'cost-centre':
        return toCanonicalCostCentre(row, mapping);
      case 'purchase-order':
        throw new MlcError('MLC_INTERNAL', 'purchase orders are mapped with their lines', { context: { entity } });
      default: {
        const never: never = entity;
        throw new MlcError('MLC_INTERNAL', 'unknown entity', { context: { entity: never } });
      }
    }
  }

  function keyOfFailure(error: MlcError): string | undefined {
    const { key, supplier, invoice } = error.context as Record<string, unknown>;
    if (typeof key === 'string') return key;
    if (typeof supplier === 'string' && typeof invoice === 'string') return invoiceKey({ supplierNumber: supplier, number: invoice });
    return undefined;
  }

  function toEvents(entity: EntityType, mapped: readonly Mapped[], correlationId: string): { events: CanonicalEvent[]; rejected: RejectedRow[] } {
    // One ISO string for the page, not one per event (and two where the row has no change time).
    const observedAt = clock().toISOString();
    const byKey = new Map<string, CanonicalEvent>();
    const rejected: RejectedRow[] = [];
    for (const result of mapped) {
      if (!result.ok) {
        rejected.push({ entity, key: keyOfFailure(result.error), error: result.error });
        continue;
      }
      const record = result.value;
      try {
        const event = buildEvent({
          source: 'syspro',
          connection,
          entity,
          key: record.key,
          data: record.data as never,
          // SYSPRO tables carry no change time by default; then the poll that saw the change is the best we know.
          occurredAt: record.occurredAt ?? observedAt,
          observedAt,
          correlationId,
          actor: record.actor ?? null,
        });
        const tooLarge = oversizedRecord(event, undefined, maxRecordBytes);
        if (tooLarge !== undefined) {
          byKey.delete(record.key);
          rejected.push({ entity, key: record.key, error: tooLarge });
          continue;
        }
        byKey.set(record.key, event);
      } catch (error) {
        rejected.push({ entity, key: record.key, error: toMlcError(error, { entity, key: record.key }) });
      }
    }
    return { events: [...byKey.values()], rejected };
  }

  async function pollStream(plan: EntityPlan, stream: StreamPlan, counts: Counts, correlationId: string): Promise<'done' | 'stopped'> {
    const slog = log.child({ entity: plan.entity, stream: stream.name });
    const timeZone = mapping.dates.timeZone;
    const options: CursorQueryOptions = { keyColumns: stream.keyColumns, timeZone, changeNumberWindow, ...(overlapMs === undefined ? {} : { overlapMs }) };
    // `position` is where paging within this poll got to; `cursor` is what is committed, which a
    // future-dated row does not move past now + skew (the next poll would skip every real change).
    let cursor = cursorOf(stream);
    let position = cursor;
    // Only a rowversion or number change column changes with every write of a row.
    const countable = changeNumberWindow > 0 && cursor.kind !== 'datetime';
    // The next page, read while this one is mapped and committed: where it starts depends only on
    // the rows of this one. A poll that ends early (a failure, a stop) drops it unread.
    let next: Promise<SysproRow[]> = readPage(stream.entitySet, startQuery(position, options));
    for (;;) {
      if (stopping) return 'stopped';
      const rows = await next;
      if (rows.length === 0) return 'done';
      counts.rowsRead += rows.length;
      metrics.rowsRead(plan.entity, stream.name, rows.length);
      // Throws MLC_DECODE_FAILED for a row without cursor/key value: a row we cannot position after
      // would be read again forever, so that is a poll failure, not a reject.
      const reached = advance(position, rows, options);
      if (rows.length >= pageSize) {
        next = readPage(stream.entitySet, continueQuery(reached, options));
        next.catch(() => undefined);
      }
      const now = clock();
      const future = futureRows(position, rows, { ...options, skewMs: futureSkewMs }, now);
      const { cursor: clampedNext, clamped } = clampFuture(reached, now, { skewMs: futureSkewMs, timeZone });
      // Re-reading the change-number window below the committed cursor does not move it back.
      const committing = isBehind(clampedNext, cursor) ? cursor : clampedNext;
      const seen = handled.get(stream.name);
      const rowKey = (row: SysproRow) => JSON.stringify(stream.keyColumns.map((c) => row[c] ?? null));
      const fresh = seen === undefined || !countable ? rows : rows.filter((row) => seen.get(rowKey(row)) !== String(row[position.column]));
      const mapped = toEvents(plan.entity, await mapPage(plan, stream, fresh), correlationId);
      const { events } = mapped;
      const rejected = mapped.rejected.filter((r) => r.key === undefined || !counts.rejectedKeys.has(r.key));
      for (const r of rejected) if (r.key !== undefined) counts.rejectedKeys.add(r.key);
      const { epoch, resyncs: startedBy } = epochOf(plan.entity);
      const known = await hashes.lastHashes(plan.entity, epoch, events.map((e) => e.entity.key));
      const changed = events.filter((e) => known.get(e.entity.key) !== e.contentHash);

      // A quiet tick re-reads only the window below the last row: nothing to commit then.
      const moved = JSON.stringify(cursorToJSON(committing)) !== JSON.stringify(cursorToJSON(cursor));
      if (moved || changed.length > 0 || rejected.length > 0) {
        await commit({ entity: plan.entity, stream: stream.name, events: changed, rejected, cursor: committing, epoch, resyncs: startedBy });
      }
      positions.set(stream.name, committing);
      cursor = committing;
      position = reached;
      if (countable) remember(stream.name, rows.map((row) => [rowKey(row), String(row[position.column])]));
      counts.pages += 1;
      counts.future += future.length;
      if (future.length > 0) {
        metrics.futureRows(plan.entity, stream.name, future.length);
        for (const row of future.slice(0, FUTURE_ROWS_LOGGED)) {
          slog.warn(
            { key: row.key.join('/'), keyColumns: stream.keyColumns, column: committing.column, date: row.value, timeZone, committedCursor: committing.value, skewMs: futureSkewMs },
            'row is dated in the future (past now + the allowed skew): published, but the cursor is committed at now; correct its date in SYSPRO',
          );
        }
        if (future.length > FUTURE_ROWS_LOGGED) slog.warn({ more: future.length - FUTURE_ROWS_LOGGED }, 'more future-dated rows in this page');
      } else if (clamped) {
        slog.warn({ column: committing.column, committedCursor: committing.value }, 'cursor past now + the allowed skew committed at now');
      }
      counts.published += changed.length;
      counts.unchanged += events.length - changed.length;
      counts.rejected += rejected.length;
      metrics.published(plan.entity, changed.length);
      metrics.unchanged(plan.entity, events.length - changed.length);
      for (const r of rejected) {
        metrics.rejected(plan.entity, r.error.code);
        slog.warn(
          { key: r.key, code: r.error.code, context: r.error.context, err: r.error },
          r.error.code === 'MLC_PAYLOAD_TOO_LARGE' ? 'row makes an event over the record limit; rejected and skipped' : 'row cannot be mapped; rejected and skipped',
        );
      }
      await hashes.remember(
        plan.entity,
        epoch,
        changed.map((e) => ({ key: e.entity.key, contentHash: e.contentHash })),
      );
      slog.debug({ rows: rows.length, published: changed.length, rejected: rejected.length }, 'page committed');
      if (rows.length < pageSize) return 'done';
    }
  }

  async function poll(entity: EntityType): Promise<PollResult> {
    const plan = plans.get(entity);
    if (plan === undefined) throw new MlcError('MLC_CONFIG_INVALID', 'entity is not configured for polling', { context: { connection, entity } });
    const started = process.hrtime.bigint();
    const counts: Counts = { rejectedKeys: new Set(), pages: 0, rowsRead: 0, published: 0, unchanged: 0, rejected: 0, future: 0 };
    const correlationId = newCorrelationId();
    let result: PollResult;
    try {
      await restore();
      await applyResyncs(plan);
      let status: PollResult['status'] = 'ok';
      for (const stream of plan.streams) {
        if ((await pollStream(plan, stream, counts, correlationId)) === 'stopped') {
          status = 'stopped';
          break;
        }
      }
      const { rejectedKeys: _, ...totals } = counts;
      result = { entity, status, ...totals };
      if (status === 'ok') metrics.lastSuccess(entity, clock());
      log.info({ entity, correlationId, ...totals, status }, 'poll finished');
    } catch (error) {
      const err = toMlcError(error, { connection, entity });
      const { rejectedKeys: _, ...totals } = counts;
      result = { entity, status: 'failed', ...totals, error: err };
      metrics.pollFailed(entity, err.code);
      log.error({ entity, correlationId, code: err.code, err, ...totals }, 'poll failed; the cursor stays at the last committed page');
    }
    metrics.pollFinished(entity, result.status, Number(process.hrtime.bigint() - started) / 1e9);
    last[entity] = { at: clock().toISOString(), status: result.status, ...(result.error ? { code: result.error.code } : {}) };
    return result;
  }

  function runOnce(entity: EntityType): Promise<PollResult> {
    const previous = running.get(entity) ?? Promise.resolve(undefined);
    const run = previous.then(() => poll(entity));
    running.set(entity, run);
    void run.finally(() => {
      if (running.get(entity) === run) running.delete(entity);
    });
    return run;
  }

  // Polls start every interval (a fixed rate), not an interval after the last one ended: a change
  // waits at most one interval plus one poll, and a poll longer than the interval is followed at once.
  function schedule(plan: EntityPlan, delayMs: number): void {
    if (stopping) return;
    const timer = setTimeout(() => {
      timers.delete(plan.entity);
      const started = performance.now();
      void runOnce(plan.entity).then(() => schedule(plan, Math.max(0, plan.intervalMs - (performance.now() - started))));
    }, delayMs);
    timers.set(plan.entity, timer);
  }

  return {
    runOnce,
    async start() {
      stopping = false;
      await restore();
      for (const plan of plans.values()) schedule(plan, 0);
    },
    async stop() {
      stopping = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running.values()]);
      // Another replica may poll before this one runs again: a later start restores afresh.
      positions.clear();
      handled.clear();
      epochs.clear();
      restored = undefined;
    },
    status: () => ({ ...last }),
  };
}
