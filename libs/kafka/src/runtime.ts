import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { OUTCOMES_TOPIC, partitionKeyFor, type CanonicalEvent, type Outcome } from '@mlc/events';
import { MlcError, backoffDelay, toMlcError, type ErrorCode } from '@mlc/errors';
import type { Logger } from '@mlc/log';
import type { TopicCodec } from './codec.js';
import { DEFAULT_DLQ_TRUNCATED_VALUE_BYTES, DEFAULT_MAX_RECORD_BYTES, buildDlqHeaders, dlqTopicFor, fitDeadLetter } from './dead-letter.js';
import { EVENT_HEADERS, readReplay, type Replay } from './headers.js';
import { createRuntimeMetrics } from './metrics.js';
import { buildOutcome, encodeOutcomeWithin, encodeOutcomeWithinNow, identityFromDecodeError, identityOf, type EventIdentity } from './outcome.js';
import { createRecordWindow, topicMessages, type PendingRecord } from './record-window.js';
import { createRetryPauses } from './retry-pauses.js';
import { CIRCUIT_GAUGE, createCircuits, type Circuit, type CircuitTransition } from './circuit.js';
import { OutageSettings, decideDrainFailure, decideFailure, type DrainVerdict, type ParkedRecord, type ParkingLane, type ParkingStore } from './parking.js';
import { createPartitionRouter, sendPerPartition } from './partition-send.js';
import { runKeyLanes } from './key-lanes.js';
import { subscribeSettled } from './topics.js';
import { watchCrashes } from './crashes.js';

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
    /**
     * Handler calls per message that count, the first included; then the message is dead-lettered.
     * Waits for our own infrastructure (error-table outage `infrastructure`) are not counted, and a
     * target outage with an open circuit parks the message instead (when the runtime parks).
     */
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
  /**
   * Messages of one fetched batch (one partition) handled at once: different record keys side by
   * side, the messages of one key strictly one after another in offset order. Default 1: one
   * message at a time. Outcomes are still recorded and offsets committed in offset order.
   */
  keyConcurrency?: number;
  /** Where a new group starts. Default true: a new writer must not silently skip existing events. */
  fromBeginning?: boolean;
  /** Defaults to mlc.outcomes.v1; tests pass their own. */
  outcomesTopic?: string;
  /** Defaults to `<groupId>.dlq.v1`. */
  dlqTopic?: string;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /**
   * The kafkajs consumer stopped for good (a crash it does not start again from): the service
   * should end, to be started again. Unset (tests, benches): the crash is only logged.
   */
  onStopped?: (error: MlcError) => void;
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
  /**
   * Circuits per connection and target, and the parking lot (see parking.ts). Without it, a target
   * outage is retried in place up to maxAttempts and then dead-lettered, as any retriable error.
   */
  outage?: OutageSettings & { parking: ParkingStore };
  /**
   * Largest record (and send per partition) to the outcomes and DLQ topics: a DLQ copy over it is
   * sent truncated with a reference to its original, an outcome with its texts cut (see
   * dead-letter.ts, outcome.ts). At most the smallest `max.message.bytes` of those topics.
   */
  maxRecordBytes?: number;
  /** How much of an oversized original a truncated DLQ copy keeps. */
  dlqTruncatedValueBytes?: number;
}

export interface ConsumerRuntime {
  /** Connects, joins the group and starts consuming; resolves once running. */
  start(): Promise<void>;
  /** Finishes the in-flight messages, sends what is pending, commits, leaves the group, disconnects. */
  stop(): Promise<void>;
}

/**
 * A handler's context. A child logger costs a redaction pass over its bindings (@mlc/log redacts
 * secret paths), more than decoding the message; most handlers never log, so it is made on first
 * use. A class, not an object literal with a getter: the literal made a getter closure and a
 * dictionary-mode object per message.
 */
class MessageContext implements HandlerContext {
  readonly #parent: Logger;
  readonly #event: CanonicalEvent;
  #logger: Logger | undefined;
  declare replay?: Replay;

  constructor(
    parent: Logger,
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly attempt: number,
    event: CanonicalEvent,
    replay: Replay | undefined,
  ) {
    this.#parent = parent;
    this.#event = event;
    if (replay !== undefined) this.replay = replay;
  }

