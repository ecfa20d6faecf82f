import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { OUTCOMES_TOPIC, partitionKeyFor, type CanonicalEvent, type Outcome } from '@mlc/events';
import { MlcError, backoffDelay, toMlcError } from '@mlc/errors';
import type { Logger } from '@mlc/log';
import type { TopicCodec } from './codec.js';
import { buildDlqHeaders, dlqTopicFor } from './dead-letter.js';
import { EVENT_HEADERS, readReplay, type Replay } from './headers.js';
import { createRuntimeMetrics } from './metrics.js';
import { buildOutcome, identityFromDecodeError, identityOf, type EventIdentity } from './outcome.js';
import { createRecordWindow, topicMessages, type PendingRecord } from './record-window.js';
import { createRetryPauses } from './retry-pauses.js';

export interface HandlerResult {
  status: 'created' | 'updated' | 'unchanged' | 'skipped' | 'echo';
  target?: { system: string; id?: string };
  /** Why it was written as it was (or not at all), carried onto the outcome. */
  reason?: string | undefined;
}

export interface HandlerContext {
  topic: string;
  partition: number;
  offset: string;
  /**
   * 1 on the first call for this message, then 2, 3, ... on retries (counted across the
   * partition's pauses; 1 again after a restart or when another consumer takes the partition).
   */
  attempt: number;
  /**
   * Set when an operator sent this record again (republish, redrive; the `mlc-replay-*` headers).
   * With `force`, a writer writes even when the content equals what it last wrote; without a
   * replay, or without force, a record already written stays a no-op.
   */
  replay?: Replay;
  logger: Logger;
}

/**
 * Applies one event to its target. Must be idempotent (upsert by natural key): at-least-once
 * delivery means it can see the same event again after a crash or rebalance. Throw an MlcError;
 * its code's `retriable` decides between retry-in-place and the DLQ.
 */
export type EventHandler = (event: CanonicalEvent, ctx: HandlerContext) => Promise<HandlerResult>;

export const RetryOptions = z
  .object({
    initialMs: z.number().int().positive(),
    maxMs: z.number().int().positive(),
    /** Handler calls per message, the first included; then the message is dead-lettered. */
    maxAttempts: z.number().int().positive(),
  })
  .refine((r) => r.maxMs >= r.initialMs, { message: 'maxMs must be >= initialMs', path: ['maxMs'] });
export type RetryOptions = z.infer<typeof RetryOptions>;

export interface CreateConsumerRuntimeParams {
  kafka: Kafka;
  groupId: string;
  topics: readonly string[];
  codec: TopicCodec;
  handler: EventHandler;
  logger: Logger;
  retry: RetryOptions;
  metrics?: Registry;
  partitionsConsumedConcurrently?: number;
  /** Where a new group starts. Default true: a new writer must not silently skip existing events. */
  fromBeginning?: boolean;
  /** Defaults to mlc.outcomes.v1; tests pass their own. */
  outcomesTopic?: string;
  /** Defaults to `<groupId>.dlq.v1`. */
  dlqTopic?: string;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /**
   * Longest a fetch waits for new data (kafkajs maxWaitTimeInMs, default here 1000). A partition
   * resumed after a retry pause is fetched from the next fetch on, so this bounds how much later
   * than its backoff a retry can run.
   */
  fetchMaxWaitMs?: number;
  /** Outcomes and DLQ records are sent together, then offsets committed, at the latest after this many messages... */
  flushMaxMessages?: number;
  /** ...or once the oldest unsent one is this old, and always at the end of a fetched batch. */
  flushMaxDelayMs?: number;
}

export interface ConsumerRuntime {
  /** Connects, joins the group and starts consuming; resolves once running. */
  start(): Promise<void>;
  /** Finishes the in-flight message, sends what is pending, commits, leaves the group, disconnects. */
  stop(): Promise<void>;
}

/** Unwinds a message's processing when we must stop waiting: stop(), a rebalance or a seek. */
class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

/** Infrastructure steps that are waited out; `step` in their retry log lines. */
const INFRA_STEPS = {
  decode: 'decoding',
  'encode-outcome': 'encoding an outcome',
  record: 'sending outcomes and DLQ records',
} as const;
type InfraStep = keyof typeof INFRA_STEPS;

