import { logLevel, type Admin, type Kafka, type Producer, type TopicMessages } from 'kafkajs';
import type { z } from 'zod';
import { AuditEnv, auditDatabaseUrl, type Db } from '@mlc/audit';
import { readFile } from 'node:fs/promises';
import { DatabaseEnv, InfraEnv, TransportSecurityEnv, databaseTimeouts, readConnections } from '@mlc/config';
import { CoupaMapping } from '@mlc/coupa';
import { CREDENTIALS_MIGRATIONS, CredentialsEnv, createCredentialStore, keyRingFromEnv, secretStoreFromEnv, type CredentialStore } from '@mlc/credentials';
import { InforMapping } from '@mlc/infor';
import { SysproMapping } from '@mlc/syspro';
import { createPool, migrate } from '@mlc/db';
import { MlcError, toMlcError } from '@mlc/errors';
import { createRegistryCodec, schemaRegistryClientFromEnv, type RegistryClient, type TopicCodec } from '@mlc/events';
import { RecordLimitEnv, TopicEnv, createPartitionRouter, createTopicNamespace, kafkaClientFromEnv, sendPerPartition, type TopicNamespace } from '@mlc/kafka';
import type { Logger } from '@mlc/log';
import type { CheckParams } from './check.js';
import { createProgress, type Progress, type ProgressStream } from './progress.js';

/** What mlc reads from its environment: the services' infrastructure, topic namespace and audit schema. */
export const MlcEnv = InfraEnv.pick({ KAFKA_BROKERS: true, KAFKA_CLIENT_ID: true, SCHEMA_REGISTRY_URL: true, DATABASE_URL: true, LOG_LEVEL: true, MLC_CONNECTIONS_FILE: true })
  .extend(DatabaseEnv.shape)
  .extend(TransportSecurityEnv.shape)
  .extend(TopicEnv.shape)
  .extend({ MLC_AUDIT_DB_SCHEMA: AuditEnv.shape.MLC_AUDIT_DB_SCHEMA })
  .extend(RecordLimitEnv.shape)
  .extend(CredentialsEnv.shape);
export type MlcEnv = z.infer<typeof MlcEnv>;

/**
 * What the operations use: the audit log, Kafka (admin and a producer, connected on first use so
 * a command that needs only Postgres never waits for Kafka), the registry codec and the topic
 * namespace; and progress on the operator's terminal.
 */
export interface MlcDeps {
  db: Db;
  /** The services' own tables (the pollers' resync requests), outside the audit schema; opened on first use. */
  pollerDb(): Db;
  kafka: Kafka;
  admin(): Promise<Admin>;
  /** An admin of its own for `mlc check` and `mlc status`: one retry and no kafkajs logs, so a broken broker is one failed line, soon. */
  checkAdmin(): Promise<Admin>;
  producer(): Promise<Producer>;
  /** Sends records with acks=all, one request per partition (kafkajs loses records of a multi-leader send in a failover). */
  send(topicMessages: readonly TopicMessages[]): Promise<void>;
  codec: TopicCodec;
  /** The registry client behind the codec (`mlc check`). */
  registry: RegistryClient;
  /** The connections file (MLC_CONNECTIONS_FILE) with every section and mapping, its secrets resolved as the services resolve them. */
  connections(): Promise<CheckParams['file']>;
  namespace: TopicNamespace;
  /** The services' record limit (MLC_MAX_RECORD_BYTES), for `mlc check`. */
  maxRecordBytes: number;
  progress(label: string, total: number): Progress;
  now(): Date;
  logger: Logger;
  /** The credentials store (in the services' database, beside their tables), its table created on first use. */
  credentials(): Promise<CredentialStore>;
  /** A secret value from `fromFile` or stdin; never from argv. */
  readSecretValue(fromFile: string | undefined): Promise<string>;
}

export interface CreateMlcDepsParams {
  env: MlcEnv;
  logger: Logger;
  /** Where progress bars go (stderr); drawn only when it is a terminal. */
  progressStream?: ProgressStream | undefined;
  /** Reads a secret typed or piped in (stdin). */
  readStdin?: () => Promise<string>;
  /** What `{ "env": "NAME" }` references in the connections file read (the process environment). */
  processEnv?: NodeJS.ProcessEnv;
}

