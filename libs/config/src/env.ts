import { z } from 'zod';
import { parseConfig, type ConfigIssue } from './issues.js';
import { didYouMean, unknownKeyMessage } from './suggest.js';
import { TransportSecurityEnv, transportSecurityIssues } from './transport-security.js';

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const commaList = (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean);

const BrokerList = z
  .string()
  .min(1)
  .transform(commaList)
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1));

/**
 * How long a statement may run and wait for locks, for every PostgreSQL session of a service or
 * `mlc` (the pools of @mlc/db and the pollers' lock sessions). A statement over it is cancelled by
 * the server and fails retriable (MLC_DB_CONFLICT, SQLSTATE 57014 / 55P03).
 */
export const DatabaseEnv = z.object({
  MLC_DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000).describe('statement timeout of every database session, in ms'),
  MLC_DB_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000).describe('lock wait timeout of every database session, in ms (0: wait up to the statement timeout)'),
});
export type DatabaseEnv = z.infer<typeof DatabaseEnv>;

/** The @mlc/db pool options for these settings. */
export function databaseTimeouts(env: DatabaseEnv): { statementTimeoutMs: number; lockTimeoutMs: number } {
  return { statementTimeoutMs: env.MLC_DB_STATEMENT_TIMEOUT_MS, lockTimeoutMs: env.MLC_DB_LOCK_TIMEOUT_MS };
}

/** Settings every service takes from its environment (12-factor). */
export const InfraEnv = z.object({
  KAFKA_BROKERS: BrokerList.describe('comma-separated host:port list of Kafka bootstrap brokers'),
  KAFKA_CLIENT_ID: z.string().optional().describe('Kafka client id; the service name when unset'),
  SCHEMA_REGISTRY_URL: z.url().describe('Confluent-compatible schema registry base URL'),
  DATABASE_URL: z.string().startsWith('postgres').describe('PostgreSQL connection string'),
  ...DatabaseEnv.shape,
  MLC_CONNECTIONS_FILE: z.string().default('connections.json').describe('path of the connections file'),
  MLC_CONNECTIONS: z
    .string()
    .transform(commaList)
    .pipe(z.array(z.string()).min(1, 'expected comma-separated connection ids'))
    .optional()
    .describe('the connections this process serves (comma-separated ids); unset: every connection it can serve'),
  LOG_LEVEL: LogLevel.default('info'),
  HOST: z.string().default('0.0.0.0').describe('address the HTTP server (health, metrics, webhooks) binds'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  MLC_INTERNAL_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe('port of /healthz, /readyz and /metrics, then no longer served on PORT (9090 in the images); unset: on PORT'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  ...TransportSecurityEnv.shape,
});
export type InfraEnv = z.infer<typeof InfraEnv>;

/**
 * Our own variables (`MLC_*`) that are one slip from a setting of `schema`: a misspelt or renamed
 * setting would otherwise be ignored without a word. Other MLC_* names are left alone, since the
 * environment is shared with tools and other services (MLC_STACK_DIR, MLC_TEST_*).
 */
function misspeltVariables(env: Record<string, string>, schema: z.ZodType): ConfigIssue[] {
  const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  return Object.keys(env)
    .filter((name) => name.startsWith('MLC_') && !known.includes(name) && didYouMean(name, known) !== undefined)
    .map((name) => ({ path: name, message: unknownKeyMessage(name, known, 'variable') }));
}

/**
 * Reads a service's settings from the environment: `schema` defaults to the infra settings and can
 * be extended by a service (`InfraEnv.extend({...})`). Every problem is reported at once.
 */
export function loadEnv<S extends z.ZodType = typeof InfraEnv>(env: NodeJS.ProcessEnv, schema?: S): z.output<S> {
  const values = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
  const settings = schema ?? InfraEnv;
  const known = settings instanceof z.ZodObject ? Object.keys(settings.shape) : [];
  // Combinations of the security settings, for schemas that carry them (InfraEnv and its extensions).
  const combinations = known.includes('KAFKA_SASL_MECHANISM') ? transportSecurityIssues(values) : [];
  return Object.freeze(parseConfig(settings, values, 'environment', [...misspeltVariables(values, settings), ...combinations])) as z.output<S>;
}
