import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MlcError } from '@mlc/errors';
import { buildDlqHeaders, readDeadLetterReason, type EventProducer, type RawRecord } from '@mlc/kafka';
import { initialCursor } from '@mlc/syspro';
import { REJECT_TOPIC, createKafkaPagePublisher } from './kafka-state.js';

// A producer that records what one transaction sends, by topic.
function recordingProducer() {
  const raw = new Map<string, RawRecord[]>();
  const producer: EventProducer = {
    connect: async () => {},
    disconnect: async () => {},
    publish: async () => {},
    transaction: (fn) =>
      fn({
        publish: async () => {},
        sendRaw: async (topic, records) => void raw.set(topic, [...(raw.get(topic) ?? []), ...records]),
      }),
  };
  return { producer, raw };
}

test('a rejected row is dead-lettered with the headers of a consumer runtime DLQ record, and reads back with one reader', async () => {
  const { producer, raw } = recordingProducer();
  const at = new Date('2025-01-02T03:04:05.000Z');
  const publisher = createKafkaPagePublisher({ producer, connection: 'acme', group: 't.syspro-poller', topicOf: (entity) => `t.syspro.${entity}`, clock: () => at });
  const error = new MlcError('MLC_MAPPING_FAILED', 'no currency for the supplier', { context: { column: 'Currency' } });
  await publisher.commit({
    entity: 'supplier',
    stream: 'supplier',
    events: [],
    rejected: [{ entity: 'supplier', key: 'S001', error }],
    cursor: initialCursor({ column: 'TimeStamp', kind: 'datetime' }),
  });

  const [reject] = raw.get(REJECT_TOPIC) ?? [];
  assert.ok(reject?.headers);
  // The headers exactly as the consumer runtime builds them for a record it dead-letters.
  const runtimeHeaders = buildDlqHeaders({ error, group: 'coupa-writer', topic: 'syspro.suppliers.v1', partition: 2, offset: '41', attempts: 15, at });
  assert.deepEqual(Object.keys(reject.headers).sort(), Object.keys(runtimeHeaders).sort());

  const reason = readDeadLetterReason(reject.headers);
  assert.equal(reason?.code, 'MLC_MAPPING_FAILED');
  assert.equal(reason?.retriable, false);
  assert.equal(reason?.group, 't.syspro-poller');
  assert.equal(reason?.topic, 't.syspro.supplier');
  assert.equal(reason?.at, at.toISOString());
  assert.equal(reject.key, 'acme:supplier:S001');
});
