import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { Registry } from 'prom-client';
import type { z } from 'zod';
import { InfraEnv, databaseTimeouts, loadEnv, type SecretStore } from '@mlc/config';
import { CredentialsEnv, secretStoreFromEnv } from '@mlc/credentials';
import { createPool, migrate } from '@mlc/db';
import { createRegistryCodec, schemaRegistryClientFromEnv, type TopicCodec } from '@mlc/events';
import { registerHttpMetrics } from '@mlc/http';
import { TopicEnv, applyTopics, createTopicNamespace, kafkaClientFromEnv, type TopicDefinition, type TopicNamespace } from '@mlc/kafka';
import { createLogger, type Logger } from '@mlc/log';
import type { DestinationStream } from 'pino';
import { reportStartFailure } from './report.js';
import { runService, type RunningService, type SignalSource } from './run-service.js';
import { buildServer, type ReadinessResult, type ServiceServer } from './server.js';

/** What every service reads from its environment: the infrastructure and the topic namespace. Services extend it. */
export const ServiceEnv = InfraEnv.extend(TopicEnv.shape).extend(CredentialsEnv.shape);
export type ServiceEnv = z.infer<typeof ServiceEnv>;

/** What the shell has built for a service before the service builds its own parts. */
export interface ServiceContext<E extends ServiceEnv = ServiceEnv> {
  name: string;
  env: E;
  /** The raw environment, for what the configuration refers to (`{ "env": "NAME" }` credentials). */
  processEnv: NodeJS.ProcessEnv;
  logger: Logger;
  metrics: Registry;
  pool: pg.Pool;
  kafka: Kafka;
  namespace: TopicNamespace;
  /** The registry codec, resolving schemas by the namespace's logical topic names. */
  codec: TopicCodec;
  /** The service's HTTP server (probes, metrics); a service may register its own routes on it. */
  server: ServiceServer;
  /** The credentials store, for `{ "store" }` references (`readConnections`); undefined when no master key is given. */
  secrets: SecretStore | undefined;
  /**
   * The service cannot go on (its Kafka consumer stopped for good, say): logs the error, then the
   * same shutdown as a signal's, exiting 1, so that its orchestrator starts it again. Called
   * while starting, it takes effect once the start has settled.
   */
  fail(error: unknown): void;
}

export interface ServiceMigrations {
  component: string;
  dir: URL | string;
}

/** A service's own parts, built from the context; nothing connects before `start`. */
export interface ServiceParts {
  /** Applied in order before `start`. */
  migrations?: readonly ServiceMigrations[];
  /** Topics the service ensures before `start`, by logical name (the shell applies the namespace). */
  topics?: readonly TopicDefinition[];
  /** The service's own readiness; the shell checks Postgres first. */
  readiness?: () => Promise<ReadinessResult>;
  /** Connects and starts the work; the service is ready once it resolves. */
  start: () => Promise<void>;
  /** Finishes in-flight work and disconnects; the shell ends the pool afterwards. */
  stop: () => Promise<void>;
}

export interface ServiceDefinition<S extends z.ZodType<ServiceEnv> = z.ZodType<ServiceEnv>> {
  /** Service name: logger name, Kafka client id default, Postgres application name. */
  name: string;
  /** The environment schema: `ServiceEnv` or an extension of it. */
  env: S;
  /** Pool settings: its size, and the database URL when it is not DATABASE_URL as it is (a search_path, say). */
  pool?: PoolSettings | ((env: z.output<S>) => PoolSettings);
  /** Builds the service's parts; may throw MLC_CONFIG_INVALID (a bad connections file), which ends the process with exit 1. */
  create: (ctx: ServiceContext<z.output<S>>) => ServiceParts | Promise<ServiceParts>;
}

export interface PoolSettings {
  max?: number;
  url?: string;
  /** Every statement on its generic plan (see `PoolOptions.genericPlans` in @mlc/db). */
  genericPlans?: boolean;
}

export interface StartServiceOptions {
  processEnv?: NodeJS.ProcessEnv;
  exit?: (code: number) => void;
  signalSource?: SignalSource;
  /** Where logs go (stdout by default); tests read them here. */
  logDestination?: DestinationStream;
}

