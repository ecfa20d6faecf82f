import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeWire, jsonOf } from '@mlc/events';
import { recordBytes } from './dead-letter.js';
import { eventRecord, oversizedRecord } from './event-record.js';
import { supplierEvent } from './test-support.js';

test('the size a poller checks before encoding is the size of the record the producer sends', () => {
  for (const name of ['Acme', 'Ünïcödé Lieferant GmbH', 'x'.repeat(5_000)]) {
    const event = supplierEvent('S-1', name);
    const sent = recordBytes(eventRecord(event, encodeWire(7, jsonOf(event))));
    assert.equal(oversizedRecord(event, undefined, sent), undefined, 'fits a limit of exactly its size');
    assert.equal(oversizedRecord(event, undefined, sent - 1)?.context.bytes, sent);
  }
});

test('an event over the limit is MLC_PAYLOAD_TOO_LARGE naming the event, its key, its size and the limit; not retriable', () => {
  const event = supplierEvent('S-big', 'y'.repeat(20_000));
  const message = eventRecord(event, encodeWire(1, jsonOf(event)));
  const error = oversizedRecord(event, message, 16_384, 'syspro.suppliers.v1');
  assert.equal(error?.code, 'MLC_PAYLOAD_TOO_LARGE');
  assert.equal(error?.retriable, false);
  assert.deepEqual(error?.context, { topic: 'syspro.suppliers.v1', eventId: event.id, entity: 'supplier', key: 'S-big', bytes: recordBytes(message), maxRecordBytes: 16_384 });
  assert.match(error!.message, /S-big.*over the 16384-byte record limit \(MLC_MAX_RECORD_BYTES\)/);
  assert.equal(oversizedRecord(supplierEvent('S-small'), undefined, 16_384), undefined);
});
