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

test('a failed send rejects exactly its own callers; later ones still go out', async () => {
  const { sends, publishBatch } = controlledSends();
  const publish = createBatchingPublisher({ publishBatch, maxBatch: 2 });
  const first = publish('t', event(1));
  const [second, third, fourth] = [2, 3, 4].map((n) => publish('t', event(n)));
  await settle();
  sends[0]!.ack();
  await first;
  await settle();
  assert.deepEqual(sends[1]!.keys, ['S2', 'S3'], 'batches are capped');
  sends[1]!.fail(new MlcError('MLC_KAFKA_UNAVAILABLE', 'down'));
  await assert.rejects(second!, (e: unknown) => (e as MlcError).code === 'MLC_KAFKA_UNAVAILABLE');
  await assert.rejects(third!, (e: unknown) => (e as MlcError).code === 'MLC_KAFKA_UNAVAILABLE');
  await settle();
  assert.deepEqual(sends[2]!.keys, ['S4']);
  sends[2]!.ack();
  await fourth;
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
