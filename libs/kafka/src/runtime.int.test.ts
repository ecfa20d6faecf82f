import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Kafka } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { createRegistryCodec } from '@mlc/events';
import type { CanonicalEvent, Outcome } from '@mlc/events';
import { MlcError } from '@mlc/errors';
import type { TopicCodec } from './codec.js';
import { DLQ_HEADERS, dlqTopicFor, readDeadLetterReason } from './dead-letter.js';
import { createEventProducer, type EventProducer } from './producer.js';
import { REPLAY_HEADERS, replayHeaders } from './headers.js';
import { createConsumerRuntime, type ConsumerRuntime, type EventHandler, type HandlerContext, type HandlerResult } from './runtime.js';
import { uniqueName, waitFor } from '@mlc/testing';
import { collect, committedOffset, supplierEvent, testCodec, testKafka, testLogger, type Collector } from './test-support.js';
import { ensureTopics } from './topics.js';

interface Harness {
  kafka: Kafka;
  codec: TopicCodec;
  topic: string;
  groupId: string;
  outcomesTopic: string;
  dlqTopic: string;
  producer: EventProducer;
  outcomes: Collector;
  dlq: Collector;
  registry: Registry;
  runtime: ConsumerRuntime;
  /** Decoded outcomes seen so far. */
  decodedOutcomes(): Promise<Outcome[]>;
  committed(): Promise<number>;
}

// With the registry codec, topics are the product's names with a suffix the codec strips.
const SUFFIX = /-[0-9a-f]{12}$/;

async function harness(t: TestContext, handler: EventHandler, { registry: useRegistry = false } = {}): Promise<Harness> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const suffix = randomBytes(6).toString('hex');
  const topic = useRegistry ? `syspro.suppliers.v1-${suffix}` : uniqueName('events');
  const groupId = uniqueName('writer');
  const outcomesTopic = useRegistry ? `mlc.outcomes.v1-${suffix}` : uniqueName('outcomes');
  const dlqTopic = dlqTopicFor(groupId);
  const topics = [topic, outcomesTopic, dlqTopic];
  await ensureTopics(admin, topics.map((name) => ({ topic: name, partitions: 1 })));
  const codec = useRegistry
    ? createRegistryCodec({ registryUrl: registryUrl(), logicalTopic: (name) => name.replace(SUFFIX, '') })
    : testCodec([topic], outcomesTopic);
  const logger = testLogger();
  const producer = createEventProducer({ kafka, codec, logger });
  await producer.connect();
  const registry = new Registry();
  const runtime = createConsumerRuntime({
    kafka,
    groupId,
    topics: [topic],
    codec,
    handler,
    logger,
    retry: { initialMs: 10, maxMs: 50, maxAttempts: 3 },
    metrics: registry,
    outcomesTopic,
  });
  const outcomes = await collect(kafka, outcomesTopic);
  const dlq = await collect(kafka, dlqTopic);
  t.after(async () => {
    await runtime.stop();
    await Promise.all([producer.disconnect(), outcomes.stop(), dlq.stop()]);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  });
  await runtime.start();
  return {
    kafka,
    codec,
    topic,
    groupId,
    outcomesTopic,
    dlqTopic,
    producer,
    outcomes,
    dlq,
    registry,
    runtime,
    decodedOutcomes: () => Promise.all(outcomes.messages.map(async (m) => (await codec.decode(outcomesTopic, m.value)) as Outcome)),
    committed: () => committedOffset(admin, groupId, topic),
  };
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
  return values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((sum, v) => sum + v.value, 0);
}

