import { randomUUID } from 'node:crypto';
import { buildEvent, type SupplierEvent } from '@mlc/events';
import { MlcError, toMlcError } from '@mlc/errors';
import { toCanonicalSupplier, type InforMapping, type MiRecord, type SupplierChangeReader, type SupplierChangeStart } from '@mlc/infor';
import { DEFAULT_MAX_RECORD_BYTES, oversizedRecord } from '@mlc/kafka';
import type { Logger } from '@mlc/log';
import { advance, clampFuture, continueFrom, futureRecords, pollStart, progressed, type SupplierCursor } from './cursor.js';
import { NOOP_METRICS, type CursorStore, type HashStore, type PagePublisher, type PollerMetrics, type RejectedRecord } from './ports.js';

/** Future-dated records named one by one in the log per page; the rest are counted. */
const FUTURE_RECORDS_LOGGED = 10;

export interface CreatePollerParams {
  /** Connection id: goes into every event and every log line. */
  connection: string;
  reader: SupplierChangeReader;
  cursors: CursorStore;
  publisher: PagePublisher;
  hashes: HashStore;
  mapping: InforMapping;
  logger: Logger;
  metrics?: PollerMetrics;
  /** Records per MI call, and so per Kafka transaction (at least 2: a page repeats its first record). */
  pageSize: number;
  overlapMs: number;
  /** A change timestamp past now + this is future-dated: published, but the cursor is committed at now (default 5 minutes). */
  futureSkewMs?: number;
  intervalMs: number;
  /**
   * The largest record the topics take (MLC_MAX_RECORD_BYTES): a record whose event is over it is
   * rejected, like one that cannot be mapped, instead of failing its page on every poll. Default
   * DEFAULT_MAX_RECORD_BYTES.
   */
  maxRecordBytes?: number;
  clock?: () => Date;
  newCorrelationId?: () => string;
}

export interface PollResult {
  status: 'ok' | 'failed' | 'stopped';
  pages: number;
  read: number;
  published: number;
  unchanged: number;
  rejected: number;
  /** Records read dated past now + the allowed skew. */
  future: number;
  error?: MlcError;
}

export interface Poller {
  /** Reads the change list to its end once; never throws (a failure is in the result, logged and counted). */
  runOnce(): Promise<PollResult>;
  /** Restores the cursor, then polls now and every interval. */
  start(): Promise<void>;
  /** Stops scheduling and waits for the poll in flight, which ends after the page it is committing. */
  stop(): Promise<void>;
  status(): { at: string; status: PollResult['status']; code?: string } | undefined;
}

/**
 * The M3 supplier poller of one connection (functional core, ports for I/O). It reads the supplier
 * change list page by page in (LMTS, SUNO) order from the cursor minus the overlap, maps each
 * record, drops suppliers whose content hash equals the last one published, and hands each page
 * with its advanced cursor to the publisher, which commits both in one Kafka transaction. The
 * cursor in memory moves only after that commit; a failure ends the poll and the next tick starts
 * again from the last committed cursor.
 */
