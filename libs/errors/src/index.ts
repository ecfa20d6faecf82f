/**
 * The one error table of ml-connector. Every failure that crosses a module boundary is an
 * MlcError with a stable `code`; `retriable` is decided here, once, and the consumer runtime reads
 * only that flag to choose between retry-in-place and the DLQ. Tests assert on `code`, never on
 * message text.
 */
export const ERROR_TABLE = {
  MLC_CONFIG_INVALID: { retriable: false, summary: 'configuration is invalid' },
  MLC_EVENT_INVALID: { retriable: false, summary: 'event does not match its schema' },
  MLC_DECODE_FAILED: { retriable: false, summary: 'message could not be decoded' },
  MLC_SCHEMA_INCOMPATIBLE: { retriable: false, summary: 'schema registry rejected the schema as incompatible' },
  MLC_MAPPING_FAILED: { retriable: false, summary: 'event cannot be mapped to the target' },
  MLC_VENDOR_REJECTED: { retriable: false, summary: 'target system rejected the request' },
  MLC_HTTP_CLIENT_ERROR: { retriable: false, summary: 'target answered a 4xx status' },
  MLC_SIGNATURE_INVALID: { retriable: false, summary: 'signature or credentials of an inbound call are invalid' },
  MLC_PAYLOAD_TOO_LARGE: { retriable: false, summary: 'payload exceeds the size limit' },
  MLC_CREDENTIALS_INVALID: { retriable: false, summary: 'stored credentials cannot be read' },
  MLC_MIGRATION_FAILED: { retriable: false, summary: 'a database migration failed or differs from the one applied' },
  MLC_INTERNAL: { retriable: false, summary: 'unexpected internal error' },
  MLC_HTTP_TIMEOUT: { retriable: true, summary: 'call to the target timed out' },
  MLC_HTTP_CONNECTION: { retriable: true, summary: 'connection to the target failed' },
  MLC_HTTP_RATE_LIMITED: { retriable: true, summary: 'target answered 429' },
  MLC_HTTP_SERVER_ERROR: { retriable: true, summary: 'target answered a 5xx status' },
  MLC_AUTH_FAILED: { retriable: true, summary: 'target refused our credentials' },
  MLC_SESSION_EXPIRED: { retriable: true, summary: 'session with the target expired' },
  MLC_DEPENDENCY_MISSING: { retriable: true, summary: 'a record this one refers to is not in the target yet' },
  MLC_KAFKA_UNAVAILABLE: { retriable: true, summary: 'Kafka is unavailable' },
  MLC_DB_UNAVAILABLE: { retriable: true, summary: 'database is unavailable' },
  MLC_REGISTRY_UNAVAILABLE: { retriable: true, summary: 'schema registry is unavailable' },
} as const satisfies Record<string, { retriable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

/** Context that says which record, which call, which status. Never put secrets here. */
export type ErrorContext = Record<string, unknown>;

export class MlcError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; context?: ErrorContext } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlcError';
    this.code = code;
    this.retriable = ERROR_TABLE[code].retriable;
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
  '57P01': 'MLC_DB_UNAVAILABLE',
  '08006': 'MLC_DB_UNAVAILABLE',
  '08001': 'MLC_DB_UNAVAILABLE',
};

/**
 * Turns anything thrown into an MlcError, keeping the original as `cause`. kafkajs errors carry
 * their own `retriable` flag, which we respect.
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
  if (err.name.startsWith('KafkaJS')) {
    const retriable = (err as { retriable?: unknown }).retriable === true;
    return new MlcError(retriable ? 'MLC_KAFKA_UNAVAILABLE' : 'MLC_INTERNAL', err.message, { cause: err, context });
  }
  return new MlcError('MLC_INTERNAL', err.message, { cause: err, context });
}

// How long to wait before a retry; whether to retry at all is the table's `retriable`.
export { backoffDelay, type BackoffOptions, type Jitter } from './backoff.js';
