/**
 * The one error table of ml-connector. Every failure that crosses a module boundary is an
 * MlcError with a stable `code`; `retriable` is decided here, once, and the consumer runtime reads
 * only the table's flags to choose between retry-in-place, waiting, parking and the DLQ. Tests
 * assert on `code`, never on message text.
 *
 * `outage` says whether a retriable failure is an outage rather than a fault of one record:
 * - `infrastructure`: our own Kafka, schema registry or PostgreSQL cannot serve us. It fails every
 *   record alike, so it is waited out for as long as it lasts and never counts towards the DLQ.
 * - `target`: the target system (or the network to it) is down, overloaded or refusing our session.
 *   Writers count these per connection and target in a circuit; an open circuit parks the
 *   connection's records instead of spending attempts (see libs/kafka circuit.ts and parking).
 * - `null`: a failure of this record (or a permanent one). A retriable one (a dependency not there
 *   yet, a database conflict) is retried in place up to the runtime's maxAttempts, then dead-lettered.
 */
export const ERROR_TABLE = {
  MLC_CONFIG_INVALID: { retriable: false, outage: null, summary: 'configuration is invalid' },
  MLC_EVENT_INVALID: { retriable: false, outage: null, summary: 'event does not match its schema' },
  MLC_DECODE_FAILED: { retriable: false, outage: null, summary: 'message could not be decoded' },
  MLC_SCHEMA_INCOMPATIBLE: { retriable: false, outage: null, summary: 'schema registry rejected the schema as incompatible' },
  MLC_MAPPING_FAILED: { retriable: false, outage: null, summary: 'event cannot be mapped to the target' },
  MLC_VENDOR_REJECTED: { retriable: false, outage: null, summary: 'target system rejected the request' },
  MLC_HTTP_CLIENT_ERROR: { retriable: false, outage: null, summary: 'target answered a 4xx status' },
  MLC_PAYLOAD_TOO_LARGE: { retriable: false, outage: null, summary: 'payload exceeds the size limit' },
  MLC_MIGRATION_FAILED: { retriable: false, outage: null, summary: 'a database migration failed or differs from the one applied' },
  MLC_DB_QUERY_FAILED: { retriable: false, outage: null, summary: 'the database refused the statement (syntax, permission, constraint or data error)' },
  MLC_INTERNAL: { retriable: false, outage: null, summary: 'unexpected internal error' },
  MLC_HTTP_TIMEOUT: { retriable: true, outage: 'target', summary: 'call to the target timed out' },
  MLC_HTTP_CONNECTION: { retriable: true, outage: 'target', summary: 'connection to the target failed' },
  MLC_HTTP_RATE_LIMITED: { retriable: true, outage: 'target', summary: 'target answered 429' },
  MLC_HTTP_SERVER_ERROR: { retriable: true, outage: 'target', summary: 'target answered a 5xx status' },
  MLC_AUTH_FAILED: { retriable: true, outage: 'target', summary: 'target refused our credentials' },
  MLC_SESSION_EXPIRED: { retriable: true, outage: 'target', summary: 'session with the target expired' },
  MLC_DEPENDENCY_MISSING: { retriable: true, outage: null, summary: 'a record this one refers to is not in the target yet' },
  MLC_KAFKA_UNAVAILABLE: { retriable: true, outage: 'infrastructure', summary: 'Kafka is unavailable' },
  MLC_DB_UNAVAILABLE: { retriable: true, outage: 'infrastructure', summary: 'database is unavailable' },
  MLC_DB_CONFLICT: { retriable: true, outage: null, summary: 'the database aborted the statement on a conflict (serialization, deadlock, lock, statement timeout)' },
  MLC_REGISTRY_UNAVAILABLE: { retriable: true, outage: 'infrastructure', summary: 'schema registry is unavailable' },
  MLC_GROUP_ACTIVE: { retriable: true, outage: null, summary: 'the consumer group has active members, so its offsets cannot be changed until they stop' },
} as const satisfies Record<string, { retriable: boolean; outage: Outage | null; summary: string }>;