export function createPoller({
  connection,
  reader,
  cursors,
  publisher,
  hashes,
  mapping,
  logger,
  metrics = NOOP_METRICS,
  pageSize,
  overlapMs,
  futureSkewMs = 300_000,
  intervalMs,
  maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
  clock = () => new Date(),
  newCorrelationId = randomUUID,
}: CreatePollerParams): Poller {
  if (!Number.isSafeInteger(pageSize) || pageSize < 2) throw new MlcError('MLC_CONFIG_INVALID', 'pageSize must be an integer of at least 2', { context: { pageSize } });
  const log = logger.child({ component: 'infor-poller', connection });
  let cursor: SupplierCursor | undefined;
  let restored = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<PollResult> | undefined;
  let last: { at: string; status: PollResult['status']; code?: string } | undefined;

  function toEvents(records: readonly MiRecord[], correlationId: string): { events: SupplierEvent[]; rejected: RejectedRecord[] } {
    const observedAt = clock();
    const byKey = new Map<string, SupplierEvent>();
    const rejected: RejectedRecord[] = [];
    for (const record of records) {
      const result = toCanonicalSupplier(record, mapping);
      if (!result.ok) {
        rejected.push({ key: record.SUNO?.trim() || undefined, error: result.error });
        continue;
      }
      const { key, data, occurredAt, actor } = result.value;
      try {
        const event = buildEvent({ source: 'infor', connection, entity: 'supplier', key, data, occurredAt: occurredAt ?? observedAt, observedAt, correlationId, actor: actor ?? null });
        const tooLarge = oversizedRecord(event, undefined, maxRecordBytes);
        if (tooLarge !== undefined) {
          byKey.delete(key);
          rejected.push({ key, error: tooLarge });
          continue;
        }
        byKey.set(key, event);
      } catch (error) {
        rejected.push({ key, error: toMlcError(error, { key }) });
      }
    }
    return { events: [...byKey.values()], rejected };
  }

  async function readAll(result: PollResult, correlationId: string): Promise<PollResult['status']> {
    let start: SupplierChangeStart = pollStart(cursor, overlapMs);
    for (;;) {
      if (stopping) return 'stopped';
      const records = await reader.page(start, pageSize);
      if (records.length === 0) return 'ok';
      if (records.length >= pageSize && !progressed(start, records)) {
        throw new MlcError('MLC_VENDOR_REJECTED', 'the supplier change list did not move past where the page started', { context: { start, pageSize } });
      }
      result.read += records.length;
      metrics.recordsRead(records.length);
      const now = clock().getTime();
      const future = futureRecords(records, now, futureSkewMs);
      // A future-dated record moves the paging on (continueFrom), but not the committed cursor past now.
      const { cursor: next, clamped } = clampFuture(advance(cursor, records)!, now, futureSkewMs);
      const { events, rejected } = toEvents(records, correlationId);
      const known = await hashes.lastHashes(events.map((e) => e.entity.key));
      const changed = events.filter((e) => known.get(e.entity.key) !== e.contentHash);
      const moved = cursor === undefined || next.timestamp !== cursor.timestamp || next.supplier !== cursor.supplier;
      if (moved || changed.length > 0 || rejected.length > 0) await publisher.commit({ events: changed, rejected, cursor: next });
      cursor = next;
      result.pages += 1;
      result.published += changed.length;
      result.unchanged += events.length - changed.length;
      result.rejected += rejected.length;
      result.future += future.length;
      if (future.length > 0) {
        metrics.futureRecords(future.length);
        for (const r of future.slice(0, FUTURE_RECORDS_LOGGED)) {
          log.warn(
            { key: r.supplier, lmts: r.timestamp, date: new Date(Number(r.timestamp)).toISOString(), committedCursor: next.timestamp, skewMs: futureSkewMs },
            'supplier change timestamp (LMTS) is in the future (past now + the allowed skew): published, but the cursor is committed at now; check the M3 server clock or what wrote LMTS',
          );
        }
        if (future.length > FUTURE_RECORDS_LOGGED) log.warn({ more: future.length - FUTURE_RECORDS_LOGGED }, 'more future-dated suppliers in this page');
      } else if (clamped) {
        log.warn({ committedCursor: next.timestamp }, 'cursor past now + the allowed skew committed at now');
      }
      metrics.published(changed.length);
      metrics.unchanged(events.length - changed.length);
      for (const r of rejected) {
        metrics.rejected(r.error.code);
        log.warn(
          { key: r.key, code: r.error.code, context: r.error.context, err: r.error },
          r.error.code === 'MLC_PAYLOAD_TOO_LARGE' ? 'supplier record makes an event over the record limit; rejected and skipped' : 'supplier record cannot be mapped; rejected and skipped',
        );
      }
      await hashes.remember(changed.map((e) => ({ key: e.entity.key, contentHash: e.contentHash })));
      if (records.length < pageSize) return 'ok';
      const lastRecord = records.at(-1)!;
      start = continueFrom({ timestamp: lastRecord.LMTS!.trim(), supplier: lastRecord.SUNO!.trim() });
    }
  }

  async function poll(): Promise<PollResult> {
    const started = process.hrtime.bigint();
    const correlationId = newCorrelationId();
    const result: PollResult = { status: 'ok', pages: 0, read: 0, published: 0, unchanged: 0, rejected: 0, future: 0 };
    try {
      if (!restored) {
        cursor = await cursors.load();
        restored = true;
        log.info({ cursor: cursor ?? null }, 'cursor restored');
      }
      result.status = await readAll(result, correlationId);
      if (result.status === 'ok') metrics.lastSuccess(clock());
      log.info({ correlationId, ...result }, 'poll finished');
    } catch (error) {
      const err = toMlcError(error, { connection });
      result.status = 'failed';
      result.error = err;
      metrics.pollFailed(err.code);
      log.error({ correlationId, code: err.code, err, pages: result.pages, published: result.published }, 'poll failed; the cursor stays at the last committed page');
    }
    metrics.pollFinished(result.status, Number(process.hrtime.bigint() - started) / 1e9);
    last = { at: clock().toISOString(), status: result.status, ...(result.error ? { code: result.error.code } : {}) };
    return result;
  }

  function runOnce(): Promise<PollResult> {
    // One poll at a time: a second request waits for the first.
    const run = (running ?? Promise.resolve()).then(() => poll());
    running = run;
    void run.finally(() => {
      if (running === run) running = undefined;
    });
    return run;
  }

  function schedule(delayMs: number): void {
    if (stopping) return;
    timer = setTimeout(() => {
      timer = undefined;
      void runOnce().then(() => schedule(intervalMs));
    }, delayMs);
  }

  return {
    runOnce,
    async start() {
      stopping = false;
      schedule(0);
    },
    async stop() {
      stopping = true;
      clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
      // Another replica may poll before this one runs again: a later start restores afresh.
      restored = false;
      cursor = undefined;
    },
    status: () => last,
  };
}
