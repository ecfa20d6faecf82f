import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { Counter, type Registry } from 'prom-client';
import { isRefusedData } from '@mlc/db';
import { subscribeSettled, watchCrashes } from '@mlc/kafka';
import { MlcError, backoffDelay, toMlcError, type BackoffOptions } from '@mlc/errors';
import type { Logger } from '@mlc/log';
import { addRow, emptyRows, toAuditRow, undecodableRow, type AuditRows, type KafkaRecord } from './records.js';
import type { AuditWriter, InsertResult } from './store.js';
import { auditTopicPattern } from './topics.js';

export interface CreateAuditConsumerParams {
  kafka: Kafka;
  /** Consumer group, prefixed by the caller (`<prefix>audit`). */
  groupId: string;
  /** Topic prefix of the deployment; only topics under it are read. */
  prefix: string;
  writer: AuditWriter;
  logger: Logger;
  /** Backoff between attempts to write a batch while Postgres is unavailable. */
  retry: BackoffOptions;
  partitionsConsumedConcurrently: number;
  /**
   * How often the topic list is checked for new matching topics. kafkajs resolves a RegExp
   * subscription once, at subscribe time, and never again (metadata refreshes, every
   * `metadataMaxAge`, only cover the topics already subscribed); so a new topic (a new writer's
   * DLQ) means joining again with the new list.
   */
  topicScanIntervalMs: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  metrics?: Registry;
  /** The kafkajs consumer stopped for good (watchCrashes in @mlc/kafka): the service should end, to be started again. */
  onStopped?: (error: MlcError) => void;
}

export interface AuditConsumer {
  /** Subscribes to every matching topic and starts consuming; resolves once running. */
  start(): Promise<void>;
  /** Finishes the batch in flight (or abandons it uncommitted while Postgres is down), leaves the group. */
  stop(): Promise<void>;
  /** Topics currently consumed. */
  topics(): readonly string[];
  /** Whether it runs (started, not stopping). */
  running(): boolean;
}

/**
 * Audit's consumer: every batch's rows go to Postgres in one transaction, then the batch's last
 * offset is committed. A kill at any point leaves at most rows whose offsets were not committed:
 * they are delivered again and skipped by the (topic, partition, offset) key. While Postgres is
 * down the batch is tried again with backoff, in place: the partition waits, nothing is skipped.
 * (Sleeping inside eachBatch holds every partition of the fetch, which is what we want here: an
 * unavailable database stops them all anyway.)
 */
