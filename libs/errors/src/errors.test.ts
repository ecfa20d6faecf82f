import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlcError, codeForHttpStatus, toDbError, toMlcError, ERROR_TABLE } from './index.js';

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
  const refused = Object.assign(new Error('SASL SCRAM SHA512 authentication failed'), { name: 'KafkaJSSASLAuthenticationError', retriable: false });
  assert.equal(toMlcError(refused).code, 'MLC_AUTH_FAILED');
  // TLS refusals, as kafkajs wraps them: the broker wanted our certificate, or we did not trust its.
  const noCert = Object.assign(new Error('Connection error: ssl3_read_bytes:sslv3 alert bad certificate'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false });
  assert.equal(toMlcError(noCert).code, 'MLC_AUTH_FAILED');
  const untrusted = Object.assign(new Error('Connection error: self-signed certificate in certificate chain'), {
    name: 'KafkaJSNumberOfRetriesExceeded',
    cause: Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError', cause: Object.assign(new Error('self-signed'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }) }),
  });
  assert.equal(toMlcError(untrusted).code, 'MLC_AUTH_FAILED');
  assert.equal(toMlcError('boom').code, 'MLC_INTERNAL');
});

test('an MlcError passes through, merging context', () => {
  const original = new MlcError('MLC_VENDOR_REJECTED', 'no', { context: { status: 422 } });
  assert.equal(toMlcError(original), original);
  const merged = toMlcError(original, { eventId: 'e1' });
  assert.equal(merged.code, 'MLC_VENDOR_REJECTED');
  assert.deepEqual(merged.context, { eventId: 'e1', status: 422 });
});

/** What pg throws for a statement the server refused: a DatabaseError with SQLSTATE and severity. */
function pgError(code: string): Error {
  return Object.assign(new Error(`server said ${code}`), { name: 'error', code, severity: 'ERROR' });
}

test('PostgreSQL errors are classified by SQLSTATE: only an unavailable server and conflicts are retried', () => {
  const cases: Array<[sqlState: string, code: string, retriable: boolean]> = [
    ['08006', 'MLC_DB_UNAVAILABLE', true], // connection failure
    ['08001', 'MLC_DB_UNAVAILABLE', true], // cannot establish connection
    ['08P01', 'MLC_DB_UNAVAILABLE', true], // protocol violation (class 08)
    ['53300', 'MLC_DB_UNAVAILABLE', true], // too many connections
    ['53100', 'MLC_DB_UNAVAILABLE', true], // disk full
    ['57P01', 'MLC_DB_UNAVAILABLE', true], // admin shutdown
    ['57P03', 'MLC_DB_UNAVAILABLE', true], // cannot connect now
    ['40001', 'MLC_DB_CONFLICT', true], // serialization failure
    ['40P01', 'MLC_DB_CONFLICT', true], // deadlock
    ['55P03', 'MLC_DB_CONFLICT', true], // lock not available
    ['57014', 'MLC_DB_CONFLICT', true], // statement timeout
    ['42601', 'MLC_DB_QUERY_FAILED', false], // syntax error
    ['42P01', 'MLC_DB_QUERY_FAILED', false], // undefined table
    ['42501', 'MLC_DB_QUERY_FAILED', false], // insufficient privilege
    ['23505', 'MLC_DB_QUERY_FAILED', false], // unique violation
    ['23502', 'MLC_DB_QUERY_FAILED', false], // not null violation
    ['22P02', 'MLC_DB_QUERY_FAILED', false], // invalid text representation
    ['22003', 'MLC_DB_QUERY_FAILED', false], // numeric value out of range
    ['XX000', 'MLC_DB_QUERY_FAILED', false], // internal error: retrying the statement would not help
  ];
  for (const [sqlState, code, retriable] of cases) {
    const error = pgError(sqlState);
    const wrapped = toMlcError(error, { operation: 'read target record' });
    assert.equal(wrapped.code, code, sqlState);
    assert.equal(wrapped.retriable, retriable, sqlState);
    assert.equal(wrapped.cause, error);
    assert.deepEqual(wrapped.context, { operation: 'read target record', sqlState });
  }
});

test('pg connection losses without a SQLSTATE are retriable; socket errors stay retriable', () => {
  for (const message of ['Connection terminated unexpectedly', 'timeout exceeded when trying to connect', 'Client has encountered a connection error and is not queryable']) {
    assert.equal(toMlcError(new Error(message)).code, 'MLC_DB_UNAVAILABLE', message);
  }
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']) {
    assert.equal(toMlcError(Object.assign(new Error('socket'), { code })).retriable, true, code);
  }
  // A five-character code on an error that is not a server error (no severity) is not a SQLSTATE.
  assert.equal(toMlcError(Object.assign(new Error('x'), { code: '23505' })).code, 'MLC_INTERNAL');
});

test('outage is read from the table: our infrastructure, the target, or a fault of the record', () => {
  for (const [code, entry] of Object.entries(ERROR_TABLE)) {
    const error = new MlcError(code as keyof typeof ERROR_TABLE, 'x');
    assert.equal(error.outage, entry.outage);
    if (entry.outage !== null) assert.equal(entry.retriable, true, `${code}: an outage is retriable`);
  }
  assert.equal(new MlcError('MLC_DB_UNAVAILABLE', 'x').outage, 'infrastructure');
  assert.equal(new MlcError('MLC_HTTP_SERVER_ERROR', 'x').outage, 'target');
  assert.equal(new MlcError('MLC_DEPENDENCY_MISSING', 'x').outage, null, 'a missing dependency is no outage: it stays bounded by maxAttempts');
  assert.equal(new MlcError('MLC_DB_CONFLICT', 'x').outage, null);
});

test('toDbError: a refused or broken connection to our database is the database unavailable, not a target outage', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  assert.equal(toMlcError(refused).code, 'MLC_HTTP_CONNECTION', 'without knowing the source: a target');
  const db = toDbError(refused, { operation: 'read target record' });
  assert.equal(db.code, 'MLC_DB_UNAVAILABLE');
  assert.equal(db.outage, 'infrastructure');
  assert.equal(db.cause, refused);
  assert.equal(toDbError(new Error('Connection terminated unexpectedly')).code, 'MLC_DB_UNAVAILABLE');
  const unique = Object.assign(new Error('duplicate key'), { code: '23505', severity: 'ERROR' });
  assert.equal(toDbError(unique).code, 'MLC_DB_QUERY_FAILED');
});

test('a broker refusing a record or batch as too large for its topic is MLC_PAYLOAD_TOO_LARGE, not retriable', () => {
  const tooLarge = Object.assign(new Error('The request included a message larger than the max message size the server will accept'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false });
  const error = toMlcError(tooLarge, { topic: 't' });
  assert.equal(error.code, 'MLC_PAYLOAD_TOO_LARGE');
  assert.equal(error.retriable, false);
  assert.equal(error.context.topic, 't');
  const wrapped = Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNonRetriableError', cause: Object.assign(new Error('batch too large'), { name: 'KafkaJSProtocolError', type: 'RECORD_LIST_TOO_LARGE' }) });
  assert.equal(toMlcError(wrapped).code, 'MLC_PAYLOAD_TOO_LARGE');
});
