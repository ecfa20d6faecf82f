// Retriable handler errors pause only their partition: kafkajs fetches again only after every batch
// of a fetch has returned, so these tests check that other partitions (and topics) keep flowing,
// that order per partition holds, and that attempts, the DLQ and stop() behave across pauses.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Admin } from 'kafkajs';
import type { CanonicalEvent, Outcome } from '@mlc/events';
import { MlcError } from '@mlc/errors';
import { dlqTopicFor, readDeadLetterReason } from './dead-letter.js';
import { createEventProducer } from './producer.js';
import { createConsumerRuntime, type ConsumerRuntime, type CreateConsumerRuntimeParams, type EventHandler } from './runtime.js';
import { uniqueName, waitFor } from '@mlc/testing';
import { collect, supplierEvent, testCodec, testKafka, testLogger, type Collector } from './test-support.js';
import { ensureTopics } from './topics.js';

interface Setup {
  topics: string[];
  groupId: string;
  dlq: Collector;
  runtime(handler: EventHandler, retry: CreateConsumerRuntimeParams['retry'], extra?: Partial<CreateConsumerRuntimeParams>): ConsumerRuntime;
  publish(topic: string, events: CanonicalEvent[]): Promise<void>;
  outcomes(): Promise<Outcome[]>;
  /** Committed offsets summed over every partition of `topic` (-1 for none counts as 0). */
  committed(topic: string): Promise<number>;
}

