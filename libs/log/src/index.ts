import { pino, stdSerializers, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

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

/** The one logger factory: JSON lines, ISO time, secrets redacted, errors with code and context. */
export function createLogger({ name, level = 'info', redact = [], destination, base }: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    name,
    level,
    base: { service: name, ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS, ...redact], censor: '[redacted]' },
    serializers: { err: stdSerializers.err, error: stdSerializers.err },
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
