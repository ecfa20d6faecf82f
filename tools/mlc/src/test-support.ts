import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { Kafka, logLevel, type Admin, type KafkaMessage } from 'kafkajs';
import { auditDatabaseUrl, prepareAuditDatabase } from '@mlc/audit';
import { loadEnv } from '@mlc/config';
import { createPool } from '@mlc/db';
import { buildEvent, createRegistryCodec, type CanonicalEvent } from '@mlc/events';
import { createEventProducer } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { createTestTopics, spawnService, testInfra, uniqueIdentifier, uniqueName, waitFor } from '@mlc/testing';
import { MlcEnv, createMlcDeps } from './context.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const logger = createLogger({ name: 'mlc-test', level: 'silent' });

export function supplier(connection: string, key: string, name = `Supplier ${key}`): CanonicalEvent {
  return buildEvent({
    source: 'syspro',
    connection,
    entity: 'supplier',
    key,
    data: { number: key, name, status: 'active', currency: 'ZAR' },
    occurredAt: '2026-11-02T10:00:00Z',
    observedAt: '2026-11-02T10:00:01Z',
    correlationId: `corr-${key}`,
    actor: 'jdoe',
  });
}

/**
 * A deployment of the test's own: a topic prefix with the supplier, outcome and coupa-writer DLQ
 * topics, a migrated audit schema, the mlc dependencies pointed at both, and helpers to run the
 * audit service and the mlc CLI as child processes. Everything is removed after the test.
 */
export async function mlcHarness(t: Pick<TestContext, 'after'>) {
  const infra = testInfra();
  const prefix = `${uniqueName('mlc')}.`;
  const schema = uniqueIdentifier('mlc_test');
  const connection = uniqueName('acme');
  const topic = (logical: string) => `${prefix}${logical}`;
  const kafka = new Kafka({ clientId: uniqueName('mlc-test'), brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin: Admin = kafka.admin();
  await admin.connect();
  const created = [topic('syspro.suppliers.v1'), topic('mlc.outcomes.v1'), topic('coupa-writer.dlq.v1')];
  await createTestTopics(admin, [{ topic: created[0]!, numPartitions: 2 }, created[1]!, created[2]!]);
  const pool = createPool(auditDatabaseUrl(infra.databaseUrl, schema), { max: 3 });
  await prepareAuditDatabase(pool, { schema });
  const envVars = {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: infra.schemaRegistryUrl,
    DATABASE_URL: infra.databaseUrl,
    MLC_TOPIC_PREFIX: prefix,
    MLC_AUDIT_DB_SCHEMA: schema,
  };
  const deps = createMlcDeps({ env: loadEnv(envVars, MlcEnv), logger });
  const codec = createRegistryCodec({ registryUrl: infra.schemaRegistryUrl, logicalTopic: (physical) => physical.slice(prefix.length) });
  const producer = createEventProducer({ kafka, codec, logger });
  await producer.connect();
  const raw = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await raw.connect();
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await deps.close();
    await producer.disconnect();
    await raw.disconnect();
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
    await pool.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await pool.end();
  });
  return {
    prefix,
    schema,
    connection,
    topic,
    kafka,
    admin,
    pool,
    deps,
    codec,
    producer,
    raw,
    /** Topics the test created under the prefix, deleted with the harness's own (before its admin disconnects). */
    own(topics: readonly string[]) {
      created.push(...topics);
    },
    /** The audit service on this deployment, as a child process. */
    startAudit() {
      const child = spawnService('audit', {
        env: { ...envVars, MLC_AUDIT_TOPIC_SCAN_MS: '1000', MLC_KAFKA_SESSION_TIMEOUT_MS: '6000', MLC_KAFKA_HEARTBEAT_MS: '1000' },
      });
      children.push(child);
      return child;
    },
    /** `mlc <args>` as an operator runs it (with `env` on top of the deployment's); its exit code and output. */
    async cli(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'tools/mlc/src/cli.ts', ...args], {
        cwd: ROOT,
        env: { ...process.env, ...envVars, USER: 'tester', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      const [code] = (await once(child, 'exit')) as [number | null];
      return { code, stdout, stderr };
    },
    async count(table: string, where = 'true'): Promise<number> {
      const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from ${table} where ${where}`);
      return rows[0]!.n;
    },
    /** Sum of the end offsets of a topic: how many records it has ever had. */
    async size(physical: string): Promise<number> {
      const offsets = await admin.fetchTopicOffsets(physical);
      return offsets.reduce((sum, p) => sum + Number(p.high), 0);
    },
    /** Every record of a topic, read by a group of its own. */
    async read(physical: string, count: number): Promise<KafkaMessage[]> {
      const consumer = kafka.consumer({ groupId: uniqueName('mlc-reader') });
      const messages: KafkaMessage[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: physical, fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
        await waitFor(() => messages.length >= count, { message: `${count} records on ${physical}`, timeoutMs: 60_000 });
      } finally {
        await consumer.disconnect();
      }
      return messages;
    },
  };
}