async function setup(t: TestContext, inputs: { name: string; partitions: number }[]): Promise<Setup> {
  const kafka = testKafka();
  const admin: Admin = kafka.admin();
  await admin.connect();
  const topics = inputs.map((i) => uniqueName(i.name));
  const outcomesTopic = uniqueName('outcomes');
  const groupId = uniqueName('writer');
  const dlqTopic = dlqTopicFor(groupId);
  await ensureTopics(admin, [
    ...inputs.map((i, n) => ({ topic: topics[n] ?? '', partitions: i.partitions })),
    { topic: outcomesTopic, partitions: 1 },
    { topic: dlqTopic, partitions: 1 },
  ]);
  const codec = testCodec(topics, outcomesTopic);
  const logger = testLogger();
  const producer = createEventProducer({ kafka, codec, logger });
  await producer.connect();
  const outcomes = await collect(kafka, outcomesTopic);
  const dlq = await collect(kafka, dlqTopic);
  const runtimes: ConsumerRuntime[] = [];
  t.after(async () => {
    await Promise.all(runtimes.map((r) => r.stop()));
    await Promise.all([producer.disconnect(), outcomes.stop(), dlq.stop()]);
    await admin.deleteTopics({ topics: [...topics, outcomesTopic, dlqTopic] }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  });
  return {
    topics,
    groupId,
    dlq,
    runtime(handler, retry, extra = {}) {
      const runtime = createConsumerRuntime({ kafka, groupId, topics, codec, handler, logger, retry, outcomesTopic, partitionsConsumedConcurrently: 2, ...extra });
      runtimes.push(runtime);
      return runtime;
    },
    publish: (topic, events) => producer.publish(topic, events),
    outcomes: () => Promise.all(outcomes.messages.map(async (m) => (await codec.decode(outcomesTopic, m.value)) as Outcome)),
    committed: async (topic) => {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return (entry?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    },
  };
}

const dependencyMissing = (key: string) => new MlcError('MLC_DEPENDENCY_MISSING', 'supplier not in the target yet', { context: { key } });

test('an event waiting for one that arrives later on another topic is handled, not dead-lettered', async (t) => {
  const s = await setup(t, [
    { name: 'orders', partitions: 1 },
    { name: 'suppliers', partitions: 1 },
  ]);
  const [orders = '', suppliers = ''] = s.topics;
  const calls: string[] = [];
  let supplierHandled = false;
  // maxAttempts is generous: what is checked is that the supplier gets through while the order
  // waits. Retrying inside the batch would block every fetch until the order's attempts ran out.
  const runtime = s.runtime(
    async (event, ctx) => {
      calls.push(`${event.entity.key}#${ctx.attempt}`);
      if (ctx.topic === suppliers) {
        supplierHandled = true;
        return { status: 'created' };
      }
      if (!supplierHandled) throw dependencyMissing(event.entity.key);
      return { status: 'created' };
    },
    { initialMs: 50, maxMs: 200, maxAttempts: 40 },
  );
  await runtime.start();
  const order = supplierEvent('PO-1');
  await s.publish(orders, [order]);
  // The order has been fetched and failed once before the supplier even exists.
  await waitFor(() => calls.includes('PO-1#1'), { message: 'the first attempt on the order', timeoutMs: 60_000 });
  const supplier = supplierEvent('S-1');
  await s.publish(suppliers, [supplier]);

  await waitFor(async () => (await s.committed(orders)) === 1 && (await s.committed(suppliers)) === 1, { message: 'both commits', timeoutMs: 60_000 });
  const outcomes = await waitFor(async () => {
    const all = await s.outcomes();
    return all.length === 2 && all;
  }, { message: 'both outcomes', timeoutMs: 60_000 });
  const orderOutcome = outcomes.find((o) => o.eventId === order.id);
  assert.equal(orderOutcome?.status, 'created');
  assert.ok((orderOutcome?.attempts ?? 0) >= 2, 'the order was retried');
  assert.equal(outcomes.find((o) => o.eventId === supplier.id)?.status, 'created');
  assert.equal(s.dlq.messages.length, 0);
  // The supplier got in between the order's failed attempts and its success.
  assert.ok(calls.indexOf('S-1#1') < calls.indexOf(`PO-1#${orderOutcome?.attempts}`));
});

test('order per partition holds under retries: nothing after a failing offset is handled before it succeeds', async (t) => {
  const s = await setup(t, [{ name: 'events', partitions: 2 }]);
  const [topic = ''] = s.topics;
  const failTwice = new Set(['S-2', 'S-5']);
  const calls: { partition: number; offset: number; key: string; attempt: number }[] = [];
  const runtime = s.runtime(
    async (event, ctx) => {
      calls.push({ partition: ctx.partition, offset: Number(ctx.offset), key: event.entity.key, attempt: ctx.attempt });
      if (failTwice.has(event.entity.key) && ctx.attempt < 3) throw new MlcError('MLC_HTTP_SERVER_ERROR', 'target answered 503', { context: { status: 503 } });
      return { status: 'updated' };
    },
    { initialMs: 20, maxMs: 100, maxAttempts: 5 },
  );
  const events = ['S-1', 'S-2', 'S-3', 'S-4', 'S-5', 'S-6'].map((key) => supplierEvent(key));
  await s.publish(topic, events);
  await runtime.start();

  await waitFor(async () => (await s.committed(topic)) === events.length, { message: 'all six commits', timeoutMs: 60_000 });
  for (const partition of new Set(calls.map((c) => c.partition))) {
    const seen = calls.filter((c) => c.partition === partition);
    const inOffsetOrder = [...new Map(seen.map((c) => [c.offset, c.key])).entries()].sort(([a], [b]) => a - b).map(([, key]) => key);
    const expected = inOffsetOrder.flatMap((key) => (failTwice.has(key) ? [key, key, key] : [key]));
    assert.deepEqual(
      seen.map((c) => c.key),
      expected,
      `partition ${partition}: each message handled until it succeeds before the next`,
    );
  }
  const outcomes = await waitFor(async () => {
    const all = await s.outcomes();
    return all.length === events.length && all;
  }, { message: 'six outcomes', timeoutMs: 60_000 });
  assert.deepEqual(
    outcomes.map((o) => [o.entity.key, o.status, o.attempts]).sort(),
    events.map((e) => [e.entity.key, 'updated', failTwice.has(e.entity.key) ? 3 : 1]),
  );
  assert.equal(s.dlq.messages.length, 0);
});

// A runtime without parking (no `outage` settings): a target outage is an ordinary counted retry.
// Writers park instead (services/coupa-writer/src/outage.int.test.ts).
test('attempts are counted across pauses: maxAttempts still dead-letters, then the partition moves on', async (t) => {
  const s = await setup(t, [{ name: 'events', partitions: 1 }]);
  const [topic = ''] = s.topics;
  const calls: string[] = [];
  const runtime = s.runtime(
    async (event, ctx) => {
      calls.push(`${event.entity.key}#${ctx.attempt}`);
      if (event.entity.key === 'S-doomed') throw new MlcError('MLC_HTTP_TIMEOUT', 'timed out', { context: { key: event.entity.key } });
      return { status: 'created' };
    },
    { initialMs: 20, maxMs: 50, maxAttempts: 4 },
  );
  const doomed = supplierEvent('S-doomed');
  await s.publish(topic, [doomed, supplierEvent('S-next')]);
  await runtime.start();

  await waitFor(async () => (await s.committed(topic)) === 2, { message: 'both commits', timeoutMs: 60_000 });
  assert.deepEqual(calls, ['S-doomed#1', 'S-doomed#2', 'S-doomed#3', 'S-doomed#4', 'S-next#1']);
  const [record] = await waitFor(() => s.dlq.messages.length === 1 && s.dlq.messages, { message: 'the DLQ record', timeoutMs: 60_000 });
  const reason = readDeadLetterReason(record?.headers);
  assert.equal(reason?.code, 'MLC_HTTP_TIMEOUT');
  assert.equal(reason?.retriable, true);
  assert.equal(reason?.attempts, 4);
  const outcomes = await waitFor(async () => {
    const all = await s.outcomes();
    return all.length === 2 && all;
  }, { message: 'two outcomes', timeoutMs: 60_000 });
  assert.deepEqual(
    outcomes.map((o) => [o.entity.key, o.status, o.attempts, o.error?.code]),
    [
      ['S-doomed', 'dead-lettered', 4, 'MLC_HTTP_TIMEOUT'],
      ['S-next', 'created', 1, undefined],
    ],
  );
});

test('an outage of our own infrastructure from the handler is waited out past maxAttempts, not counted and not dead-lettered; a missing dependency still is', async (t) => {
  const s = await setup(t, [{ name: 'events', partitions: 1 }]);
  const [topic = ''] = s.topics;
  const calls: string[] = [];
  const runtime = s.runtime(
    async (event, ctx) => {
      calls.push(`${event.entity.key}#${ctx.attempt}`);
      if (event.entity.key === 'S-db' && ctx.attempt <= 8) throw new MlcError('MLC_DB_UNAVAILABLE', 'Connection terminated unexpectedly');
      if (event.entity.key === 'S-dep') throw dependencyMissing(event.entity.key);
      return { status: 'created' };
    },
    { initialMs: 10, maxMs: 40, maxAttempts: 3 },
  );
  const db = supplierEvent('S-db');
  const dep = supplierEvent('S-dep');
  await s.publish(topic, [db, dep]);
  await runtime.start();

  await waitFor(async () => (await s.committed(topic)) === 2, { message: 'both commits', timeoutMs: 60_000 });
  const outcomes = await waitFor(async () => {
    const all = await s.outcomes();
    return all.length === 2 && all;
  }, { message: 'two outcomes', timeoutMs: 60_000 });
  assert.deepEqual(
    outcomes.map((o) => [o.entity.key, o.status, o.attempts, o.error?.code]),
    [
      ['S-db', 'created', 9, undefined],
      ['S-dep', 'dead-lettered', 3, 'MLC_DEPENDENCY_MISSING'],
    ],
  );
  assert.equal(s.dlq.messages.length, 1);
  assert.equal(readDeadLetterReason(s.dlq.messages[0]?.headers)?.code, 'MLC_DEPENDENCY_MISSING');
});

// The backoff is ten minutes: if stop() waited for it, the test's own timeout would fail it.
test('stop() during a retry pause keeps what finished committed, returns without the backoff, and the paused event is delivered again', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, [{ name: 'events', partitions: 1 }]);
  const [topic = ''] = s.topics;
  const calls: string[] = [];
  const longPause = { initialMs: 600_000, maxMs: 600_000, maxAttempts: 3 };
  const first = s.runtime(async (event, ctx) => {
    calls.push(`${event.entity.key}#${ctx.attempt}`);
    if (event.entity.key === 'S-waiting') throw dependencyMissing(event.entity.key);
    return { status: 'created' };
  }, longPause);
  await s.publish(topic, [supplierEvent('S-done'), supplierEvent('S-waiting')]);
  await first.start();
  await waitFor(() => calls.includes('S-waiting#1'), { message: 'the first attempt on the waiting event', timeoutMs: 60_000 });
  await waitFor(async () => (await s.committed(topic)) === 1, { message: 'the finished event committed at the pause', timeoutMs: 60_000 });

  await first.stop();
  assert.deepEqual(calls, ['S-done#1', 'S-waiting#1']);
  assert.equal(await s.committed(topic), 1);

  const second = s.runtime(async (event, ctx) => {
    calls.push(`${event.entity.key}#${ctx.attempt}`);
    return { status: 'created' };
  }, longPause);
  await second.start();
  await waitFor(async () => (await s.committed(topic)) === 2, { message: 'the waiting event committed', timeoutMs: 60_000 });
  assert.deepEqual(calls, ['S-done#1', 'S-waiting#1', 'S-waiting#1']);
  assert.equal(s.dlq.messages.length, 0);
});

