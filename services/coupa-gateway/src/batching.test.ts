import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent, type CanonicalEvent } from '@mlc/events';
import { MlcError } from '@mlc/errors';
import { createBatchingPublisher } from './batching.js';

const event = (n: number): CanonicalEvent =>
  buildEvent({
    source: 'coupa',
    connection: 'acme',
    entity: 'supplier',
    key: `S${n}`,
    data: { number: `S${n}`, name: `Supplier ${n}`, status: 'active' },
    occurredAt: '2026-11-23T10:00:00Z',
    observedAt: '2026-11-23T10:00:01Z',
    correlationId: `c${n}`,
  });

function controlledSends() {
  const sends: { topic: string; keys: string[]; ack: () => void; fail: (e: unknown) => void }[] = [];
  const publishBatch = (topic: string, events: readonly CanonicalEvent[]) =>
    new Promise<void>((ack, fail) => sends.push({ topic, keys: events.map((e) => e.entity.key), ack, fail }));
  return { sends, publishBatch };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('calls arriving while a send is in flight go out together in the next send', async () => {
  const { sends, publishBatch } = controlledSends();
  const publish = createBatchingPublisher({ publishBatch });
  const acked: string[] = [];
  const calls = [1, 2, 3].map((n) => publish('t', event(n)).then(() => acked.push(`S${n}`)));
  await settle();
  assert.deepEqual(sends.map((s) => s.keys), [['S1']]);
  sends[0]!.ack();
  await settle();
  assert.deepEqual(acked, ['S1'], 'S2 and S3 wait for their own ack');
  assert.deepEqual(sends.map((s) => s.keys), [['S1'], ['S2', 'S3']]);
  sends[1]!.ack();
  await Promise.all(calls);
  assert.deepEqual(acked, ['S1', 'S2', 'S3']);
});

test('a send failed for good (not retriable) rejects exactly its own callers; later ones still go out', async () => {
  const { sends, publishBatch } = controlledSends();
  const publish = createBatchingPublisher({ publishBatch, maxBatch: 2 });
  const first = publish('t', event(1));
  const [second, third, fourth] = [2, 3, 4].map((n) => publish('t', event(n)));
  await settle();
  sends[0]!.ack();
  await first;
  await settle();
  assert.deepEqual(sends[1]!.keys, ['S2', 'S3'], 'batches are capped');
  sends[1]!.fail(new MlcError('MLC_EVENT_INVALID', 'does not encode'));
  await assert.rejects(second!, (e: unknown) => (e as MlcError).code === 'MLC_EVENT_INVALID');
  await assert.rejects(third!, (e: unknown) => (e as MlcError).code === 'MLC_EVENT_INVALID');
  await settle();
  assert.deepEqual(sends[2]!.keys, ['S4']);
  sends[2]!.ack();
  await fourth;
});

test('an event over the record limit is refused at once, never queued; the others go out', async () => {
  const { sends, publishBatch } = controlledSends();
  const publish = createBatchingPublisher({ publishBatch, maxRecordBytes: 700 });
  const big = buildEvent({ source: 'coupa', connection: 'acme', entity: 'supplier', key: 'S-big', data: { number: 'S-big', name: 'n'.repeat(700), status: 'active' }, occurredAt: '2026-11-23T10:00:00Z', observedAt: '2026-11-23T10:00:01Z', correlationId: 'c' });
  const small = publish('t', event(1));
  await assert.rejects(publish('t', big), (e: unknown) => e instanceof MlcError && e.code === 'MLC_PAYLOAD_TOO_LARGE' && e.context.key === 'S-big' && e.context.topic === 't');
  assert.equal(publish.state().events, 1, 'only the small one is held');
  await settle();
  assert.deepEqual(sends.map((s) => s.keys), [['S1']]);
  sends[0]!.ack();
  await small;
});

test('topics are batched separately', async () => {
  const { sends, publishBatch } = controlledSends();
  const publish = createBatchingPublisher({ publishBatch });
  const calls = [publish('a', event(1)), publish('b', event(2))];
  await settle();
  assert.deepEqual(sends.map((s) => [s.topic, s.keys]), [['a', ['S1']], ['b', ['S2']]]);
  for (const s of sends) s.ack();
  await Promise.all(calls);
});

const FAST_RETRY = { initialMs: 1, maxMs: 1 };
const down = () => new MlcError('MLC_KAFKA_UNAVAILABLE', 'broker not reachable');
const bytesOf = (n: number) => Buffer.byteLength(JSON.stringify(event(n)));
const reasonOf = (e: unknown) => (e as MlcError).context.reason;

test('Kafka away: a batch whose send failed retriably is sent again, in order, and its callers resolve once', async () => {
  const { sends, publishBatch } = controlledSends();
  const publish = createBatchingPublisher({ publishBatch, retry: FAST_RETRY });
  const first = publish('t', event(1));
  await settle();
  const second = publish('t', event(2));
  sends[0]!.fail(down());
  await waitUntil(() => sends.length === 2);
  assert.deepEqual(sends[1]!.keys, ['S1', 'S2'], 'the failed event goes first, then the one queued behind it');
  sends[1]!.ack();
  await Promise.all([first, second]);
  assert.deepEqual(publish.state(), { events: 0, bytes: 0 });
});

test('the queue is bounded by count and by bytes: a publish beyond either is refused at once', async () => {
  const { sends, publishBatch } = controlledSends();
  const byCount = createBatchingPublisher({ publishBatch, maxQueued: 2 });
  const held = [byCount('t', event(1)), byCount('t', event(2))];
  await assert.rejects(byCount('t', event(3)), (e: unknown) => {
    assert.equal((e as MlcError).code, 'MLC_KAFKA_UNAVAILABLE');
    assert.equal((e as MlcError).retriable, true);
    assert.equal(reasonOf(e), 'publish-queue-full');
    assert.equal((e as MlcError).context.queuedEvents, 2);
    return true;
  });
  assert.equal(byCount.state().events, 2);

  const byBytes = createBatchingPublisher({ publishBatch, maxQueuedBytes: bytesOf(1) + bytesOf(2) + 10 });
  held.push(byBytes('u', event(1)), byBytes('u', event(2)));
  await assert.rejects(byBytes('u', event(3)), (e: unknown) => reasonOf(e) === 'publish-queue-full' && (e as MlcError).context.queuedBytes === bytesOf(1) + bytesOf(2));
  await settle();
  sends[0]!.ack();
  sends[1]!.ack();
  await settle();
  sends[2]!.ack();
  sends[3]!.ack();
  await Promise.all(held);
  assert.deepEqual(byBytes.state(), { events: 0, bytes: 0 }, 'acked events leave the count');
  const again = byBytes('u', event(3));
  await settle();
  sends[4]!.ack();
  await again;
});

test('a caller that gives up while its event is queued: the event is dropped, never sent, and its room freed', async () => {
  const { sends, publishBatch } = controlledSends();
  const dropped: string[] = [];
  const publish = createBatchingPublisher({ publishBatch, onDropped: (topic) => dropped.push(topic) });
  const first = publish('t', event(1));
  await settle();
  const giveUp = new AbortController();
  const second = publish('t', event(2), { signal: giveUp.signal });
  const third = publish('t', event(3));
  giveUp.abort();
  await assert.rejects(second, (e: unknown) => reasonOf(e) === 'caller-gave-up');
  assert.deepEqual(dropped, ['t']);
  assert.equal(publish.state().events, 2);
  sends[0]!.ack();
  await first;
  await settle();
  assert.deepEqual(sends[1]!.keys, ['S3'], 'S2 was never sent');
  sends[1]!.ack();
  await third;
});

test('a caller that gives up while its event is in a send: the send decides; a retriable failure then drops it', async () => {
  const { sends, publishBatch } = controlledSends();
  const publish = createBatchingPublisher({ publishBatch, retry: FAST_RETRY });
  const acked = new AbortController();
  const sent = publish('t', event(1), { signal: acked.signal });
  await settle();
  acked.abort();
  sends[0]!.ack();
  await sent;

  const failed = new AbortController();
  const lost = publish('t', event(2), { signal: failed.signal });
  const kept = publish('t', event(3));
  await settle();
  assert.deepEqual(sends[1]!.keys, ['S2']);
  failed.abort();
  sends[1]!.fail(down());
  await assert.rejects(lost, (e: unknown) => reasonOf(e) === 'caller-gave-up');
  await waitUntil(() => sends.length === 3);
  assert.deepEqual(sends[2]!.keys, ['S3'], 'only the event whose caller still waits is sent again');
  sends[2]!.ack();
  await kept;
});

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}
