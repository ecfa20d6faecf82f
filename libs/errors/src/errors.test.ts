import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlcError, codeForHttpStatus, toMlcError, ERROR_TABLE } from './index.js';

test('retriable is read from the table', () => {
  assert.equal(new MlcError('MLC_HTTP_SERVER_ERROR', 'x').retriable, true);
  assert.equal(new MlcError('MLC_MAPPING_FAILED', 'x').retriable, false);
  for (const [code, entry] of Object.entries(ERROR_TABLE)) {
    assert.equal(new MlcError(code as keyof typeof ERROR_TABLE, 'x').retriable, entry.retriable);
  }
});

test('HTTP statuses map to codes', () => {
  assert.equal(codeForHttpStatus(429), 'MLC_HTTP_RATE_LIMITED');
  assert.equal(codeForHttpStatus(503), 'MLC_HTTP_SERVER_ERROR');
  assert.equal(codeForHttpStatus(401), 'MLC_AUTH_FAILED');
  assert.equal(codeForHttpStatus(422), 'MLC_HTTP_CLIENT_ERROR');
});

test('foreign errors are classified and keep their cause', () => {
  const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  const wrapped = toMlcError(reset, { call: 'GET /api/suppliers' });
  assert.equal(wrapped.code, 'MLC_HTTP_CONNECTION');
  assert.equal(wrapped.retriable, true);
  assert.equal(wrapped.cause, reset);
  assert.deepEqual(wrapped.context, { call: 'GET /api/suppliers' });

  const kafka = Object.assign(new Error('leader not available'), { name: 'KafkaJSProtocolError', retriable: true });
  assert.equal(toMlcError(kafka).code, 'MLC_KAFKA_UNAVAILABLE');
  assert.equal(toMlcError('boom').code, 'MLC_INTERNAL');
});

test('an MlcError passes through, merging context', () => {
  const original = new MlcError('MLC_VENDOR_REJECTED', 'no', { context: { status: 422 } });
  assert.equal(toMlcError(original), original);
  const merged = toMlcError(original, { eventId: 'e1' });
  assert.equal(merged.code, 'MLC_VENDOR_REJECTED');
  assert.deepEqual(merged.context, { eventId: 'e1', status: 422 });
});
