import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import kafkajs, { type ISocketFactory } from 'kafkajs';
import { MlcError } from '@mlc/errors';
import { createLogger } from '@mlc/log';
import { createEventProducer } from './producer.js';
import { uniqueName, waitFor } from '@mlc/testing';
import { collect, supplierEvent, testCodec, testKafka, testLogger } from './test-support.js';
import { ensureTopics } from './topics.js';

const { Kafka, logLevel } = kafkajs;

test('a transaction makes events and a raw record visible together; an aborted one shows nothing', async (t) => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('tx-events');
  const watermarks = uniqueName('tx-watermarks');
  await ensureTopics(admin, [topic, watermarks].map((name) => ({ topic: name, partitions: 1 })));
  const codec = testCodec([topic], uniqueName('unused-outcomes'));
  const producer = createEventProducer({ kafka, codec, logger: testLogger(), transactionalId: uniqueName('tx') });
  await producer.connect();
  const events = await collect(kafka, topic);
  const marks = await collect(kafka, watermarks);
  t.after(async () => {
    await Promise.all([producer.disconnect(), events.stop(), marks.stop()]);
    await admin.deleteTopics({ topics: [topic, watermarks] }).catch(() => undefined);
    await admin.disconnect();
  });

  await assert.rejects(
    producer.transaction(async (tx) => {
      await tx.publish(topic, [supplierEvent('S-aborted')]);
      throw new MlcError('MLC_DB_UNAVAILABLE', 'watermark store down');
    }),
    (e: unknown) => e instanceof MlcError && e.code === 'MLC_DB_UNAVAILABLE',
  );
  const committed = supplierEvent('S-committed');
  await producer.transaction(async (tx) => {
    await tx.publish(topic, [committed]);
    await tx.sendRaw(watermarks, [{ key: 'acme-test', value: '2024-05-01T10:00:00Z' }]);
  });

  await waitFor(() => events.messages.length >= 1 && marks.messages.length >= 1, { message: 'the committed transaction', timeoutMs: 60_000 });
  assert.deepEqual(
    await Promise.all(events.messages.map(async (m) => ((await codec.decode(topic, m.value)) as { id: string }).id)),
    [committed.id],
    'read_committed consumers never see the aborted event',
  );
  assert.equal(events.messages[0]?.headers?.['mlc-correlation-id']?.toString(), committed.correlationId);
  assert.equal(events.messages[0]?.headers?.['mlc-event-type']?.toString(), 'supplier.changed');
  assert.equal(marks.messages[0]?.value?.toString(), '2024-05-01T10:00:00Z');
});

test('publish refuses an invalid event before sending anything', async (t) => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('invalid-events');
  await ensureTopics(admin, [{ topic, partitions: 1 }]);
  const producer = createEventProducer({ kafka, codec: testCodec([topic], uniqueName('o')), logger: testLogger() });
  await producer.connect();
  t.after(async () => {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
  await assert.rejects(
    producer.publish(topic, [supplierEvent('S-ok'), { ...supplierEvent('S-bad'), contentHash: 'nope' }]),
    (e: unknown) => e instanceof MlcError && e.code === 'MLC_EVENT_INVALID',
  );
  const [offsets] = await admin.fetchTopicOffsets(topic);
  assert.equal(offsets?.high, '0');
});

/**
 * Kafka's network, cut and restored at will: a kafkajs `socketFactory` over real sockets. Cut, it
 * closes the connections it made and refuses new ones (they go to a port nothing listens on).
 */
function cuttableNetwork() {
  const sockets = new Set<Socket>();
  let cut = false;
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = cut ? connect({ host: '127.0.0.1', port: 1 }) : connect({ host, port }, onConnect);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    return socket;
  };
  return {
    socketFactory,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      cut = false;
    },
  };
}

