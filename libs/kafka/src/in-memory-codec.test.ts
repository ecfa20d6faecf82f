import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MlcError } from '@mlc/errors';
import { supplierEvent, testCodec } from './test-support.js';

const codec = testCodec(['events.v1'], 'outcomes.v1');
const isCode = (code: string) => (e: unknown) => e instanceof MlcError && e.code === code;

test('round trip in the wire format', async () => {
  const event = supplierEvent('S-1');
  const bytes = await codec.encode('events.v1', event);
  assert.equal(bytes[0], 0);
  assert.deepEqual(await codec.decode('events.v1', bytes), event);
});

test('encoding validates', async () => {
  await assert.rejects(codec.encode('events.v1', { ...supplierEvent('S-1'), id: '' }), isCode('MLC_EVENT_INVALID'));
});

test('bad bytes are decode failures; a schema mismatch names the event', async () => {
  const good = await codec.encode('events.v1', supplierEvent('S-1'));
  const wrongMagic = Buffer.from(good);
  wrongMagic[0] = 1;
  const unknownId = Buffer.from(good);
  unknownId.writeInt32BE(999, 1);
  const notJson = Buffer.concat([good.subarray(0, 5), Buffer.from('{nope')]);
  for (const bytes of [wrongMagic, unknownId, notJson, Buffer.from([0, 0]), null]) {
    await assert.rejects(codec.decode('events.v1', bytes), isCode('MLC_DECODE_FAILED'));
  }
  const mismatch = Buffer.concat([good.subarray(0, 5), Buffer.from(JSON.stringify({ ...supplierEvent('S-9'), contentHash: 'x' }))]);
  await assert.rejects(codec.decode('events.v1', mismatch), (e: unknown) => e instanceof MlcError && e.code === 'MLC_EVENT_INVALID' && e.context.key === 'S-9');
});

test('encodeNow and decodeNow (no registry, so always available) give what encode and decode give, and throw their errors', async () => {
  const event = supplierEvent('S-2');
  const bytes = await codec.encode('events.v1', event);
  assert.deepEqual(codec.encodeNow?.('events.v1', event), bytes);
  assert.deepEqual(codec.decodeNow?.('events.v1', bytes), event);
  assert.throws(() => codec.encodeNow?.('events.v1', { ...event, id: '' }), isCode('MLC_EVENT_INVALID'));
  assert.throws(() => codec.decodeNow?.('events.v1', null), isCode('MLC_DECODE_FAILED'));
  assert.throws(() => codec.decodeNow?.('outcomes.v1', bytes), isCode('MLC_DECODE_FAILED'));
});