/** What kind of outage a code is (see the table's comment); `null`: not an outage. */
export type Outage = 'infrastructure' | 'target';

export type ErrorCode = keyof typeof ERROR_TABLE;

/** Context that says which record, which call, which status. Never put secrets here. */
export type ErrorContext = Record<string, unknown>;

export class MlcError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  /** From the table: an outage of our infrastructure or of the target, or none (a fault of this record). */
  readonly outage: Outage | null;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; context?: ErrorContext } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlcError';
    this.code = code;
    this.retriable = ERROR_TABLE[code].retriable;
    this.outage = ERROR_TABLE[code].outage;
    this.context = options.context ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; retriable: boolean; context: ErrorContext } {
    return { code: this.code, message: this.message, retriable: this.retriable, context: this.context };
  }
}

export function mlcError(code: ErrorCode, message: string, context?: ErrorContext, cause?: unknown): MlcError {
  return new MlcError(code, message, { context, cause });
}

export function isMlcError(value: unknown): value is MlcError {
  return value instanceof MlcError;
}

/** The code for an HTTP status answered by a target system. */
export function codeForHttpStatus(status: number): ErrorCode {
  if (status === 429) return 'MLC_HTTP_RATE_LIMITED';
  if (status === 401) return 'MLC_AUTH_FAILED';
  if (status === 408) return 'MLC_HTTP_TIMEOUT';
  if (status >= 500) return 'MLC_HTTP_SERVER_ERROR';
  return 'MLC_HTTP_CLIENT_ERROR';
}

// Error codes that libraries we depend on put on their errors, mapped onto our table, so that an
// error nobody wrapped still gets the right retry decision.
const FOREIGN_CODES: Record<string, ErrorCode> = {
  UND_ERR_CONNECT_TIMEOUT: 'MLC_HTTP_TIMEOUT',
  UND_ERR_HEADERS_TIMEOUT: 'MLC_HTTP_TIMEOUT',
  UND_ERR_BODY_TIMEOUT: 'MLC_HTTP_TIMEOUT',
  UND_ERR_SOCKET: 'MLC_HTTP_CONNECTION',
  UND_ERR_CLOSED: 'MLC_HTTP_CONNECTION',
  ECONNREFUSED: 'MLC_HTTP_CONNECTION',
  ECONNRESET: 'MLC_HTTP_CONNECTION',
  EPIPE: 'MLC_HTTP_CONNECTION',
  ETIMEDOUT: 'MLC_HTTP_TIMEOUT',
  ENOTFOUND: 'MLC_HTTP_CONNECTION',
  EAI_AGAIN: 'MLC_HTTP_CONNECTION',
};

// pg reports a lost or unobtainable connection as a plain Error without a code; these are its
// messages (pg 8 client.js, pg-pool). A statement the server refused always carries a SQLSTATE.
const PG_CONNECTION_MESSAGES = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Query read timeout',
]);

// SQLSTATEs whose retry can succeed although the statement is right: another transaction won.
const SQLSTATE_CONFLICTS = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled (statement_timeout)
]);

// SQLSTATE classes (first two characters) of a server that cannot serve us right now.
const SQLSTATE_UNAVAILABLE_CLASSES = new Set([
  '08', // connection exception
  '53', // insufficient resources (disk full, out of memory, too many connections)
  '57', // operator intervention (admin shutdown 57P01, cannot connect now 57P03)
]);

/**
 * The code for a PostgreSQL SQLSTATE. Conflicts and an unavailable server are retriable; anything
 * else the server answers (syntax or permission 42, integrity constraint 23, data exception 22, …)
 * is a fault of the statement or the data, and retrying it would fail the same way.
 */
function codeForSqlState(sqlState: string): ErrorCode {
  if (SQLSTATE_CONFLICTS.has(sqlState)) return 'MLC_DB_CONFLICT';
  if (SQLSTATE_UNAVAILABLE_CLASSES.has(sqlState.slice(0, 2))) return 'MLC_DB_UNAVAILABLE';
  return 'MLC_DB_QUERY_FAILED';
}

