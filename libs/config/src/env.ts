import { z } from 'zod';
import { parseConfig } from './issues.js';

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const BrokerList = z
  .string()
  .min(1)
  .transform((value) => value.split(',').map((b) => b.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1));

/** Settings every service takes from its environment (12-factor). */
export const InfraEnv = z.object({
  KAFKA_BROKERS: BrokerList.describe('comma-separated host:port list of Kafka bootstrap brokers'),
  KAFKA_CLIENT_ID: z.string().optional().describe('Kafka client id; the service name when unset'),
  SCHEMA_REGISTRY_URL: z.url().describe('Confluent-compatible schema registry base URL'),
  DATABASE_URL: z.string().startsWith('postgres').describe('PostgreSQL connection string'),
  MLC_CONNECTIONS_FILE: z.string().default('connections.json').describe('path of the connections file'),
  LOG_LEVEL: LogLevel.default('info'),
  HOST: z.string().default('0.0.0.0').describe('address the HTTP server (health, metrics, webhooks) binds'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
});
export type InfraEnv = z.infer<typeof InfraEnv>;

/**
 * Reads a service's settings from the environment: `schema` defaults to the infra settings and can
 * be extended by a service (`InfraEnv.extend({...})`). Every problem is reported at once.
 */
export function loadEnv<S extends z.ZodType = typeof InfraEnv>(env: NodeJS.ProcessEnv, schema?: S): z.output<S> {
  const values = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  return Object.freeze(parseConfig(schema ?? InfraEnv, values, 'environment')) as z.output<S>;
}
