// Recording is pipelined: a window's outcomes are sent while the next messages are handled. These
// tests make a send fail for real (its topic does not exist yet and the broker does not auto-create
// topics) and check that no offset is committed past an unacknowledged window.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { MlcError } from '@mlc/errors';
import type { CanonicalEvent, Outcome } from '@mlc/events';
import { createLogger, type Logger } from '@mlc/log';
import { dlqTopicFor, readDeadLetterReason } from './dead-letter.js';
import { createEventProducer } from './producer.js';
import { createConsumerRuntime, type ConsumerRuntime, type EventHandler } from './runtime.js';
import { uniqueName, waitFor } from '@mlc/testing';
import { collect, committedOffset, supplierEvent, testCodec, testKafka } from './test-support.js';
import { ensureTopics } from './topics.js';
import type { TopicCodec } from './codec.js';

interface LogLine {
  level: string;
  step?: string;
  [key: string]: unknown;
}

/** A logger whose warnings we can wait on (by their structured `step`, not their text). */
function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({ name: 'recording-test', level: 'warn', destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } });
  return { logger, lines };
}

// kafkajs's own retries of a send to a missing topic would take ~10 s at the defaults; a few short
// ones keep the test quick and still go through the runtime's retry-in-place.
function shortRetryKafka(): Kafka {
  const brokers = process.env.KAFKA_BROKERS;
  if (brokers === undefined || brokers === '') throw new Error('KAFKA_BROKERS is not set; run the tests through `npm test`');
  return new Kafka({ clientId: uniqueName('recording-test'), brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 200 } });
}

interface Setup {
  admin: Admin;
  topic: string;
  outcomesTopic: string;
  dlqTopic: string;
  groupId: string;
  runtime(handler: EventHandler, logger: Logger): ConsumerRuntime;
  publish(events: CanonicalEvent[]): Promise<void>;
  /** Creates the topic the setup left out. */
  createMissingTopic(): Promise<void>;
  committed(): Promise<number>;
}

async function setup(t: TestContext, missing: 'outcomes' | 'dlq' | 'none' = 'outcomes', wrapCodec: (codec: TopicCodec) => TopicCodec = (codec) => codec): Promise<Setup> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('events');
  const outcomesTopic = uniqueName('outcomes');
  const groupId = uniqueName('writer');
  const dlqTopic = dlqTopicFor(groupId);
  const topics = [topic, outcomesTopic, dlqTopic];
  // One topic is left out on purpose: sends to it fail until the test creates it.
  const missingTopic = missing === 'outcomes' ? outcomesTopic : missing === 'dlq' ? dlqTopic : undefined;
  await ensureTopics(admin, topics.filter((name) => name !== missingTopic).map((name) => ({ topic: name, partitions: 1 })));
  const codec = testCodec([topic], outcomesTopic);
  const runtimeCodec = wrapCodec(codec);
  const producer = createEventProducer({ kafka, codec, logger: createLogger({ name: 'recording-test', level: 'silent' }) });
  await producer.connect();
  const runtimes: ConsumerRuntime[] = [];
  t.after(async () => {
    await Promise.all(runtimes.map((r) => r.stop()));
    await producer.disconnect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  });
  return {
    admin,
    topic,
    outcomesTopic,
    dlqTopic,
    groupId,
    runtime(handler, logger) {
      const runtime = createConsumerRuntime({
        kafka: shortRetryKafka(),
        groupId,
        topics: [topic],
        codec: runtimeCodec,
        handler,
        logger,
        retry: { initialMs: 10, maxMs: 50, maxAttempts: 3 },
        outcomesTopic,
        // One message per window: message 1's send is in flight (and failing) while message 2 is handled.
        flushMaxMessages: 1,
      });
      runtimes.push(runtime);
      return runtime;
    },
    publish: (events) => producer.publish(topic, events),
    createMissingTopic: async () => {
      if (missingTopic !== undefined) await ensureTopics(admin, [{ topic: missingTopic, partitions: 1 }]);
    },
    committed: () => committedOffset(admin, groupId, topic),
  };
}

test('a failing outcome send holds back the commit of its window and of every later one, and is retried in place', async (t) => {
  const s = await setup(t);
  const { logger, lines } = capturingLogger();
  const handled: string[] = [];
  const runtime = s.runtime(async (event) => {
    handled.push(event.entity.key);
    return { status: 'created' };
  }, logger);
  const events = [supplierEvent('S-1'), supplierEvent('S-2'), supplierEvent('S-3')];
  await s.publish(events);
  await runtime.start();

  await waitFor(() => lines.some((l) => l.level === 'warn' && l.step === 'record'), { message: 'a failed outcome send', timeoutMs: 60_000 });
  // Message 2 was handled while message 1's window was being sent (pipelining), but the window
  // after it does not start before that send succeeds, and nothing is committed.
  assert.deepEqual(handled, ['S-1', 'S-2']);
  assert.equal(await s.committed(), -1);

  await s.createMissingTopic();
  await waitFor(async () => (await s.committed()) === 3, { message: 'all three commits', timeoutMs: 60_000 });
  const outcomes = await collect(testKafka(), s.outcomesTopic);
  t.after(() => outcomes.stop());
  const codec = testCodec([s.topic], s.outcomesTopic);
  await waitFor(() => outcomes.messages.length >= 3, { message: 'three outcomes', timeoutMs: 60_000 });
  const decoded = await Promise.all(outcomes.messages.map(async (m) => (await codec.decode(s.outcomesTopic, m.value)) as Outcome));
  // Nothing reached the broker while the topic was missing: each outcome once, in offset order.
  assert.deepEqual(
    decoded.map((o) => [o.eventId, o.source.offset]),
    events.map((e, i) => [e.id, String(i)]),
  );
  assert.deepEqual(handled, ['S-1', 'S-2', 'S-3']);
});