// kafkajs keeps pauses across rebalances; the runtime must lift its own, or a partition that stays
// (or comes back) would wait for a timer that was cancelled. Whoever owns the partition after the
// rebalance retries it at once instead of after the ten-minute backoff (the test's timeout). The
// assignor picks the owner: attempt 2 means the first runtime kept it and lifted its own pause.
test('a rebalance lifts retry pauses: the new owner of a paused partition handles it without the old backoff', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, [{ name: 'events', partitions: 2 }]);
  const [topic = ''] = s.topics;
  const calls: string[] = [];
  const longPause = { initialMs: 600_000, maxMs: 600_000, maxAttempts: 5 };
  const handler: EventHandler = async (event, ctx) => {
    calls.push(`${event.entity.key}#${ctx.attempt}`);
    if (calls.filter((c) => c.startsWith('S-waiting#')).length === 1 && event.entity.key === 'S-waiting') throw dependencyMissing(event.entity.key);
    return { status: 'created' };
  };
  await s.publish(topic, [supplierEvent('S-waiting')]);
  const first = s.runtime(handler, longPause);
  await first.start();
  await waitFor(() => calls.includes('S-waiting#1'), { message: 'the first attempt', timeoutMs: 60_000 });

  const second = s.runtime(handler, longPause);
  await second.start();
  await waitFor(async () => (await s.committed(topic)) === 1, { message: 'the waiting event committed', timeoutMs: 60_000 });
  assert.equal(calls.filter((c) => c.startsWith('S-waiting#')).length, 2);
  assert.equal(s.dlq.messages.length, 0);
});