test('a transaction whose abort or commit cannot reach Kafka does not stop the next ones: the producer is replaced, the open transaction aborted', async (t) => {
  const admin = testKafka().admin();
  await admin.connect();
  const topic = uniqueName('tx-cut');
  await ensureTopics(admin, [{ topic, partitions: 1 }]);
  const network = cuttableNetwork();
  // Few, short tries and waits: the abort gives up within seconds of the network being cut.
  const kafka = new Kafka({
    requestTimeout: 3_000,
    connectionTimeout: 1_000,
    clientId: uniqueName('tx-cut'),
    brokers: process.env.KAFKA_BROKERS!.split(','),
    logLevel: logLevel.NOTHING,
    socketFactory: network.socketFactory,
    retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
  });
  const codec = testCodec([topic], uniqueName('unused-outcomes'));
  const lines: string[] = [];
  const logger = createLogger({ name: 'tx-cut', level: 'info', destination: { write: (line: string) => lines.push(line) } });
  const producer = createEventProducer({ kafka, codec, logger, transactionalId: uniqueName('tx-cut') });
  await producer.connect();
  const events = await collect(testKafka(), topic);
  t.after(async () => {
    network.restore();
    await Promise.all([producer.disconnect(), events.stop()]);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  // Sent inside a transaction, then the network goes and the transaction fails: its abort cannot
  // reach Kafka, which left kafkajs's producer in ABORTING for good.
  await assert.rejects(
    producer.transaction(async (tx) => {
      await tx.publish(topic, [supplierEvent('S-left-open')]);
      network.cut();
      throw new MlcError('MLC_DB_UNAVAILABLE', 'watermark store down');
    }),
    (e: unknown) => e instanceof MlcError && e.code === 'MLC_DB_UNAVAILABLE',
  );
  assert.ok(lines.some((line) => line.includes('transaction abort failed')), 'the failed abort is logged');

  network.restore();
  await producer.transaction(async (tx) => tx.publish(topic, [supplierEvent('S-after')]));
  assert.equal(lines.filter((line) => line.includes('transactional producer replaced')).length, 1, 'the replacement is logged');

  // The same with the commit: it cannot reach Kafka, and kafkajs's producer stays in COMMITTING.
  await assert.rejects(
    producer.transaction(async (tx) => {
      await tx.publish(topic, [supplierEvent('S-commit-lost')]);
      network.cut();
    }),
    (e: unknown) => e instanceof MlcError,
  );
  network.restore();
  await producer.publish(topic, [supplierEvent('S-later')]);
  assert.equal(lines.filter((line) => line.includes('transactional producer replaced')).length, 2);

  await waitFor(() => events.messages.length >= 2, { message: 'the transactions after the cuts', timeoutMs: 60_000 });
  const keys = await Promise.all(events.messages.map(async (m) => ((await codec.decode(topic, m.value)) as { entity: { key: string } }).entity.key));
  assert.deepEqual(keys, ['S-after', 'S-later'], 'the transactions left open are aborted, never seen; those after them are committed once');
});

test('events for one partition beyond the topic max.message.bytes go in several requests, in order; one event over the record limit is refused before anything is sent', async (t) => {
  // kafkajs makes one batch of a request's records for a partition, and the broker holds the batch
  // to max.message.bytes: 20 events of ~2 KB in one send were refused (MESSAGE_TOO_LARGE) on every
  // try, although each fits; a poller's page of large purchase orders failed its poll forever.
  const limit = 20_000;
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('limited-events');
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(limit) }] }] });
  const codec = testCodec([topic], uniqueName('unused-outcomes'));
  const plain = createEventProducer({ kafka, codec, logger: testLogger(), maxRecordBytes: limit });
  const transactional = createEventProducer({ kafka, codec, logger: testLogger(), transactionalId: uniqueName('tx-limited'), maxRecordBytes: limit });
  await Promise.all([plain.connect(), transactional.connect()]);
  const events = await collect(kafka, topic);
  t.after(async () => {
    await Promise.all([plain.disconnect(), transactional.disconnect(), events.stop()]);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  const large = (prefix: string) => Array.from({ length: 20 }, (_, i) => supplierEvent(`${prefix}-${String(i).padStart(2, '0')}`, `Supplier ${'x'.repeat(1_900)} ${i}`));
  const first = large('P');
  const second = large('T');
  await plain.publish(topic, first);
  await transactional.transaction((tx) => tx.publish(topic, second));
  await waitFor(() => events.messages.length >= 40, { message: 'all 40 events', timeoutMs: 60_000 });
  const ids = await Promise.all(events.messages.map(async (m) => ((await codec.decode(topic, m.value)) as { id: string }).id));
  assert.deepEqual(ids, [...first, ...second].map((e) => e.id), 'every event, in the order sent');

  const huge = supplierEvent('S-huge', 'y'.repeat(limit));
  for (const producer of [plain, transactional]) {
    await assert.rejects(
      producer.publish(topic, [supplierEvent('S-beside'), huge]),
      (e: unknown) => e instanceof MlcError && e.code === 'MLC_PAYLOAD_TOO_LARGE' && e.context.eventId === huge.id && e.context.key === 'S-huge' && e.context.maxRecordBytes === limit && e.context.topic === topic,
    );
  }
  // Nothing of the refused sends arrives (the event beside the huge one neither).
  await plain.publish(topic, [supplierEvent('S-after')]);
  await waitFor(() => events.messages.length >= 41, { message: 'the event after', timeoutMs: 60_000 });
  const last = await Promise.all(events.messages.slice(40).map(async (m) => ((await codec.decode(topic, m.value)) as { entity: { key: string } }).entity.key));
  assert.deepEqual(last, ['S-after']);
});