async function readSecretFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new MlcError('MLC_CONFIG_INVALID', `--from-file: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, { context: { option: 'from-file', path } });
  }
}

export function createMlcDeps({ env, logger, progressStream, readStdin, processEnv = {} }: CreateMlcDepsParams): MlcDeps & { close(): Promise<void> } {
  const namespace = createTopicNamespace(env.MLC_TOPIC_PREFIX);
  const db = createPool(auditDatabaseUrl(env.DATABASE_URL, env.MLC_AUDIT_DB_SCHEMA), { max: 2, applicationName: 'mlc', logger, ...databaseTimeouts(env) });
  const kafka = kafkaClientFromEnv({ env, clientId: 'mlc', logger });
  const registry = schemaRegistryClientFromEnv(env);
  const codec = createRegistryCodec({ registry, logger, logicalTopic: namespace.logical });
  let pollerDb: ReturnType<typeof createPool> | undefined;
  let admin: Promise<Admin> | undefined;
  let checkAdmin: Promise<Admin> | undefined;
  let credentials: Promise<CredentialStore> | undefined;
  const servicesDb = () => (pollerDb ??= createPool(env.DATABASE_URL, { max: 1, applicationName: 'mlc', logger, ...databaseTimeouts(env) }));
  let producer: Promise<Producer> | undefined;
  const connect = async <T extends { connect(): Promise<void> }>(client: T, operation: string): Promise<T> => {
    try {
      await client.connect();
      return client;
    } catch (error) {
      throw toMlcError(error, { operation });
    }
  };
  // Idempotent with one request in flight: what it sends lands once and in order per partition.
  // The services' partitioner (kafkajs' default, Java-compatible murmur2, through the router that
  // learns partition counts), so a key lands where its earlier records are.
  const router = createPartitionRouter();
  const openProducer = (): Promise<Producer> =>
    (producer ??= connect(kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: router.createPartitioner }), 'producer.connect'));
  return {
    db,
    pollerDb: servicesDb,
    kafka,
    codec,
    registry,
    namespace,
    maxRecordBytes: env.MLC_MAX_RECORD_BYTES,
    // `{ "store" }` secrets come from the credentials store when the master key is given, as in the services.
    connections: () =>
      readConnections(env.MLC_CONNECTIONS_FILE, {
        env: processEnv,
        mappings: { syspro: SysproMapping, coupa: CoupaMapping, infor: InforMapping },
        store: keyRingFromEnv(env) === undefined ? undefined : secretStoreFromEnv(env, servicesDb()),
      }),
    admin: () => (admin ??= connect(kafka.admin(), 'admin.connect')),
    // Not kept after a failure: `mlc status --watch` connects again on its next round.
    checkAdmin: () =>
      (checkAdmin ??= connect(kafkaClientFromEnv({ env, clientId: 'mlc', logger, level: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 300 } }).admin(), 'admin.connect').catch(
        (error: unknown) => {
          checkAdmin = undefined;
          throw error;
        },
      )),
    producer: openProducer,
    send: async (topicMessages) => {
      await sendPerPartition(await openProducer(), router, topicMessages, { acks: -1, concurrent: true });
    },
    progress: (label, total) => createProgress({ label, total, stream: progressStream }),
    logger,
    now: () => new Date(),
    credentials: () =>
      (credentials ??= (async () => {
        const keys = keyRingFromEnv(env);
        if (keys === undefined) {
          throw new MlcError('MLC_CONFIG_INVALID', 'the credentials store needs the master key: set MLC_MASTER_KEY, MLC_MASTER_KEY_FILE or MLC_MASTER_KEYS_FILE as the services have it', {
            context: { variable: 'MLC_MASTER_KEY' },
          });
        }
        await migrate(servicesDb(), { component: 'credentials', dir: CREDENTIALS_MIGRATIONS });
        return createCredentialStore({ db: servicesDb(), keys });
      })()),
    readSecretValue: async (fromFile) => {
      if (fromFile !== undefined) return readSecretFile(fromFile);
      if (readStdin === undefined) throw new MlcError('MLC_CONFIG_INVALID', 'no value: give --from-file <path> or pipe the value in', { context: { option: 'from-file' } });
      return readStdin();
    },
    async close() {
      await Promise.allSettled([admin?.then((a) => a.disconnect()), checkAdmin?.then((a) => a.disconnect()), producer?.then((p) => p.disconnect())]);
      await Promise.allSettled([db.end(), pollerDb?.end()]);
    },
  };
}