// keyConcurrency: the messages of a fetched batch handled side by side, one key at a time in offset
// order, recorded and committed in offset order (key-lanes.ts).

/** A supplier event whose record key is `key` (the entity key), named after its place in the test. */
const keyed = (key: string, n: number) => supplierEvent(key, `${key} #${n}`);

/** A handler that logs calls and returns; `gate(name)` holds a call until `open(name)`. */
function calls() {
  const log: { key: string; name: string; offset: number; phase: 'start' | 'end' }[] = [];
  const running = new Set<string>();
  const gates = new Map<string, { promise: Promise<void>; open: () => void }>();
  let maxRunning = 0;
  let overlapping: string | undefined;
  const gateOf = (name: string) => {
    let gate = gates.get(name);
    if (gate === undefined) {
      let open = () => undefined as void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      gate = { promise, open };
      gates.set(name, gate);
    }
    return gate;
  };
  return {
    log,
    maxRunning: () => maxRunning,
    overlapping: () => overlapping,
    open: (name: string) => gateOf(name).open(),
    names: (phase: 'start' | 'end') => log.filter((c) => c.phase === phase).map((c) => c.name),
    async around<T>(event: CanonicalEvent, offset: string, held: boolean, work: () => T | Promise<T>): Promise<T> {
      const { key } = event.entity;
      const name = (event.data as { name: string }).name;
      if (running.has(key)) overlapping ??= `${name} started while an earlier event of ${key} ran`;
      running.add(key);
      maxRunning = Math.max(maxRunning, running.size);
      log.push({ key, name, offset: Number(offset), phase: 'start' });
      try {
        if (held) await gateOf(name).promise;
        return await work();
      } finally {
        running.delete(key);
        log.push({ key, name, offset: Number(offset), phase: 'end' });
      }
    },
  };
}