test('stopping while an outcome send fails commits nothing, and the next runtime handles the events again', async (t) => {
  const s = await setup(t);
  const first = capturingLogger();
  const firstHandled: string[] = [];
  const runtime = s.runtime(async (event) => {
    firstHandled.push(event.entity.key);
    return { status: 'created' };
  }, first.logger);
  await s.publish([supplierEvent('S-1'), supplierEvent('S-2')]);
  await runtime.start();
  await waitFor(() => first.lines.some((l) => l.level === 'warn' && l.step === 'record'), { message: 'a failed outcome send', timeoutMs: 60_000 });
  await runtime.stop();
  assert.deepEqual(firstHandled, ['S-1', 'S-2']);
  assert.equal(await s.committed(), -1, 'no offset committed without acknowledged outcomes');

  await s.createMissingTopic();
  const secondHandled: string[] = [];
  const second = s.runtime(async (event) => {
    secondHandled.push(event.entity.key);
    return { status: 'updated' };
  }, createLogger({ name: 'recording-test', level: 'silent' }));
  await second.start();
  await waitFor(async () => (await s.committed()) === 2, { message: 'both commits', timeoutMs: 60_000 });
  assert.deepEqual(secondHandled, ['S-1', 'S-2']);
});

test('while a dead-letter record cannot be sent, the successful messages after it are not recorded or committed', async (t) => {
  // Window 1 (a DLQ record and its outcome) fails, window 2 (an outcome only) would succeed: sent
  // on its own it would commit offset 2, past the unrecorded dead letter.
  const s = await setup(t, 'dlq');
  const { logger, lines } = capturingLogger();
  const handled: string[] = [];
  const runtime = s.runtime(async (event) => {
    handled.push(event.entity.key);
    if (event.entity.key === 'S-bad') throw new MlcError('MLC_MAPPING_FAILED', 'no mapping', { context: { key: event.entity.key } });
    return { status: 'created' };
  }, logger);
  const outcomes = await collect(testKafka(), s.outcomesTopic);
  t.after(() => outcomes.stop());
  const bad = supplierEvent('S-bad');
  await s.publish([bad, supplierEvent('S-good'), supplierEvent('S-later')]);
  await runtime.start();

  await waitFor(() => lines.some((l) => l.level === 'warn' && l.step === 'record'), { message: 'a failed send', timeoutMs: 60_000 });
  assert.deepEqual(handled, ['S-bad', 'S-good']);
  assert.equal(await s.committed(), -1);
  assert.equal(outcomes.messages.length, 0, "the good message's outcome waits for the dead letter before it");

  await s.createMissingTopic();
  await waitFor(async () => (await s.committed()) === 3, { message: 'all three commits', timeoutMs: 60_000 });
  const dlq = await collect(testKafka(), s.dlqTopic);
  t.after(() => dlq.stop());
  const [record] = await waitFor(() => dlq.messages.length === 1 && dlq.messages, { message: 'the DLQ record', timeoutMs: 60_000 });
  assert.equal(readDeadLetterReason(record?.headers)?.code, 'MLC_MAPPING_FAILED');
  assert.deepEqual(record?.value, await testCodec([s.topic], s.outcomesTopic).encode(s.topic, bad), 'original bytes');
  await waitFor(() => outcomes.messages.length === 3, { message: 'three outcomes', timeoutMs: 60_000 });
});

test('the registry refusing to register the outcomes subject is waited out: the written record is not dead-lettered, its outcome is recorded', async (t) => {
  // What two writers registering the outcomes subject at the same moment met (chaos kill-all):
  // Apicurio answers the loser 409, which the codec reports as MLC_SCHEMA_INCOMPATIBLE, a
  // non-retriable code. The handler had written by then.
  let refusals = 2;
  const s = await setup(t, 'none', (codec) => ({
    decode: (topic, value) => codec.decode(topic, value),
    encode: async (topic, value) => {
      if (refusals > 0) {
        refusals -= 1;
        throw new MlcError('MLC_SCHEMA_INCOMPATIBLE', 'schema registry register: the schema is incompatible with the versions registered under the subject', { context: { topic, call: 'register', status: 409 } });
      }
      return codec.encode(topic, value);
    },
  }));
  const { logger, lines } = capturingLogger();
  const handled: string[] = [];
  const runtime = s.runtime(async (event) => {
    handled.push(event.entity.key);
    return { status: 'created', target: { system: 'coupa', id: '1' } };
  }, logger);
  const event = supplierEvent('S-1');
  await s.publish([event]);
  await runtime.start();

  await waitFor(async () => (await s.committed()) === 1, { message: 'the commit', timeoutMs: 60_000 });
  const outcomes = await collect(testKafka(), s.outcomesTopic);
  t.after(() => outcomes.stop());
  const [record] = await waitFor(() => outcomes.messages.length >= 1 && outcomes.messages, { message: 'the outcome', timeoutMs: 60_000 });
  const outcome = (await testCodec([s.topic], s.outcomesTopic).decode(s.outcomesTopic, record!.value)) as Outcome;
  assert.equal(outcome.eventId, event.id);
  assert.equal(outcome.status, 'created');
  assert.deepEqual(handled, ['S-1'], 'handled once: only the encoding was retried');
  assert.equal(refusals, 0);
  assert.ok(lines.some((l) => l.level === 'warn' && l.step === 'encode-outcome'), 'the wait is logged');
  const { high } = (await s.admin.fetchTopicOffsets(s.dlqTopic))[0]!;
  assert.equal(high, '0', 'nothing dead-lettered');
});