/** A PostgreSQL server error (pg's DatabaseError): a five-character SQLSTATE and a severity. */
function sqlStateOf(error: Error): string | undefined {
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string' ? code : undefined;
}

// Node's certificate verification codes, and the alerts a broker sends when it wants a client
// certificate we did not present or did not accept.
const TLS_TRUST_CODES = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_UNTRUSTED|ERR_TLS_CERT_ALTNAME_INVALID)$/;
const TLS_TRUST_ALERTS = /alert (bad certificate|certificate required|unknown ca|certificate unknown)/;

/** A TLS handshake that failed on trust (either side's certificate), anywhere in the cause chain (kafkajs wraps them twice). */
function tlsTrustFailure(error: Error): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if ((typeof code === 'string' && TLS_TRUST_CODES.test(code)) || TLS_TRUST_ALERTS.test(e.message)) return true;
  }
  return false;
}

/** A broker that refused a record or batch as too large for the topic, anywhere in the cause chain. */
function kafkaTooLarge(error: Error): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const type = (e as { type?: unknown }).type;
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true;
  }
  return false;
}

/**
 * Turns anything thrown into an MlcError, keeping the original as `cause`. kafkajs errors carry
 * their own `retriable` flag, which we respect; PostgreSQL errors are classified by SQLSTATE.
 */
export function toMlcError(error: unknown, context: ErrorContext = {}): MlcError {
  if (error instanceof MlcError) {
    return Object.keys(context).length === 0
      ? error
      : new MlcError(error.code, error.message, { cause: error.cause, context: { ...context, ...error.context } });
  }
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code in FOREIGN_CODES) {
    return new MlcError(FOREIGN_CODES[code]!, err.message, { cause: err, context });
  }
  const sqlState = sqlStateOf(err);
  if (sqlState !== undefined) return new MlcError(codeForSqlState(sqlState), err.message, { cause: err, context: { ...context, sqlState } });
  if (PG_CONNECTION_MESSAGES.has(err.message)) return new MlcError('MLC_DB_UNAVAILABLE', err.message, { cause: err, context });
  // A broker that refused our SASL credentials: kafkajs marks it non-retriable, and it is no
  // internal fault but a credential to fix (or a rotation to finish).
  if (err.name === 'KafkaJSSASLAuthenticationError' || (err.name.startsWith('KafkaJS') && tlsTrustFailure(err))) {
    return new MlcError('MLC_AUTH_FAILED', err.message, { cause: err, context });
  }
  // A record (batch) over the topic's max.message.bytes: sending it again can never succeed.
  if (err.name.startsWith('KafkaJS') && kafkaTooLarge(err)) {
    return new MlcError('MLC_PAYLOAD_TOO_LARGE', err.message, { cause: err, context: { ...context, limit: 'max.message.bytes' } });
  }
  if (err.name.startsWith('KafkaJS')) {
    const retriable = (err as { retriable?: unknown }).retriable === true;
    return new MlcError(retriable ? 'MLC_KAFKA_UNAVAILABLE' : 'MLC_INTERNAL', err.message, { cause: err, context });
  }
  return new MlcError('MLC_INTERNAL', err.message, { cause: err, context });
}

// Socket-level failures, which toMlcError reads as the target's (HTTP) when it cannot know better.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * toMlcError for a failure of a call to our own PostgreSQL: a refused or broken connection is the
 * database unavailable (an infrastructure outage, waited out), never a target's connection error
 * (which would open a target's circuit).
 */
export function toDbError(error: unknown, context: ErrorContext = {}): MlcError {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  if (!(error instanceof MlcError) && typeof code === 'string' && SOCKET_CODES.has(code)) {
    return new MlcError('MLC_DB_UNAVAILABLE', (error as Error).message, { cause: error, context });
  }
  return toMlcError(error, context);
}

// How long to wait before a retry; whether to retry at all is the table's `retriable`.
export { backoffDelay, type BackoffOptions, type Jitter } from './backoff.js';
