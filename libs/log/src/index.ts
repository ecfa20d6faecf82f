import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { CENSOR, redactSecrets, redactText } from './redact.js';

export { CENSOR, isSecretName, redactSecrets, redactText } from './redact.js';

export type { Logger } from 'pino';

// Names that hold secrets anywhere in our objects: vendor credentials, tokens, auth headers, bank details.
const SECRET_KEYS = [
  'password',
  'operatorPassword',
  'companyPassword',
  'secret',
  'clientSecret',
  'client_secret',
  'hmacSecret',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'token',
  'authorization',
  'Authorization',
  'cookie',
  'sask',
  'cs',
  'masterKey',
  // Bank details of suppliers (canonical `bank`, its fields, SYSPRO's APSSSP elements): never logged.
  'bank',
  'iban',
  'accountNumber',
  'BankAccount',
  'BankBranch',
];

/**
 * Redaction paths for pino: the secret keys at the top level and up to three levels deep
 * (pino's `*` matches exactly one level, so each depth is listed).
 */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => [
  key,
  `*.${key}`,
  `*.*.${key}`,
  `*.*.*.${key}`,
]);

export interface CreateLoggerOptions {
  name: string;
  level?: string;
  /** Extra paths to redact, in pino syntax. */
  redact?: readonly string[];
  /** Where to write; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

// The log formatter has already turned errors into redacted plain objects; anything else is serialised here.
const redactedError = (error: unknown) => (error instanceof Error ? redactSecrets(error) : error);

/**
 * The one logger factory: JSON lines, ISO time, secrets redacted, errors with code and context.
 * Redaction is by name at any depth and in any casing (`redactSecrets`, on the logged object, the
 * child bindings and errors), plus the fixed pino paths; and, on the finished line, secrets in
 * URLs' query strings and after `Bearer`/`Basic` (`redactText`), wherever they were (a message,
 * a request's url from fastify's own serializer).
 */
export function createLogger({ name, level = 'info', redact = [], destination, base }: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    name,
    level,
    base: { service: name, ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS, ...redact], censor: CENSOR },
    serializers: { err: redactedError, error: redactedError },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactSecrets(object) as Record<string, unknown>,
      bindings: (bindings) => redactSecrets(bindings) as Record<string, unknown>,
    },
    hooks: { streamWrite: redactText },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // pino applies `formatters.bindings` to the root's bindings only; children (which inherit this
  // method) have theirs redacted here, once, when they are made.
  const child = logger.child;
  logger.child = function redactingChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactSecrets(bindings) as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}

export { lazyChild } from './lazy-child.js';