test('an event published through the producer is decoded, validated, handled, recorded and committed', async (t) => {
  const seen: CanonicalEvent[] = [];
  const h = await harness(t, async (event) => {
    seen.push(event);
    return { status: 'created', target: { system: 'coupa', id: '101' } };
  });
  const event = supplierEvent('S-1');
  await h.producer.publish(h.topic, [event]);

  const [outcome] = await waitFor(async () => {
    const all = await h.decodedOutcomes();
    return all.length > 0 && all;
  }, { message: 'the outcome', timeoutMs: 60_000 });
  assert.deepEqual(seen, [event]);
  assert.equal(outcome?.eventId, event.id);
  assert.equal(outcome?.status, 'created');
  assert.deepEqual(outcome?.target, { system: 'coupa', id: '101' });
  assert.equal(outcome?.attempts, 1);
  assert.equal(outcome?.writer, h.groupId);
  assert.equal(h.outcomes.messages[0]?.key?.toString(), 'acme-test:supplier:S-1');
  await waitFor(async () => (await h.committed()) === 1, { message: 'the commit', timeoutMs: 60_000 });
  assert.equal(await metricValue(h.registry, 'mlc_consumer_messages_total', { status: 'created' }), 1);
  // The consumer's lag after its batch: reported for the partition it read, and nothing left behind.
  const lag = await waitFor(async () => {
    const values = ((await h.registry.getMetricsAsJSON()).find((m) => m.name === 'mlc_consumer_lag_records')?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
    const ours = values.filter((v) => v.labels.topic === h.topic && v.labels.group === h.groupId);
    return ours.length > 0 && ours;
  }, { message: 'the lag gauge', timeoutMs: 30_000 });
  assert.deepEqual(lag.map((v) => v.value), lag.map(() => 0));
});

test('a retriable error is retried in place and the event is handled once', async (t) => {
  let calls = 0;
  let effects = 0;
  const h = await harness(t, async () => {
    calls += 1;
    if (calls < 3) throw new MlcError('MLC_HTTP_SERVER_ERROR', 'target answered 503', { context: { status: 503 } });
    effects += 1;
    return { status: 'updated' };
  });
  const event = supplierEvent('S-2');
  await h.producer.publish(h.topic, [event]);

  await waitFor(async () => (await h.committed()) === 1, { message: 'the commit', timeoutMs: 60_000 });
  // Acknowledged before the commit, but the collector reads it in its own time.
  const outcomes = await waitFor(async () => {
    const all = await h.decodedOutcomes();
    return all.length >= 1 && all;
  }, { message: 'the outcome', timeoutMs: 60_000 });
  assert.deepEqual(outcomes.map((o) => [o.eventId, o.status, o.attempts]), [[event.id, 'updated', 3]]);
  assert.equal(effects, 1);
  assert.equal(h.dlq.messages.length, 0);
  assert.equal(await metricValue(h.registry, 'mlc_consumer_retries_total', { code: 'MLC_HTTP_SERVER_ERROR' }), 2);
});

test('a permanent error goes to the DLQ with its reason, and the next event is processed', async (t) => {
  const h = await harness(t, async (event) => {
    if (event.entity.key === 'S-bad') throw new MlcError('MLC_MAPPING_FAILED', 'no payment terms mapping', { context: { key: event.entity.key } });
    return { status: 'created' };
  });
  const bad = supplierEvent('S-bad');
  const good = supplierEvent('S-good');
  await h.producer.publish(h.topic, [bad, good]);

  await waitFor(async () => (await h.committed()) === 2, { message: 'both commits', timeoutMs: 60_000 });
  const outcomes = await waitFor(async () => {
    const all = await h.decodedOutcomes();
    return all.length >= 2 && all;
  }, { message: 'both outcomes', timeoutMs: 60_000 });
  assert.deepEqual(
    outcomes.map((o) => [o.eventId, o.status, o.error?.code]),
    [
      [bad.id, 'dead-lettered', 'MLC_MAPPING_FAILED'],
      [good.id, 'created', undefined],
    ],
  );
  const [record] = await waitFor(() => h.dlq.messages.length === 1 && h.dlq.messages, { message: 'the DLQ record', timeoutMs: 60_000 });
  const original = await h.codec.encode(h.topic, bad);
  assert.deepEqual(record?.value, original, 'value bytes unchanged');
  assert.equal(record?.key?.toString(), 'acme-test:supplier:S-bad');
  assert.equal(record?.headers?.['mlc-event-id']?.toString(), bad.id, 'original headers kept');
  const reason = readDeadLetterReason(record?.headers);
  assert.equal(reason?.code, 'MLC_MAPPING_FAILED');
  assert.equal(reason?.retriable, false);
  assert.equal(reason?.topic, h.topic);
  assert.equal(reason?.offset, '0');
  assert.equal(reason?.attempts, 1);
});

test('a handler result that does not fit the outcome schema is dead-lettered, naming it; the batch goes on', async (t) => {
  // A handler written in JavaScript, or cast past the types: the runtime must not fail the batch
  // (and so fetch it again forever) on what it builds from the result.
  const results: Record<string, unknown> = {
    'S-null-target': { status: 'created', target: null },
    'S-number-reason': { status: 'updated', reason: 42 },
    'S-numeric-system': { status: 'created', target: { system: 7 } },
  };
  const h = await harness(t, async (event) => (results[event.entity.key] ?? { status: 'created' }) as HandlerResult);
  const events = [...Object.keys(results), 'S-fine'].map((key) => supplierEvent(key));
  await h.producer.publish(h.topic, events);

  await waitFor(async () => (await h.committed()) === events.length, { message: 'every commit', timeoutMs: 60_000 });
  const outcomes = await waitFor(async () => {
    const all = await h.decodedOutcomes();
    return all.length >= events.length && all;
  }, { message: 'every outcome', timeoutMs: 60_000 });
  assert.deepEqual(
    outcomes.map((o) => [o.entity.key, o.status, o.error?.code]),
    [
      ['S-null-target', 'dead-lettered', 'MLC_EVENT_INVALID'],
      ['S-number-reason', 'dead-lettered', 'MLC_EVENT_INVALID'],
      ['S-numeric-system', 'dead-lettered', 'MLC_EVENT_INVALID'],
      ['S-fine', 'created', undefined],
    ],
  );
  await waitFor(() => h.dlq.messages.length === 3, { message: 'three DLQ records', timeoutMs: 60_000 });
  assert.deepEqual(
    h.dlq.messages.map((m) => readDeadLetterReason(m.headers)?.code),
    ['MLC_EVENT_INVALID', 'MLC_EVENT_INVALID', 'MLC_EVENT_INVALID'],
  );
});

// Without parking (no `outage` settings); writers park a target outage instead of dead-lettering it.
test('retries that run out are a permanent failure (a runtime that does not park)', async (t) => {
  const h = await harness(t, async () => {
    throw new MlcError('MLC_HTTP_TIMEOUT', 'timed out');
  });
  await h.producer.publish(h.topic, [supplierEvent('S-slow')]);
  const [record] = await waitFor(() => h.dlq.messages.length === 1 && h.dlq.messages, { message: 'the DLQ record', timeoutMs: 60_000 });
  const reason = readDeadLetterReason(record?.headers);
  assert.equal(reason?.code, 'MLC_HTTP_TIMEOUT');
  assert.equal(reason?.retriable, true);
  assert.equal(reason?.attempts, 3);
  await waitFor(async () => (await h.committed()) === 1, { message: 'the commit', timeoutMs: 60_000 });
});

test('undecodable messages go to the DLQ unchanged and the consumer keeps going', async (t) => {
  const handled: string[] = [];
  const h = await harness(t, async (event) => {
    handled.push(event.entity.key);
    return { status: 'unchanged' };
  });
  const valid = await h.codec.encode(h.topic, supplierEvent('S-x'));
  const wrongMagic = Buffer.from(valid);
  wrongMagic[0] = 7;
  const unknownSchema = Buffer.from(valid);
  unknownSchema.writeInt32BE(4242, 1);
  const invalidJson = Buffer.concat([valid.subarray(0, 5), Buffer.from('{"id":')]);
  const mismatch = Buffer.concat([valid.subarray(0, 5), Buffer.from(JSON.stringify({ ...supplierEvent('S-m'), data: { name: 42 } }))]);
  const raw = kafkaProducer(h.kafka);
  await raw.connect();
  t.after(() => raw.disconnect());
  await raw.send({
    topic: h.topic,
    messages: [wrongMagic, unknownSchema, invalidJson, mismatch].map((value, i) => ({ key: `k-${i}`, value, headers: { probe: String(i) } })),
  });
  const good = supplierEvent('S-after');
  await h.producer.publish(h.topic, [good]);

  await waitFor(async () => (await h.committed()) === 5, { message: 'all five commits', timeoutMs: 60_000 });
  assert.deepEqual(handled, ['S-after']);
  await waitFor(() => h.dlq.messages.length === 4, { message: 'four DLQ records', timeoutMs: 60_000 });
  assert.deepEqual(
    h.dlq.messages.map((m) => [m.value, m.key?.toString(), m.headers?.probe?.toString(), m.headers?.[DLQ_HEADERS.code]?.toString()]),
    [
      [wrongMagic, 'k-0', '0', 'MLC_DECODE_FAILED'],
      [unknownSchema, 'k-1', '1', 'MLC_DECODE_FAILED'],
      [invalidJson, 'k-2', '2', 'MLC_DECODE_FAILED'],
      [mismatch, 'k-3', '3', 'MLC_EVENT_INVALID'],
    ],
  );
  // Only the schema mismatch names its event, so only it (and the good one) get an outcome.
  const outcomes = await waitFor(async () => {
    const all = await h.decodedOutcomes();
    return all.length === 2 && all;
  }, { message: 'two outcomes', timeoutMs: 60_000 });
  assert.deepEqual(
    outcomes.map((o) => [o.entity.key, o.status]),
    [
      ['S-m', 'dead-lettered'],
      ['S-after', 'unchanged'],
    ],
  );
});

test('graceful stop finishes the in-flight message and commits it', async (t) => {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started = false;
  const h = await harness(t, async () => {
    started = true;
    await released;
    return { status: 'created' };
  });
  await h.producer.publish(h.topic, [supplierEvent('S-inflight')]);
  await waitFor(() => started, { message: 'the handler to start', timeoutMs: 60_000 });
  const stopping = h.runtime.stop();
  release();
  await stopping;
  assert.equal(await h.committed(), 1);
  await waitFor(() => h.outcomes.messages.length === 1, { message: 'the outcome', timeoutMs: 60_000 });
});

test('a replayed record: the handler sees the replay, its outcome (also a dead-lettered one) names it; an ordinary record has none', async (t) => {
  const seen: [string, HandlerContext['replay']][] = [];
  const h = await harness(t, async (event, ctx) => {
    seen.push([event.entity.key, ctx.replay]);
    if (event.entity.key === 'S-bad') throw new MlcError('MLC_MAPPING_FAILED', 'no mapping');
    return { status: 'updated', target: { system: 'coupa', id: '5' } };
  });
  const raw = kafkaProducer(h.kafka);
  await raw.connect();
  t.after(() => raw.disconnect());
  const record = async (key: string, headers: Record<string, string>) => ({ key, value: await h.codec.encode(h.topic, supplierEvent(key)), headers });
  await raw.send({
    topic: h.topic,
    messages: [
      await record('S-ordinary', {}),
      await record('S-forced', replayHeaders({ id: 'act-1', force: true })),
      await record('S-plain-replay', replayHeaders({ id: 'act-2', force: false })),
      await record('S-force-without-id', { [REPLAY_HEADERS.force]: 'true' }),
      await record('S-bad', replayHeaders({ id: 'act-3', force: true })),
    ],
  });

  await waitFor(async () => (await h.committed()) === 5, { message: 'five commits', timeoutMs: 60_000 });
  assert.deepEqual(seen, [
    ['S-ordinary', undefined],
    ['S-forced', { id: 'act-1', force: true }],
    ['S-plain-replay', { id: 'act-2', force: false }],
    ['S-force-without-id', undefined],
    ['S-bad', { id: 'act-3', force: true }],
  ]);
  const outcomes = await waitFor(async () => {
    const all = await h.decodedOutcomes();
    return all.length === 5 && all;
  }, { message: 'five outcomes', timeoutMs: 60_000 });
  assert.deepEqual(
    outcomes.map((o) => [o.entity.key, o.status, o.replay]),
    [
      ['S-ordinary', 'updated', undefined],
      ['S-forced', 'updated', { id: 'act-1', force: true }],
      ['S-plain-replay', 'updated', { id: 'act-2', force: false }],
      ['S-force-without-id', 'updated', undefined],
      ['S-bad', 'dead-lettered', { id: 'act-3', force: true }],
    ],
  );
});

function registryUrl(): string {
  const url = process.env.SCHEMA_REGISTRY_URL;
  if (url === undefined || url === '') throw new Error('SCHEMA_REGISTRY_URL is not set; run the tests through `npm test`');
  return url;
}

test('with the registry codec: an event is handled and recorded, an unknown schema id is dead-lettered', async (t) => {
  const seen: CanonicalEvent[] = [];
  const h = await harness(
    t,
    async (event) => {
      seen.push(event);
      return { status: 'created', target: { system: 'coupa' } };
    },
    { registry: true },
  );
  const event = supplierEvent('S-reg');
  await h.producer.publish(h.topic, [event]);
  const unknownSchema = await h.codec.encode(h.topic, supplierEvent('S-unknown'));
  unknownSchema.writeInt32BE(2_000_000_000, 1);
  const raw = kafkaProducer(h.kafka);
  await raw.connect();
  t.after(() => raw.disconnect());
  await raw.send({ topic: h.topic, messages: [{ key: 'k', value: unknownSchema }] });

  await waitFor(async () => (await h.committed()) === 2, { message: 'both commits', timeoutMs: 60_000 });
  assert.deepEqual(seen, [event]);
  const outcomes = await h.decodedOutcomes();
  assert.deepEqual(outcomes.map((o) => [o.eventId, o.status]), [[event.id, 'created']]);
  await waitFor(() => h.dlq.messages.length === 1, { message: 'the DLQ record', timeoutMs: 60_000 });
  assert.equal(readDeadLetterReason(h.dlq.messages[0]?.headers)?.code, 'MLC_DECODE_FAILED');
  assert.deepEqual(h.dlq.messages[0]?.value, unknownSchema);
});

function kafkaProducer(kafka: Kafka) {
  return kafka.producer({ allowAutoTopicCreation: false });
}