/**
 * The shell of every service: environment and logger, Postgres pool, Kafka client, registry codec
 * and topic namespace, the HTTP server with readiness, then (on `runService`) migrations, topics,
 * the service's own start, and graceful shutdown on signals. A configuration problem, found while
 * reading the environment, building the parts or starting, is logged one line per problem and
 * ends the process with exit code 1; the returned promise then rejects with it.
 */
export async function startService<S extends z.ZodType<ServiceEnv>>(definition: ServiceDefinition<S>, options: StartServiceOptions = {}): Promise<RunningService> {
  const { processEnv = process.env, exit = (code) => process.exit(code), signalSource, logDestination } = options;
  const { name } = definition;
  const loggerFor = (level?: string) => createLogger({ name, ...(level === undefined ? {} : { level }), ...(logDestination === undefined ? {} : { destination: logDestination }) });
  let logger = loggerFor();
  let pool: pg.Pool | undefined;
  // Set once the service has built its parts; readiness asks them from then on.
  let parts: ServiceParts | undefined;
  let ctx: ServiceContext<z.output<S>>;
  // fail() before runService has returned is kept until it has.
  const run: { service?: RunningService; failed?: unknown } = {};
  const fail = (error: unknown) => {
    if ('failed' in run) return;
    run.failed = error;
    logger.error({ err: error }, 'the service cannot go on; shutting down to be started again');
    void run.service?.shutdown('failed', 1);
  };
  try {
    const env = loadEnv(processEnv, definition.env);
    logger = loggerFor(env.LOG_LEVEL);
    const { url = env.DATABASE_URL, ...poolOptions } = typeof definition.pool === 'function' ? definition.pool(env) : (definition.pool ?? {});
    const db = createPool(url, { applicationName: name, logger, ...databaseTimeouts(env), ...poolOptions });
    pool = db;
    const namespace = createTopicNamespace(env.MLC_TOPIC_PREFIX);
    const metrics = new Registry();
    // Vendor API calls (status codes, rate-limiter waits) from whichever client the service builds.
    registerHttpMetrics(metrics);
    const server = buildServer({
      logger,
      metrics,
      readiness: async () => {
        await db.query('select 1');
        return (await parts?.readiness?.()) ?? { ok: parts !== undefined };
      },
    });
    ctx = {
      name,
      env,
      processEnv,
      logger,
      metrics,
      pool: db,
      kafka: kafkaClientFromEnv({ env, clientId: name, logger }),
      namespace,
      // Schemas (subjects and validation) belong to the logical topic, whatever the namespace.
      codec: createRegistryCodec({ registry: schemaRegistryClientFromEnv(env), logger, logicalTopic: namespace.logical }),
      server,
      secrets: secretStoreFromEnv(env, db),
      fail,
    };
    parts = await definition.create(ctx);
  } catch (error) {
    reportStartFailure(logger, error);
    await pool?.end().catch(() => undefined);
    exit(1);
    throw error;
  }

  const own = parts;
  const running = await runService({
    server: ctx.server,
    port: ctx.env.PORT,
    internalPort: ctx.env.MLC_INTERNAL_PORT,
    host: ctx.env.HOST,
    logger,
    shutdownTimeoutMs: ctx.env.SHUTDOWN_TIMEOUT_MS,
    exit,
    ...(signalSource === undefined ? {} : { signalSource }),
    start: async () => {
      for (const { component, dir } of own.migrations ?? []) await migrate(ctx.pool, { component, dir, logger });
      // MLC_CREATE_TOPICS=false: topics come from the platform (deploy/k8s's mlc-topics Job), and
      // the service's Kafka principal has no right to create them.
      if (ctx.env.MLC_CREATE_TOPICS && own.topics !== undefined && own.topics.length > 0) await applyTopics(ctx.kafka, own.topics, ctx.namespace);
      await own.start();
    },
    stop: async () => {
      try {
        await own.stop();
      } finally {
        await ctx.pool.end();
      }
    },
  });
  run.service = running;
  if ('failed' in run) void running.shutdown('failed', 1);
  return running;
}
