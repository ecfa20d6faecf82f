import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlcError } from '@mlc/errors';
import { CheckFailure, classifyFailure } from './classify.js';

// Fixtures shaped as the errors our clients, undici, kafkajs, pg and node throw (names, codes,
// causes, context), each with the reason an operator should read.

const sys = (code: string, message = `connect ${code} 10.0.0.1:443`) => Object.assign(new Error(message), { code });
const http = (code: string, extra: Record<string, unknown> = {}) =>
  new MlcError(code === 'ENOTFOUND' || code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' ? 'MLC_HTTP_CONNECTION' : 'MLC_HTTP_TIMEOUT', `coupa GET /api/suppliers failed: ${code}`, {
    cause: sys(code),
    context: { client: 'coupa', method: 'GET', path: '/api/suppliers', ...extra },
  });
const kafkajs = (name: string, message: string, cause?: unknown) => Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { name, retriable: true });

const cases: [string, unknown, string, RegExp][] = [
  ['DNS through our HTTP client', http('ENOTFOUND'), 'dns', /ENOTFOUND/],
  ['DNS, temporary', sys('EAI_AGAIN', 'getaddrinfo EAI_AGAIN coupa.example'), 'dns', /EAI_AGAIN/],
  ['DNS inside undici fetch (registry)', Object.assign(new TypeError('fetch failed'), { cause: sys('ENOTFOUND', 'getaddrinfo ENOTFOUND registry') }), 'dns', /ENOTFOUND/],
  ['DNS from pg', sys('ENOTFOUND', 'getaddrinfo ENOTFOUND db.internal'), 'dns', /ENOTFOUND/],
  ['refused', http('ECONNREFUSED'), 'refused', /ECONNREFUSED/],
  ['refused, happy eyeballs (AggregateError)', Object.assign(new AggregateError([sys('ECONNREFUSED'), sys('ECONNREFUSED')], ''), { code: undefined }), 'refused', /ECONNREFUSED/],
  ['refused, kafkajs wraps it in text', kafkajs('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'), 'refused', /ECONNREFUSED/],
  ['unreachable', http('EHOSTUNREACH'), 'unreachable', /EHOSTUNREACH/],
  ['our deadline', new MlcError('MLC_HTTP_TIMEOUT', 'syspro-odata:EDU1 GET /EDU1/ApSupplier timed out', { context: { client: 'syspro-odata:EDU1' } }), 'timeout', /in time/],
  ['connect timeout', http('UND_ERR_CONNECT_TIMEOUT'), 'timeout', /UND_ERR_CONNECT_TIMEOUT/],
  ['kafkajs connection timeout', kafkajs('KafkaJSConnectionError', 'Connection timeout'), 'timeout', /Kafka/],
  ['registry fetch aborted by its timeout', Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), 'timeout', /in time/],
  ['a check that ran out of time', new CheckFailure('timeout', 'no answer within 10s'), 'timeout', /10s/],
  ['TLS: untrusted certificate', http('SELF_SIGNED_CERT_IN_CHAIN'), 'tls', /SELF_SIGNED_CERT_IN_CHAIN/],
  ['TLS: wrong name', sys('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), 'tls', /ALTNAME/],
  ['TLS: plain HTTP server on an https URL', sys('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), 'tls', /ERR_SSL_WRONG_VERSION_NUMBER/],
  [
    'OData 401',
    new MlcError('MLC_AUTH_FAILED', 'syspro-odata:EDU1 GET /EDU1/ApSupplier answered 401', { context: { status: 401, entitySet: 'ApSupplier' } }),
    'credentials',
    /HTTP 401/,
  ],
  ['Coupa token refused', new MlcError('MLC_AUTH_FAILED', 'token endpoint refused the client_credentials grant', { context: { status: 401, oauthError: 'invalid_client' } }), 'credentials', /invalid_client/],
  ['e.net logon refused (HTTP 200, no GUID)', new MlcError('MLC_AUTH_FAILED', 'SYSPRO e.net logon refused', { context: { call: 'Logon' } }), 'credentials', /refused/],
  ['403 without a scope challenge', new MlcError('MLC_HTTP_CLIENT_ERROR', 'answered 403', { context: { status: 403 } }), 'credentials', /HTTP 403/],
  ['scope not available to the client', new MlcError('MLC_AUTH_FAILED', 'token endpoint refused the client_credentials grant', { context: { status: 400, oauthError: 'invalid_scope' } }), 'scope', /invalid_scope/],
  [
    'read refused for a scope',
    new MlcError('MLC_AUTH_FAILED', 'Coupa refused GET /api/suppliers (403)', { context: { status: 403, oauthError: 'insufficient_scope', scope: 'core.supplier.read' } }),
    'scope',
    /core\.supplier\.read/,
  ],
  ['pg wrong password', Object.assign(new Error('password authentication failed for user "mlc"'), { code: '28P01', severity: 'FATAL' }), 'credentials', /28P01/],
  ['pg unknown role', Object.assign(new Error('role "x" does not exist'), { code: '28000', severity: 'FATAL' }), 'credentials', /28000/],
  ['pg missing database', Object.assign(new Error('database "nope" does not exist'), { code: '3D000', severity: 'FATAL' }), 'missing', /3D000/],
  ['Kafka SASL refused', kafkajs('KafkaJSSASLAuthenticationError', 'SASL SCRAM-SHA-512 authentication failed'), 'credentials', /SASL/],
  ['entity set missing (404)', new MlcError('MLC_HTTP_CLIENT_ERROR', 'GET /EDU1/ApSupplierX answered 404', { context: { status: 404 } }), 'missing', /404/],
  [
    'M3 transaction missing',
    new MlcError('MLC_VENDOR_REJECTED', 'M3 EXT620MI/LstByChgDate failed', { context: { m3: { errorType: 'TransactionNotFound', errorCode: 'XTR0001' } } }),
    'missing',
    /XTR0001/,
  ],
  ['a check that found a program missing', new CheckFailure('missing', 'program EXT620MI not found'), 'missing', /EXT620MI/],
  ['vendor 5xx', new MlcError('MLC_HTTP_SERVER_ERROR', 'answered 503', { context: { status: 503 } }), 'rejected', /HTTP 503/],
  ['anything else', new Error('boom'), 'error', /unexpected/],
];

for (const [name, error, reason, detail] of cases) {
  test(`classifies ${name} as ${reason}`, () => {
    const failure = classifyFailure(error);
    assert.equal(failure.reason, reason);
    assert.match(failure.detail, detail);
  });
}

test('the detail never carries what a message said: only codes, statuses and vendor error codes', () => {
  const secret = 'hunter2-s3cret';
  const errors = [
    new MlcError('MLC_AUTH_FAILED', `refused ${secret}`, { context: { status: 401, responseBody: secret } }),
    Object.assign(new Error(`password ${secret} is wrong`), { code: '28P01', severity: 'FATAL' }),
    new Error(`https://user:${secret}@host failed`),
    Object.assign(new TypeError('fetch failed'), { cause: sys('ECONNREFUSED', `connect ECONNREFUSED ${secret}`) }),
  ];
  for (const error of errors) assert.doesNotMatch(JSON.stringify(classifyFailure(error)), new RegExp(secret));
});
