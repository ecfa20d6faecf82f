import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlcError } from '@mlc/errors';
import { decideDrainFailure, decideFailure, headersFromJson, headersToJson } from './parking.js';
import { readReplay } from './headers.js';

const e = (code: ConstructorParameters<typeof MlcError>[0]) => new MlcError(code, 'x');

test('decideFailure: infrastructure outages are waited out, never dead-lettered, however many attempts', () => {
  for (const code of ['MLC_DB_UNAVAILABLE', 'MLC_KAFKA_UNAVAILABLE', 'MLC_REGISTRY_UNAVAILABLE'] as const) {
    assert.equal(decideFailure(e(code), { counted: 1_000, maxAttempts: 3 }), 'wait', code);
    assert.equal(decideFailure(e(code), { counted: 1_000, maxAttempts: 3, circuitOpen: true }), 'wait', code);
  }
});

test('decideFailure: a target outage parks once the circuit is open; before that it is an ordinary counted retry', () => {
  assert.equal(decideFailure(e('MLC_HTTP_SERVER_ERROR'), { counted: 2, maxAttempts: 5, circuitOpen: true }), 'park');
  assert.equal(decideFailure(e('MLC_HTTP_SERVER_ERROR'), { counted: 2, maxAttempts: 5, circuitOpen: false }), 'retry');
  assert.equal(decideFailure(e('MLC_HTTP_TIMEOUT'), { counted: 5, maxAttempts: 5, circuitOpen: false }), 'dead-letter', 'a record failing alone past maxAttempts');
  // A runtime without parking: the old bounded retry.
  assert.equal(decideFailure(e('MLC_HTTP_TIMEOUT'), { counted: 4, maxAttempts: 5 }), 'retry');
  assert.equal(decideFailure(e('MLC_HTTP_TIMEOUT'), { counted: 5, maxAttempts: 5 }), 'dead-letter');
});

test('decideFailure: a missing dependency is bounded by maxAttempts, an open circuit or not; permanent errors go at once', () => {
  assert.equal(decideFailure(e('MLC_DEPENDENCY_MISSING'), { counted: 4, maxAttempts: 5, circuitOpen: true }), 'retry');
  assert.equal(decideFailure(e('MLC_DEPENDENCY_MISSING'), { counted: 5, maxAttempts: 5, circuitOpen: true }), 'dead-letter');
  assert.equal(decideFailure(e('MLC_MAPPING_FAILED'), { counted: 1, maxAttempts: 5, circuitOpen: true }), 'dead-letter');
});

test('decideDrainFailure: outages keep the parked record uncounted; its own failures are counted, then dead-lettered', () => {
  assert.equal(decideDrainFailure(e('MLC_HTTP_SERVER_ERROR'), { counted: 99, maxAttempts: 3 }), 'keep');
  assert.equal(decideDrainFailure(e('MLC_DB_UNAVAILABLE'), { counted: 99, maxAttempts: 3 }), 'keep');
  assert.equal(decideDrainFailure(e('MLC_DEPENDENCY_MISSING'), { counted: 2, maxAttempts: 3 }), 'retry');
  assert.equal(decideDrainFailure(e('MLC_DEPENDENCY_MISSING'), { counted: 3, maxAttempts: 3 }), 'dead-letter');
  assert.equal(decideDrainFailure(e('MLC_VENDOR_REJECTED'), { counted: 1, maxAttempts: 3 }), 'dead-letter');
});

test('headers survive the round trip through JSON, byte for byte, arrays included', () => {
  const headers = { 'mlc-replay-id': Buffer.from('act-1'), 'mlc-replay-force': 'true', bin: Buffer.from([0, 255, 7]), many: [Buffer.from('a'), Buffer.from('b')] };
  const back = headersFromJson(JSON.parse(JSON.stringify(headersToJson(headers))));
  assert.deepEqual(back, { 'mlc-replay-id': Buffer.from('act-1'), 'mlc-replay-force': Buffer.from('true'), bin: Buffer.from([0, 255, 7]), many: [Buffer.from('a'), Buffer.from('b')] });
  assert.deepEqual(readReplay(back), { id: 'act-1', force: true });
});