const Params = z.object({
  groupId: z.string().min(1),
  topics: z.array(z.string().min(1)).min(1),
  retry: RetryOptions,
  partitionsConsumedConcurrently: z.number().int().positive(),
  fetchMaxWaitMs: z.number().int().positive(),
  flushMaxMessages: z.number().int().positive(),
  flushMaxDelayMs: z.number().int().nonnegative(),
});

export function createConsumerRuntime(params: CreateConsumerRuntimeParams): ConsumerRuntime {
  const {
    kafka,
    groupId,
    topics,
    codec,
    handler,
    logger,
    retry,
    metrics: registry,
    partitionsConsumedConcurrently = 1,
    fromBeginning = true,
    outcomesTopic = OUTCOMES_TOPIC,
    dlqTopic = dlqTopicFor(groupId),
    sessionTimeoutMs = 30_000,
    heartbeatIntervalMs = 3_000,
    fetchMaxWaitMs = 1_000,
    flushMaxMessages = 500,
    flushMaxDelayMs = 200,
  } = params;
  const checked = Params.safeParse({ groupId, topics, retry, partitionsConsumedConcurrently, fetchMaxWaitMs, flushMaxMessages, flushMaxDelayMs });
  if (!checked.success) {
    throw new MlcError('MLC_CONFIG_INVALID', `invalid consumer runtime parameters: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, {
      context: { groupId },
    });
  }

  const log = logger.child({ component: 'consumer-runtime', groupId });
  const metrics = createRuntimeMetrics(registry, groupId);
  const consumer: Consumer = kafka.consumer({
    groupId,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: heartbeatIntervalMs,
    maxWaitTimeInMs: fetchMaxWaitMs,
    allowAutoTopicCreation: false,
  });
  // Idempotent: kafkajs retries sends without duplicating or reordering; acks=all on every send.
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const stopSignal = new AbortController();
  let state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';

  consumer.on(consumer.events.CRASH, ({ payload }) => {
    log.error({ err: payload.error, restart: payload.restart }, 'kafkajs consumer crashed');
  });

  // Retriable handler errors pause their partition until the retry (see retry-pauses.ts).
  const pauses = createRetryPauses({
    partitions: {
      pause: (topic, partition) => consumer.pause([{ topic, partitions: [partition] }]),
      resume: (topic, partition) => consumer.resume([{ topic, partitions: [partition] }]),
    },
    logger: log,
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => pauses.rebalanced(payload.memberAssignment));

  /** Sleeps in slices, so stop(), a rebalance or a seek ends the wait within one slice. */
  async function wait(ms: number, live: () => boolean): Promise<void> {
    let left = ms;
    while (left > 0) {
      if (!live()) throw new Interrupted();
      const slice = Math.min(left, 250);
      try {
        await sleep(slice, undefined, { signal: stopSignal.signal });
      } catch {
        throw new Interrupted();
      }
      left -= slice;
    }
    if (!live()) throw new Interrupted();
  }

  /** Retries an infrastructure step (registry, Kafka) until it works or we are interrupted. */
  async function persist<T>(step: InfraStep, run: () => Promise<T>, live: () => boolean, isFatal: (e: MlcError) => boolean): Promise<T | MlcError> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await run();
      } catch (error) {
        const e = toMlcError(error);
        if (isFatal(e)) return e;
        log.warn({ err: e, code: e.code, step, attempt }, `${INFRA_STEPS[step]} failed; retrying`);
        await wait(backoffDelay(attempt, retry), live);
      }
    }
  }

  async function encodeOutcome(outcome: Outcome, live: () => boolean): Promise<Message | MlcError> {
    const value = await persist('encode-outcome', () => codec.encode(outcomesTopic, outcome), live, (e) => !e.retriable);
    if (value instanceof MlcError) return value;
    return {
      key: partitionKeyFor({ connection: outcome.connection, entity: outcome.entity }),
      value,
      headers: { [EVENT_HEADERS.correlationId]: outcome.correlationId, [EVENT_HEADERS.eventId]: outcome.eventId },
    };
  }

  /** Dead-letters a message: original key/value bytes and headers plus the reason; an outcome when we know the event. */
  async function deadLetter(
    source: { topic: string; partition: number; message: KafkaMessage },
    error: MlcError,
    identity: EventIdentity | undefined,
    attempts: number,
    live: () => boolean,
  ): Promise<PendingRecord[]> {
    const { topic, partition, message } = source;
    const at = new Date();
    const replay = readReplay(message.headers);
    const records: PendingRecord[] = [
      {
        topic: dlqTopic,
        message: {
          key: message.key,
          value: message.value,
          headers: buildDlqHeaders({ error, group: groupId, topic, partition, offset: message.offset, attempts, at, originalHeaders: message.headers }),
        },
      },
    ];
    if (identity !== undefined) {
      const outcome = buildOutcome({ identity, writer: groupId, status: 'dead-lettered', attempts, error, source: { topic, partition, offset: message.offset }, replay, at });
      const encoded = await encodeOutcome(outcome, live);
      if (encoded instanceof MlcError) {
        // The DLQ record still carries the reason; the audit log keeps it.
        log.error({ err: encoded, code: encoded.code, eventId: identity.eventId }, 'dead-lettered outcome could not be encoded');
      } else {
        records.push({ topic: outcomesTopic, message: encoded });
      }
    }
    metrics.deadLettered(topic, error.code);
    metrics.handled(topic, 'dead-lettered');
    log.error(
      { code: error.code, err: error, topic, partition, offset: message.offset, attempts, eventId: identity?.eventId },
      'message dead-lettered',
    );
    return records;
  }

  /** What became of a message: records to send before committing it, or a retry after a pause. */
  type Processed = { records: PendingRecord[] } | { retryInMs: number };

  /** Decode, handle once, build the outcome. */
  async function processMessage(topic: string, partition: number, message: KafkaMessage, live: () => boolean): Promise<Processed> {
    const source = { topic, partition, message };
    const coordinates = { topic, partition, offset: message.offset };
    // A registry outage would fail every message alike, so it is waited out; bad bytes are dead-lettered.
    const decoded = await persist('decode', () => codec.decode(topic, message.value), live, (e) => !e.retriable);
    if (decoded instanceof MlcError) {
      const error = toMlcError(decoded, coordinates);
      return { records: await deadLetter(source, error, identityFromDecodeError(error, message.key, message.headers), 1, live) };
    }
    // The codec validated the value against the topic's schema; the runtime's topics carry canonical events.
    const event = decoded as CanonicalEvent;
    const identity = identityOf(event);
    const replay = readReplay(message.headers);
    // A child logger costs a redaction pass over its bindings (@mlc/log redacts secret paths), more
    // than decoding the message; most handlers never log, so it is made on first use.
    let ctxLog: Logger | undefined;
    const messageLog = (): Logger => (ctxLog ??= log.child({ topic, partition, offset: message.offset, eventId: event.id, correlationId: event.correlationId }));
    const contextFor = (attempt: number): HandlerContext => {
      const ctx: HandlerContext = {
        topic,
        partition,
        offset: message.offset,
        attempt,
        get logger() {
          return messageLog();
        },
      };
      if (replay !== undefined) ctx.replay = replay;
      return ctx;
    };

    const attempt = pauses.attemptFor(topic, partition, message.offset);
    let result: HandlerResult;
    const started = process.hrtime.bigint();
    try {
      result = await handler(event, contextFor(attempt));
    } catch (thrown) {
      const error = toMlcError(thrown, { ...coordinates, eventId: event.id });
      if (!error.retriable || attempt >= retry.maxAttempts) return { records: await deadLetter(source, error, identity, attempt, live) };
      metrics.retried(topic, error.code);
      pauses.failed(topic, partition, message.offset, attempt);
      const retryInMs = backoffDelay(attempt, retry);
      messageLog().warn({ err: error, code: error.code, attempt, delayMs: retryInMs }, 'handler failed with a retriable error; pausing the partition until the retry');
      return { retryInMs };
    } finally {
      metrics.handlerSeconds(topic, Number(process.hrtime.bigint() - started) / 1e9);
    }
    const outcome = buildOutcome({ identity, writer: groupId, status: result.status, target: result.target, reason: result.reason, attempts: attempt, source: coordinates, replay, at: new Date() });
    const encoded = await encodeOutcome(outcome, live);
    if (encoded instanceof MlcError) {
      // Non-retriable: the handler's result does not fit the outcome schema (e.g. an empty target system).
      return { records: await deadLetter(source, encoded, identity, attempt, live) };
    }
    metrics.handled(topic, result.status);
    return { records: [{ topic: outcomesTopic, message: encoded }] };
  }

  async function eachBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    let rebalancing: unknown;
    // Sends a window's outcomes and DLQ records, then resolves and commits its last offset.
    const window = createRecordWindow({
      async record(records, upTo) {
        if (records.length > 0) {
          const sent = await persist('record', () => producer.sendBatch({ topicMessages: topicMessages(records), acks: -1 }), live, () => false);
          if (sent instanceof MlcError) throw sent; // unreachable: every send error is retried
        }
        resolveOffset(upTo);
        await commitOffsetsIfNecessary(uncommittedOffsets());
      },
      maxRecords: flushMaxMessages,
      maxDelayMs: flushMaxDelayMs,
    });
    // Once recording a window failed, nothing after it may be committed: we stop taking work and
    // let it be delivered again.
    const live = () => isRunning() && !isStale() && rebalancing === undefined && !window.failed() && !stopSignal.signal.aborted;
    // kafkajs heartbeats only when asked; a slow handler or a long backoff must not get us evicted.
    // Any heartbeat failure means we may no longer own the partition, so we stop taking new work.
    const ticker = setInterval(() => {
      heartbeat().catch((error: unknown) => {
        rebalancing ??= error;
      });
    }, heartbeatIntervalMs);

    try {
      let retryInMs: number | undefined;
      for (const message of batch.messages) {
        if (!live()) break;
        const processed = await processMessage(topic, partition, message, live);
        if ('retryInMs' in processed) {
          // The rest of the batch is dropped unresolved; the partition is fetched again from this offset.
          retryInMs = processed.retryInMs;
          break;
        }
        pauses.succeeded(topic, partition);
        await window.add(message.offset, processed.records);
      }
      // kafkajs fetches this partition again only after we return: nothing stays in flight across batches.
      await window.drain();
      if (retryInMs !== undefined) pauses.pause(topic, partition, retryInMs);
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      // Messages finished before the interruption are still recorded and committed if Kafka lets
      // us; the interrupted one is not, so it is delivered again.
      try {
        await window.drain();
      } catch (flushError) {
        log.warn({ err: flushError, topic, partition }, 'could not record finished messages while stopping; they will be redelivered');
      }
    } finally {
      clearInterval(ticker);
      // Never leave a send or commit running for a batch kafkajs considers done.
      await window.settled();
    }
    // Let kafkajs see the rebalance now, so it rejoins instead of fetching again.
    if (rebalancing !== undefined && state !== 'stopping') throw rebalancing;
  }

  return {
    async start() {
      if (state !== 'new') throw new MlcError('MLC_INTERNAL', `consumer runtime for ${groupId} cannot start twice`, { context: { groupId } });
      state = 'starting';
      try {
        await producer.connect();
        await consumer.connect();
        await consumer.subscribe({ topics: [...topics], fromBeginning });
        await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently, eachBatch });
      } catch (error) {
        state = 'stopped';
        await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
        throw toMlcError(error, { groupId, operation: 'start' });
      }
      state = 'running';
      log.info({ topics, dlqTopic, outcomesTopic }, 'consumer runtime started');
    },
    async stop() {
      if (state === 'stopped' || state === 'stopping' || state === 'new') {
        state = 'stopped';
        return;
      }
      state = 'stopping';
      stopSignal.abort();
      pauses.close();
      // kafkajs waits for the running eachBatch (the in-flight message, its flush and commit) before leaving the group.
      await consumer.disconnect();
      await producer.disconnect();
      state = 'stopped';
      log.info('consumer runtime stopped');
    },
  };
}
