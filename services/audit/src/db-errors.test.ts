import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dbError } from './db-errors.js';

test('connection failures and server shutdowns are MLC_DB_UNAVAILABLE (retriable)', () => {
  for (const error of [
    new Error('Connection terminated unexpectedly'),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    Object.assign(new Error('deadlock detected'), { code: '40P01' }),
    Object.assign(new Error('too many connections'), { code: '53300' }),
  ]) {
    const e = dbError(error, {});
    assert.equal(e.code, 'MLC_DB_UNAVAILABLE', error.message);
    assert.equal(e.retriable, true);
  }
});

test('refused data is MLC_EVENT_INVALID; a wrong statement is MLC_INTERNAL', () => {
  assert.equal(dbError(Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' }), {}).code, 'MLC_EVENT_INVALID');
  assert.equal(dbError(Object.assign(new Error('null value in column'), { code: '23502' }), {}).code, 'MLC_EVENT_INVALID');
  assert.equal(dbError(Object.assign(new Error('relation does not exist'), { code: '42P01' }), {}).code, 'MLC_INTERNAL');
});