  get logger(): Logger {
    const { topic, partition, offset } = this;
    return (this.#logger ??= this.#parent.child({ topic, partition, offset, eventId: this.#event.id, correlationId: this.#event.correlationId }));
  }
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
  park: 'parking a record',
  lot: 'reading the parking lot',
} as const;
type InfraStep = keyof typeof INFRA_STEPS;

/** Encoding failures that are an outcome's own (its content); every other one is waited out. */
const OUTCOME_FAULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['MLC_EVENT_INVALID', 'MLC_PAYLOAD_TOO_LARGE']);

const Params = z.object({
  groupId: z.string().min(1),
  topics: z.array(z.string().min(1)).min(1),
  retry: RetryOptions,
  partitionsConsumedConcurrently: z.number().int().positive(),
  keyConcurrency: z.number().int().positive().max(1_000),
  fetchMaxWaitMs: z.number().int().positive(),
  flushMaxMessages: z.number().int().positive(),
  flushMaxDelayMs: z.number().int().nonnegative(),
  outage: OutageSettings.optional(),
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
    keyConcurrency = 1,
    fromBeginning = true,
    outcomesTopic = OUTCOMES_TOPIC,
    dlqTopic = dlqTopicFor(groupId),
    sessionTimeoutMs = 30_000,
    heartbeatIntervalMs = 3_000,
    fetchMaxWaitMs = 1_000,
    flushMaxMessages = 500,
    flushMaxDelayMs = 200,
    outage,
    maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
    dlqTruncatedValueBytes = DEFAULT_DLQ_TRUNCATED_VALUE_BYTES,
  } = params;
  const checked = Params.safeParse({ groupId, topics, retry, partitionsConsumedConcurrently, keyConcurrency, fetchMaxWaitMs, flushMaxMessages, flushMaxDelayMs, outage });
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
  // One request per partition: kafkajs loses records of a multi-leader send when a leader dies
  // mid-send (partition-send.ts), and an outcome or DLQ record lost after its source offset is
  // committed would be lost for good.
  const router = createPartitionRouter();
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: router.createPartitioner });

  /**
   * Sends outcomes and DLQ records (acks=all), one request per partition, each partition's cut to
   * the record limit (the broker holds a batch to `max.message.bytes`); waits out Kafka.
   */
  async function sendRecords(records: readonly PendingRecord[], live: () => boolean): Promise<void> {
    const sent = await persist('record', () => sendPerPartition(producer, router, topicMessages(records), { acks: -1, concurrent: true, maxBatchBytes: maxRecordBytes }), live, () => false);
    if (sent instanceof MlcError) throw sent; // unreachable: every send error is retried
  }
  const stopSignal = new AbortController();
  let state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';

  watchCrashes(consumer, { groupId, logger: log, ...(params.onStopped === undefined ? {} : { onStopped: params.onStopped }), current: () => state === 'starting' || state === 'running' });

  // Retriable handler errors pause their partition until the retry (see retry-pauses.ts).
  const pauses = createRetryPauses({
    partitions: {
      pause: (topic, partition) => consumer.pause([{ topic, partitions: [partition] }]),
      resume: (topic, partition) => consumer.resume([{ topic, partitions: [partition] }]),
    },
    logger: log,
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    pauses.rebalanced(payload.memberAssignment);
    // Partitions that moved to another member are its to report from now on.
    metrics.assigned(payload.memberAssignment);
  });
  // The consumer's view of its lag: the high watermark minus the batch's last offset, per partition.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => metrics.lag(payload.topic, payload.partition, Number(payload.offsetLag)));

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

  // Without a promise when the codec can (its schema ids known, see TopicCodec.encodeNow/decodeNow):
  // two of a message's steps are synchronous work that awaits only made slower (microtask turns,
  // promises to collect). `undefined`: the codec cannot, or failed in a way `persist` waits out.
  const encodeNow = codec.encodeNow?.bind(codec);
  const decodeNow = codec.decodeNow?.bind(codec);
  const encodeOutcomeNow = (outcome: Outcome): Buffer | MlcError | undefined => {
    if (encodeNow === undefined) return undefined;
    try {
      return encodeOutcomeWithinNow(outcome, (o) => encodeNow(outcomesTopic, o), maxRecordBytes);
    } catch (error) {
      const e = toMlcError(error);
      return OUTCOME_FAULTS.has(e.code) ? e : undefined;
    }
  };
  const decodeValueNow = (topic: string, value: Buffer | null): unknown => {
    if (decodeNow === undefined) return undefined;
    try {
      return decodeNow(topic, value);
    } catch (error) {
      const e = toMlcError(error);
      return e.retriable ? undefined : e;
    }
  };

  /**
   * Encodes an outcome, waiting out what is not the outcome's own fault. Only an outcome that does
   * not fit its schema or the record limit is given up on (the message is dead-lettered). Anything
   * else fails every outcome alike, as an outage of our registry does: the registry refusing to
   * register the outcomes subject (a conflict with another process registering it at the same
   * moment, a compatibility level or schema set by hand, an answer we do not know). Dead-lettering
   * the message for it would put a record its handler has just written on the DLQ, with no final
   * outcome in its trail.
   */
  async function encodeOutcome(outcome: Outcome, live: () => boolean): Promise<Message | MlcError> {
    const value =
      encodeOutcomeNow(outcome) ??
      (await persist('encode-outcome', () => encodeOutcomeWithin(outcome, (o) => codec.encode(outcomesTopic, o), maxRecordBytes), live, (e) => OUTCOME_FAULTS.has(e.code)));
    if (value instanceof MlcError) return value;
    return {
      // A Buffer once: kafkajs would convert a string key for the partitioner and again for the record.
      key: Buffer.from(partitionKeyFor({ connection: outcome.connection, entity: outcome.entity }), 'utf8'),
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
    const headers = buildDlqHeaders({ error, group: groupId, topic, partition, offset: message.offset, attempts, at, originalHeaders: message.headers });
    const copy = fitDeadLetter({ record: { key: message.key, value: message.value, headers }, source: { topic, partition, offset: message.offset }, maxRecordBytes, truncatedValueBytes: dlqTruncatedValueBytes });
    if (copy.truncated !== undefined) log.error({ err: copy.truncated, code: copy.truncated.code, ...copy.truncated.context }, 'dead letter too large for a record; sent truncated, referring to the original');
    const records: PendingRecord[] = [{ topic: dlqTopic, message: copy.record }];
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

  /**
   * What became of a message: records to send before committing it, or a retry after a pause (its
   * attempts so far, and how many of them count towards maxAttempts).
   */
  type Processed = { records: PendingRecord[] } | { retry: { retryInMs: number; attempts: number; counted: number } };

  // Circuits per connection and the writer's target; made on first use (gauge 0 = closed).
  const circuits = outage === undefined ? undefined : createCircuits(outage.circuit);
  const measured = new Set<string>();
  const circuitFor = (connection: string): Circuit => {
    const circuit = circuits!.get(connection, outage!.target);
    if (!measured.has(connection)) {
      measured.add(connection);
      metrics.circuit(connection, outage!.target, CIRCUIT_GAUGE.closed);
    }
    return circuit;
  };

  /** Logs, measures and records a circuit's change of state (no secrets: connection, target, code). */
  function circuitMoved(connection: string, circuit: Circuit, t: CircuitTransition | undefined): void {
    if (t === undefined || outage === undefined) return;
    const target = outage.target;
    metrics.circuit(connection, target, CIRCUIT_GAUGE[t.to]);
    const fields = { connection, target, code: t.code, failures: t.failures, nextProbeInMs: t.nextProbeAt === undefined ? undefined : t.nextProbeAt - Date.now() };
    if (t.to === 'closed') log.info(fields, `circuit closed: ${target} answers again for ${connection}; its parked records are drained in order`);
    else if (t.from === 'closed') log.warn(fields, `circuit opened: ${target} is unavailable for ${connection}; its records are parked until a probe succeeds`);
    else log.info(fields, `probe of ${target} for ${connection} failed; circuit stays open`);
    outage.parking.saveCircuit(connection, target, circuit.snapshot()).catch((err: unknown) => log.debug({ err, connection, target }, 'could not record the circuit state'));
  }

  /**
   * A handler call as the circuit sees it: a success closes it, a target outage counts; any other
   * failure (our infrastructure, a mapping, a missing dependency) says nothing about the target.
   */
  function observe(connection: string, error: MlcError | undefined): Circuit | undefined {
    if (outage === undefined) return undefined;
    const circuit = circuitFor(connection);
    if (error === undefined) circuitMoved(connection, circuit, circuit.succeeded(Date.now()));
    else if (error.outage === 'target') circuitMoved(connection, circuit, circuit.failed(Date.now(), error.code));
    return circuit;
  }

  function contextFor(topic: string, partition: number, offset: string, attempt: number, event: CanonicalEvent, replay: Replay | undefined): HandlerContext {
    return new MessageContext(log, topic, partition, offset, attempt, event, replay);
  }

  /**
   * Parks a message in its lane (see parking.ts) and reports it with a `parked` outcome; the Kafka
   * offset is committed only after the park row is. A full lot (the connection's cap) makes the
   * partition wait instead: backpressure, never loss.
   */
  async function park(
    source: { topic: string; partition: number; message: KafkaMessage },
    event: CanonicalEvent,
    calls: number,
    cause: MlcError | undefined,
    lot: Set<string>,
    live: () => boolean,
  ): Promise<Processed> {
    const { topic, partition, message } = source;
    const connection = event.connection;
    const reason = cause !== undefined ? `${outage!.target} unavailable (${cause.code}); parked until it answers again` : lot.has(connection) ? 'behind parked records of its connection; kept in order' : `circuit open for ${outage!.target}; parked until it answers again`;
    const stored = (await persist(
      'park',
      () =>
        outage!.parking.park(
          { topic, partition, offset: message.offset, connection, key: message.key, value: message.value, headers: message.headers ?? {}, reason: cause?.code ?? (lot.has(connection) ? 'behind-parked' : 'circuit-open') },
          outage!.maxParkedPerConnection,
        ),
      live,
      () => false,
    )) as 'parked' | 'full';
    if (stored === 'full') {
      const attempt = pauses.attemptFor(topic, partition, message.offset);
      const retryInMs = backoffDelay(attempt, retry);
      log.warn({ topic, partition, offset: message.offset, connection, cap: outage!.maxParkedPerConnection, delayMs: retryInMs }, 'parking lot of the connection is full; the partition waits (backpressure)');
      return { retry: { retryInMs, attempts: attempt, counted: pauses.countedFor(topic, partition, message.offset) } };
    }
    lot.add(connection);
    metrics.handled(topic, 'parked');
    const outcome = buildOutcome({ identity: identityOf(event), writer: groupId, status: 'parked', attempts: calls, error: cause, reason, source: { topic, partition, offset: message.offset }, replay: readReplay(message.headers), at: new Date() });
    const encoded = await encodeOutcome(outcome, live);
    if (encoded instanceof MlcError) {
      log.error({ err: encoded, code: encoded.code, eventId: event.id }, 'parked outcome could not be encoded');
      return { records: [] };
    }
    return { records: [{ topic: outcomesTopic, message: encoded }] };
  }

  /**
   * Decode, handle once, build the outcome. `lot`: the connections with parked records on this
   * partition (when the runtime parks); their records are parked behind them.
   */
  async function processMessage(topic: string, partition: number, message: KafkaMessage, live: () => boolean, lot: Set<string> | undefined): Promise<Processed> {
    const source = { topic, partition, message };
    const coordinates = { topic, partition, offset: message.offset };
    // A registry outage would fail every message alike, so it is waited out; bad bytes are dead-lettered.
    const decoded = decodeValueNow(topic, message.value) ?? (await persist('decode', () => codec.decode(topic, message.value), live, (e) => !e.retriable));
    if (decoded instanceof MlcError) {
      const error = toMlcError(decoded, coordinates);
      return { records: await deadLetter(source, error, identityFromDecodeError(error, message.key, message.headers), 1, live) };
    }
    // The codec validated the value against the topic's schema; the runtime's topics carry canonical events.
    const event = decoded as CanonicalEvent;
    const identity = identityOf(event);
    const replay = readReplay(message.headers);
    const attempt = pauses.attemptFor(topic, partition, message.offset);
    const counted = pauses.countedFor(topic, partition, message.offset);

    if (lot !== undefined && (lot.has(event.connection) || !circuitFor(event.connection).closed())) {
      return park(source, event, attempt - 1, undefined, lot, live);
    }

    let result: HandlerResult;
    const started = process.hrtime.bigint();
    const ctx = contextFor(topic, partition, message.offset, attempt, event, replay);
    try {
      result = await handler(event, ctx);
    } catch (thrown) {
      const error = toMlcError(thrown, { ...coordinates, eventId: event.id });
      const circuit = observe(event.connection, error);
      const decision = decideFailure(error, { counted: counted + 1, maxAttempts: retry.maxAttempts, circuitOpen: circuit === undefined ? undefined : !circuit.closed() });
      if (decision === 'dead-letter') return { records: await deadLetter(source, error, identity, attempt, live) };
      if (decision === 'park') return park(source, event, attempt, error, lot!, live);
      metrics.retried(topic, error.code);
      const nowCounted = decision === 'wait' ? counted : counted + 1;
      const retryInMs = backoffDelay(attempt, retry);
      ctx.logger.warn(
        { err: error, code: error.code, attempt, counted: nowCounted, delayMs: retryInMs },
        decision === 'wait' ? 'handler met an outage of our own infrastructure; pausing the partition to wait it out (not counted)' : 'handler failed with a retriable error; pausing the partition until the retry',
      );
      return { retry: { retryInMs, attempts: attempt, counted: nowCounted } };
    } finally {
      metrics.handlerSeconds(topic, Number(process.hrtime.bigint() - started) / 1e9);
    }
    observe(event.connection, undefined);
    const outcome = buildOutcome({ identity, writer: groupId, status: result.status, target: result.target, reason: result.reason, attempts: attempt, source: coordinates, replay, at: new Date() });
    const encoded = await encodeOutcome(outcome, live);
    if (encoded instanceof MlcError) {
      // Non-retriable: the handler's result does not fit the outcome schema (a null target, a target system or reason that is no string).
      return { records: await deadLetter(source, encoded, identity, attempt, live) };
    }
    metrics.handled(topic, result.status);
    return { records: [{ topic: outcomesTopic, message: encoded }] };
  }

  /**
   * Replays one parked record through the handler (the drainer, under its lane's lock): its
   * outcome (or DLQ record) is sent before the row is deleted.
   */
  async function replayParked(record: ParkedRecord, live: () => boolean): Promise<DrainVerdict> {
    const { topic, partition, offset, connection } = record;
    const message = { key: record.key, value: record.value, headers: record.headers, offset, timestamp: String(record.parkedAt.getTime()), attributes: 0 } as KafkaMessage;
    const source = { topic, partition, message };
    const coordinates = { topic, partition, offset };
    const send = async (records: PendingRecord[]): Promise<DrainVerdict> => {
      await sendRecords(records, live);
      return { done: true };
    };
    let decoded: unknown;
    try {
      decoded = await codec.decode(topic, record.value);
    } catch (thrown) {
      const error = toMlcError(thrown, coordinates);
      if (error.retriable) return { done: false, attempts: record.attempts };
      return send(await deadLetter(source, error, identityFromDecodeError(error, record.key, record.headers), record.attempts + 1, live));
    }
    const event = decoded as CanonicalEvent;
    const identity = identityOf(event);
    const replay = readReplay(record.headers);
    const attempt = record.attempts + 1;
    let result: HandlerResult;
    try {
      result = await handler(event, contextFor(topic, partition, offset, attempt, event, replay));
    } catch (thrown) {
      const error = toMlcError(thrown, { ...coordinates, eventId: event.id });
      observe(connection, error);
      const decision = decideDrainFailure(error, { counted: attempt, maxAttempts: retry.maxAttempts });
      if (decision === 'dead-letter') return send(await deadLetter(source, error, identity, attempt, live));
      log.debug({ code: error.code, topic, partition, offset, connection, attempt }, 'parked record not written yet; kept');
      return { done: false, attempts: decision === 'retry' ? attempt : record.attempts };
    }
    observe(connection, undefined);
    const outcome = buildOutcome({ identity, writer: groupId, status: result.status, target: result.target, reason: result.reason, attempts: attempt, source: coordinates, replay, at: new Date() });
    const encoded = await encodeOutcome(outcome, live);
    if (encoded instanceof MlcError) return send(await deadLetter(source, encoded, identity, attempt, live));
    metrics.handled(topic, result.status);
    return send([{ topic: outcomesTopic, message: encoded }]);
  }

  const parkedConnections = new Set<string>();

  /** One pass of the drainer: every non-empty lane whose circuit lets a call through, in offset order. */
  async function drainLanes(settings: NonNullable<typeof outage>): Promise<void> {
    const live = () => !stopSignal.signal.aborted;
    const lanes: ParkingLane[] = await settings.parking.lanes();
    const perConnection = new Map<string, number>();
    for (const lane of lanes) perConnection.set(lane.connection, (perConnection.get(lane.connection) ?? 0) + lane.count);
    for (const connection of parkedConnections) if (!perConnection.has(connection)) metrics.parked(connection, 0);
    parkedConnections.clear();
    for (const [connection, count] of perConnection) {
      parkedConnections.add(connection);
      metrics.parked(connection, count);
    }
    for (const lane of lanes) {
      const circuit = circuitFor(lane.connection);
      for (;;) {
        if (!live()) return;
        const before = circuit.snapshot().state;
        if (!circuit.tryProbe(Date.now())) break;
        if (before === 'open') {
          metrics.circuit(lane.connection, settings.target, CIRCUIT_GAUGE['half-open']);
          log.info({ connection: lane.connection, target: settings.target, topic: lane.topic, partition: lane.partition }, `probing ${settings.target} for ${lane.connection} with its oldest parked record`);
        }
        const drained = await settings.parking.drainOne(lane, (record) => replayParked(record, live));
        // A probe the target did not decide (nothing to send, another drainer has the lane, our
        // infrastructure failed, the record failed on its own) is due again at once.
        if (circuit.snapshot().state === 'half-open') {
          circuit.release(Date.now());
          metrics.circuit(lane.connection, settings.target, CIRCUIT_GAUGE.open);
        }
        if (drained !== 'done') break;
      }
    }
  }

  /** The drainer: runs until stop(); a failed pass (the database down) is tried again next time. */
  async function drainLoop(settings: NonNullable<typeof outage>): Promise<void> {
    let failing = false;
    while (!stopSignal.signal.aborted) {
      try {
        await sleep(settings.drainIntervalMs, undefined, { signal: stopSignal.signal });
      } catch {
        return;
      }
      try {
        await drainLanes(settings);
        if (failing) log.info('parking lot readable again');
        failing = false;
      } catch (error) {
        if (error instanceof Interrupted || stopSignal.signal.aborted) return;
        const e = toMlcError(error);
        // Once per outage at warn: the loop runs every drainIntervalMs.
        if (!failing) log.warn({ err: e, code: e.code }, 'could not drain the parking lot; trying again');
        failing = true;
      }
    }
  }
  let drainer: Promise<void> | undefined;

  /** The record key as a string, for keyConcurrency's per-key order; keyless records form one key. */
  const keyOfMessage = (message: KafkaMessage): string => (message.key === null ? '' : message.key.toString('latin1'));

  async function eachBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    let rebalancing: unknown;
    // Sends a window's outcomes and DLQ records, then resolves and commits its last offset.
    const window = createRecordWindow({
      async record(records, upTo) {
        await sendRecords(records, live);
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
      // The connections with parked records on this partition, read once per batch: their records
      // are parked behind them (a drainer elsewhere may empty a lane meanwhile; then we park one
      // batch more than needed, never overtake).
      const lot =
        outage === undefined
          ? undefined
          : ((await persist('lot', () => outage.parking.connectionsParkedOn(topic, partition), live, () => false)) as Set<string>);
      // Up to keyConcurrency messages at once, one key at a time in offset order; finished messages
      // reach the window in offset order (key-lanes.ts), so commits stay in offset order.
      const end = await runKeyLanes<KafkaMessage, Processed>({
        items: batch.messages,
        keyOf: keyOfMessage,
        concurrency: keyConcurrency,
        canStart: live,
        run: (message) => processMessage(topic, partition, message, live, lot),
        stops: (processed) => 'retry' in processed,
        deliver: async (message, processed) => {
          pauses.succeeded(topic, partition);
          await window.add(message.offset, (processed as { records: PendingRecord[] }).records);
        },
        isInterruption: (error) => error instanceof Interrupted,
      });
      // The first message not handled to the end waits for its retry; the rest of the batch is
      // dropped unresolved (also what finished after it), and the partition is fetched again from it.
      const failed = end.stopped !== undefined && 'retry' in end.stopped.result ? { offset: end.stopped.item.offset, ...end.stopped.result.retry } : undefined;
      if (failed !== undefined) pauses.failed(topic, partition, failed.offset, failed.attempts, failed.counted);
      // kafkajs fetches this partition again only after we return: nothing stays in flight across batches.
      await window.drain();
      if (failed !== undefined) pauses.pause(topic, partition, failed.retryInMs);
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
        await subscribeSettled(consumer, { topics: [...topics], fromBeginning });
        await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently, eachBatch });
      } catch (error) {
        state = 'stopped';
        await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
        throw toMlcError(error, { groupId, operation: 'start' });
      }
      state = 'running';
      if (outage !== undefined) drainer = drainLoop(outage);
      log.info({ topics, dlqTopic, outcomesTopic, parking: outage !== undefined, keyConcurrency }, 'consumer runtime started');
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
      await drainer;
      await producer.disconnect();
      state = 'stopped';
      log.info('consumer runtime stopped');
    },
  };
}