test('keyConcurrency: different keys are handled side by side, one key strictly in offset order, and outcomes and commits follow offset order', async (t) => {
  const s = await setup(t, [{ name: 'events', partitions: 1 }]);
  const [topic = ''] = s.topics;
  const c = calls();
  // A #0 is held until everything after it has finished: nothing may be recorded or committed meanwhile.
  const events = [keyed('A', 0), keyed('B', 1), keyed('A', 2), keyed('C', 3), keyed('B', 4), keyed('D', 5), keyed('A', 6), keyed('E', 7)];
  const seenWhileHeld: { committed: number; outcomes: number }[] = [];
  const runtime = s.runtime(
    (event, ctx) =>
      c.around(event, ctx.offset, ctx.offset === '0', async () => {
        return { status: 'created' as const };
      }),
    { initialMs: 20, maxMs: 100, maxAttempts: 5 },
    // One message per window: a window is recorded as soon as a message reaches it.
    { keyConcurrency: 4, flushMaxMessages: 1 },
  );
  await s.publish(topic, events);
  await runtime.start();

  // Everything that does not wait for A #0 has finished: B #1, C #3, B #4, D #5, E #7.
  await waitFor(() => ['B #1', 'C #3', 'B #4', 'D #5', 'E #7'].every((n) => c.names('end').includes(n)), { message: 'the other keys finished', timeoutMs: 60_000 });
  seenWhileHeld.push({ committed: await s.committed(topic), outcomes: (await s.outcomes()).length });
  assert.ok(!c.names('start').includes('A #2'), 'A #2 waits for A #0');
  c.open('A #0');

  await waitFor(async () => (await s.committed(topic)) === events.length, { message: 'all commits', timeoutMs: 60_000 });
  assert.deepEqual(seenWhileHeld, [{ committed: 0, outcomes: 0 }], 'nothing recorded or committed past the unfinished A #0');
  assert.equal(c.overlapping(), undefined);
  assert.ok(c.maxRunning() > 1 && c.maxRunning() <= 4, `handled at once: ${c.maxRunning()}`);
  for (const key of ['A', 'B']) {
    const starts = c.log.filter((e) => e.key === key && e.phase === 'start').map((e) => e.offset);
    assert.deepEqual(starts, [...starts].sort((a, b) => a - b), `${key} in offset order`);
  }
  const outcomes = await waitFor(async () => {
    const all = await s.outcomes();
    return all.length === events.length && all;
  }, { message: 'every outcome', timeoutMs: 60_000 });
  assert.deepEqual(
    outcomes.map((o) => Number(o.source.offset)),
    events.map((_, offset) => offset),
    'outcomes in offset order',
  );
});