export function createAuditConsumer(params: CreateAuditConsumerParams): AuditConsumer {
  const { kafka, groupId, prefix, writer, logger, retry, partitionsConsumedConcurrently, topicScanIntervalMs, sessionTimeoutMs, heartbeatIntervalMs, metrics, onStopped } = params;
  const log = logger.child({ component: 'audit-consumer', groupId });
  const pattern = auditTopicPattern(prefix);
  const counters = createMetrics(metrics);
  const stopSignal = new AbortController();
  let consumer: Consumer | undefined;
  let subscribed: string[] = [];
  let state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  let scanTimer: NodeJS.Timeout | undefined;
  // Scans and restarts one at a time; stop waits for the one in progress.
  let chain: Promise<void> = Promise.resolve();

  async function matchingTopics(): Promise<string[]> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).filter((t) => pattern.test(t)).sort();
    } finally {
      await admin.disconnect();
    }
  }

  async function eachBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const last = batch.messages.at(-1);
    if (last === undefined) return;
    const live = () => isRunning() && !isStale() && !stopSignal.signal.aborted;
    const records: KafkaRecord[] = batch.messages.map((m) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: m.offset,
      timestamp: m.timestamp,
      key: m.key,
      value: m.value,
      headers: m.headers,
    }));
    const rows = emptyRows();
    for (const record of records) addRow(rows, toAuditRow(record, prefix));

    const stored = await persist(rows, records, { live, heartbeat });
    if (!stored) return; // stopping or rebalancing: left uncommitted, delivered again
    resolveOffset(last.offset);
    await commitOffsetsIfNecessary(uncommittedOffsets());
    counters.count(rows, stored);
  }

  interface BatchControl {
    live: () => boolean;
    heartbeat: () => Promise<void>;
  }

  /** Writes the rows; undefined when it gave up because the batch is no longer ours to write. */
  async function persist(rows: AuditRows, records: readonly KafkaRecord[], control: BatchControl): Promise<InsertResult | undefined> {
    try {
      return await retrying(() => writer.insert(rows), control, records[0]!);
    } catch (error) {
      if (!(error instanceof MlcError && isRefusedData(error))) throw error;
      log.warn({ err: error, topic: records[0]!.topic, partition: records[0]!.partition }, 'Postgres refused a row of the batch; writing its records one by one');
      return isolate(records, control);
    }
  }

  // One row at a time; a row Postgres refuses is kept as an undecodable row with its bytes.
  async function isolate(records: readonly KafkaRecord[], control: BatchControl): Promise<InsertResult | undefined> {
    const total: InsertResult = { events: 0, outcomes: 0, dlq: 0, undecodable: 0 };
    const add = (r: InsertResult) => {
      for (const k of Object.keys(total) as (keyof InsertResult)[]) total[k] += r[k];
    };
    for (const record of records) {
      const single = emptyRows();
      addRow(single, toAuditRow(record, prefix));
      let result: InsertResult | undefined;
      try {
        result = await retrying(() => writer.insert(single), control, record);
      } catch (error) {
        if (!(error instanceof MlcError && isRefusedData(error))) throw error;
        const fallback = emptyRows();
        // Headers may be what Postgres refused (a NUL in a JSON string): kept in the bytes only then.
        fallback.undecodable.push({ ...undecodableRow(record, error), headers: '{}', errorMessage: error.message.replaceAll('\u0000', '') });
        result = await retrying(() => writer.insert(fallback), control, record);
      }
      if (result === undefined) return undefined;
      add(result);
    }
    return total;
  }

  async function retrying<T>(write: () => Promise<T>, { live, heartbeat }: BatchControl, at: KafkaRecord): Promise<T | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await write();
      } catch (error) {
        const e = toMlcError(error);
        if (isRefusedData(e)) throw e;
        counters.retries.inc({ code: e.code });
        const delayMs = backoffDelay(attempt, retry);
        const level = e.retriable ? 'warn' : 'error';
        log[level]({ err: e, topic: at.topic, partition: at.partition, offset: at.offset, attempt, delayMs }, 'writing audit rows failed; trying again');
        if (!live()) return undefined;
        try {
          await sleep(delayMs, undefined, { signal: stopSignal.signal });
        } catch {
          return undefined; // stopping
        }
        try {
          await heartbeat();
        } catch {
          return undefined; // rebalancing: the partition may be someone else's now
        }
        if (!live()) return undefined;
      }
    }
  }

  async function startConsumer(topics: string[]): Promise<void> {
    subscribed = topics;
    if (topics.length === 0) {
      log.info({ pattern: pattern.source }, 'no topic to audit yet; waiting for one');
      return;
    }
    const next = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      ...(sessionTimeoutMs === undefined ? {} : { sessionTimeout: sessionTimeoutMs }),
      ...(heartbeatIntervalMs === undefined ? {} : { heartbeatInterval: heartbeatIntervalMs }),
    });
    // A consumer replaced after a rescan, or one of a stopping service, is no longer watched.
    watchCrashes(next, { groupId, logger: log, ...(onStopped === undefined ? {} : { onStopped }), current: () => consumer === next && state === 'running' });
    consumer = next;
    try {
      await next.connect();
      // The list we found, not the RegExp: kafkajs would resolve it against its own metadata again.
      await subscribeSettled(next, { topics, fromBeginning: true });
      await next.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently, eachBatch });
    } catch (error) {
      await next.disconnect().catch(() => undefined);
      consumer = undefined;
      throw toMlcError(error, { groupId, operation: 'start audit consumer' });
    }
    log.info({ topics: topics.length }, 'auditing topics');
  }

  async function rescan(): Promise<void> {
    if (state !== 'running') return;
    const found = await matchingTopics();
    if (found.join('\n') === subscribed.join('\n') || state !== 'running') return;
    log.info({ added: found.filter((t) => !subscribed.includes(t)), removed: subscribed.filter((t) => !found.includes(t)) }, 'audited topics changed; joining again');
    await consumer?.disconnect();
    consumer = undefined;
    await startConsumer(found);
  }

  return {
    async start() {
      if (state !== 'new') throw new MlcError('MLC_INTERNAL', 'audit consumer cannot start twice', { context: { groupId } });
      state = 'running';
      await startConsumer(await matchingTopics());
      scanTimer = setInterval(() => {
        chain = chain.then(rescan).catch((err: unknown) => log.warn({ err }, 'checking for new topics failed; trying at the next interval'));
      }, topicScanIntervalMs);
      scanTimer.unref();
    },
    async stop() {
      if (state !== 'running') {
        state = 'stopped';
        return;
      }
      state = 'stopping';
      clearInterval(scanTimer);
      stopSignal.abort();
      await chain;
      // kafkajs waits for the batch in flight before leaving the group.
      await consumer?.disconnect();
      state = 'stopped';
    },
    topics: () => subscribed,
    running: () => state === 'running',
  };
}

function createMetrics(registry: Registry | undefined) {
  const registers = registry === undefined ? [] : [registry];
  const stored = new Counter({ name: 'mlc_audit_rows_total', help: 'Rows written to the audit log, by table', labelNames: ['table'], registers });
  const duplicates = new Counter({ name: 'mlc_audit_duplicates_total', help: 'Records delivered again and already in the log, by table', labelNames: ['table'], registers });
  const retries = new Counter({ name: 'mlc_audit_write_retries_total', help: 'Failed attempts to write a batch, by error code', labelNames: ['code'], registers });
  return {
    retries,
    count(rows: AuditRows, inserted: InsertResult) {
      for (const table of ['events', 'outcomes', 'dlq', 'undecodable'] as const) {
        const offered = rows[table].length;
        if (offered === 0 && inserted[table] === 0) continue;
        stored.inc({ table }, inserted[table]);
        duplicates.inc({ table }, Math.max(0, offered - inserted[table]));
      }
    },
  };
}
