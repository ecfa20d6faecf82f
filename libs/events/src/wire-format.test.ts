import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeWire, encodeWire } from './wire-format.js';

test('round trip keeps schema id and payload', () => {
  const payload = Buffer.from('{"a":1}');
  const wire = encodeWire(258, payload);
  assert.deepEqual([...wire.subarray(0, 5)], [0, 0, 0, 1, 2]);
  const { schemaId, payload: out } = decodeWire(wire);
  assert.equal(schemaId, 258);
  assert.deepEqual(out, payload);
});

test('a string payload is written as UTF-8, byte for byte what a Buffer payload gives', () => {
  const json = '{"name":"Zoë – 東京","n":1}';
  const wire = encodeWire(7, json);
  assert.deepEqual(wire, encodeWire(7, Buffer.from(json, 'utf8')));
  assert.equal(wire.length, 5 + Buffer.byteLength(json));
  assert.equal(decodeWire(wire).payload.toString('utf8'), json);
});

test('null, short and foreign values are MLC_DECODE_FAILED', () => {
  for (const bad of [null, Buffer.alloc(0), Buffer.from([0, 0, 0, 1]), Buffer.from([1, 0, 0, 0, 1, 0x7b, 0x7d]), Buffer.from('{"a":1}')]) {
    assert.throws(() => decodeWire(bad, { topic: 't' }), (error: { code?: string; context?: { topic?: string } }) => {
      assert.equal(error.code, 'MLC_DECODE_FAILED');
      assert.equal(error.context?.topic, 't');
      return true;
    });
  }
});