test('keyConcurrency: a retry stops the batch at the failing offset; what finished after it is not committed but handled again, the same key waits', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, [{ name: 'events', partitions: 1 }]);
  const [topic = ''] = s.topics;
  const c = calls();
  const longPause = { initialMs: 600_000, maxMs: 600_000, maxAttempts: 3 };
  // S #0 ok; A #1 fails (its retry is ten minutes away) once B #2 and C #3 have started (held
  // until then: decoding takes no turn of its own, so A #1 could fail before they start); B #2 and
  // C #3 are held until it has failed, then finish; A #4 (same key) and D #5 (no slot free before
  // the failure) must not start.
  const events = [keyed('S', 0), keyed('A', 1), keyed('B', 2), keyed('C', 3), keyed('A', 4), keyed('D', 5)];
  const first = s.runtime(
    (event, ctx) =>
      c.around(event, ctx.offset, ['1', '2', '3'].includes(ctx.offset), () => {
        if (event.entity.key === 'A' && ctx.offset === '1') throw dependencyMissing('A');
        return { status: 'created' as const };
      }),
    longPause,
    { keyConcurrency: 4 },
  );
  await s.publish(topic, events);
  await first.start();
  await waitFor(() => ['B #2', 'C #3'].every((n) => c.names('start').includes(n)), { message: 'B #2 and C #3 running', timeoutMs: 60_000 });
  c.open('A #1');
  await waitFor(() => c.names('end').includes('A #1'), { message: 'the failure', timeoutMs: 60_000 });
  c.open('B #2');
  c.open('C #3');
  await waitFor(async () => (await s.committed(topic)) >= 1 && ['B #2', 'C #3'].every((n) => c.names('end').includes(n)), { message: 'the commit before the pause', timeoutMs: 60_000 });
  await first.stop();
  assert.equal(await s.committed(topic), 1, 'committed up to the failing offset, nothing after it');
  assert.ok(!c.names('start').includes('A #4'), 'the same key does not overtake its failing event');
  assert.ok(!c.names('start').includes('D #5'), 'nothing new starts after the failure');
  assert.equal(c.overlapping(), undefined);

  const second = s.runtime((event, ctx) => c.around(event, ctx.offset, false, () => ({ status: 'created' as const })), longPause, { keyConcurrency: 4 });
  await second.start();
  await waitFor(async () => (await s.committed(topic)) === events.length, { message: 'all commits', timeoutMs: 60_000 });
  const names = c.names('start');
  assert.equal(names.filter((n) => n === 'B #2').length, 2, 'finished after the failing offset: handled again (at-least-once)');
  assert.ok(names.lastIndexOf('A #1') < names.indexOf('A #4'), 'A #4 only after A #1');
  assert.equal(c.overlapping(), undefined);
  const outcomes = await waitFor(async () => {
    const all = await s.outcomes();
    return all.length >= events.length && all;
  }, { message: 'the outcomes', timeoutMs: 60_000 });
  // B #2 and C #3 finished behind the failure the first time: their outcomes were not sent then.
  assert.deepEqual(
    outcomes.map((o) => [o.source.offset, o.status]),
    events.map((_, i) => [String(i), 'created']),
  );
  assert.equal(s.dlq.messages.length, 0);
});

test('keyConcurrency: stop() waits for the handlers in flight, records and commits them, and starts nothing new', async (t) => {
  const s = await setup(t, [{ name: 'events', partitions: 1 }]);
  const [topic = ''] = s.topics;
  const c = calls();
  const events = [keyed('A', 0), keyed('B', 1), keyed('C', 2), keyed('D', 3), keyed('E', 4), keyed('F', 5), keyed('G', 6)];
  const runtime = s.runtime(
    (event, ctx) => c.around(event, ctx.offset, ['1', '2', '3'].includes(ctx.offset), () => ({ status: 'created' as const })),
    { initialMs: 20, maxMs: 100, maxAttempts: 5 },
    { keyConcurrency: 3 },
  );
  await s.publish(topic, events);
  await runtime.start();
  // A #0 done, B, C and D held in the three slots: nothing else can have started.
  await waitFor(() => ['B #1', 'C #2', 'D #3'].every((n) => c.names('start').includes(n)) && c.names('end').includes('A #0'), { message: 'B, C and D held', timeoutMs: 60_000 });
  const stopping = runtime.stop();
  await new Promise((resolve) => setImmediate(resolve));
  c.open('B #1');
  c.open('C #2');
  c.open('D #3');
  await stopping;
  assert.deepEqual(c.names('start'), ['A #0', 'B #1', 'C #2', 'D #3'], 'nothing started after stop()');
  assert.deepEqual(c.names('end').sort(), ['A #0', 'B #1', 'C #2', 'D #3'], 'stop() returned after the held handlers');
  assert.equal(await s.committed(topic), 4, 'what finished in flight is recorded and committed');
  assert.equal(c.overlapping(), undefined);
});

test('keyConcurrency: a rebalance while handlers are in flight awaits them, commits nothing past an unfinished one, and every event is handled, one key at a time', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, [{ name: 'events', partitions: 1 }]);
  const [topic = ''] = s.topics;
  const c = calls();
  const events = [keyed('A', 0), keyed('B', 1), keyed('C', 2), keyed('A', 3), keyed('D', 4), keyed('E', 5)];
  const handler: EventHandler = (event, ctx) => c.around(event, ctx.offset, ['1', '2'].includes(ctx.offset) && c.names('start').filter((n) => n === (event.data as { name: string }).name).length === 0, () => ({ status: 'created' as const }));
  const first = s.runtime(handler, { initialMs: 20, maxMs: 100, maxAttempts: 5 }, { keyConcurrency: 3, heartbeatIntervalMs: 500 });
  await s.publish(topic, events);
  await first.start();
  await waitFor(() => c.names('start').includes('B #1') && c.names('start').includes('C #2'), { message: 'B and C held', timeoutMs: 60_000 });

  // Never leave the first runtime's batch held, whatever fails: its stop() would wait for it.
  t.after(() => {
    c.open('B #1');
    c.open('C #2');
  });
  const kafkaAdmin = testKafka().admin();
  await kafkaAdmin.connect();
  t.after(() => kafkaAdmin.disconnect());
  // The second member's join completes only once the first rejoins, i.e. after its held batch.
  const second = s.runtime(handler, { initialMs: 20, maxMs: 100, maxAttempts: 5 }, { keyConcurrency: 3, heartbeatIntervalMs: 500 });
  const joining = second.start();
  await waitFor(async () => (await kafkaAdmin.describeGroups([s.groupId])).groups[0]?.state === 'PreparingRebalance', { message: 'the rebalance', timeoutMs: 30_000 });
  assert.ok((await s.committed(topic)) <= 1, 'nothing committed past the held B #1');
  c.open('B #1');
  c.open('C #2');
  await joining;

  await waitFor(async () => (await s.committed(topic)) === events.length, { message: 'all commits', timeoutMs: 90_000 });
  assert.equal(c.overlapping(), undefined, 'one key at a time, across both runtimes');
  const names = c.names('start');
  assert.ok(names.indexOf('A #0') < names.indexOf('A #3'));
  const outcomes = await waitFor(async () => {
    const all = await s.outcomes();
    return events.every((_, i) => all.some((o) => o.source.offset === String(i) && o.status === 'created')) && all;
  }, { message: 'an outcome per event', timeoutMs: 60_000 });
  assert.ok(outcomes.length >= events.length);
  assert.equal(s.dlq.messages.length, 0);
});
