import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { createPool } from '@mlc/db';
import { buildEvent, createRegistryCodec, type SupplierEvent } from '@mlc/events';
import { createEventProducer, ensureTopics } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { BenchUsageError, intOption, type Bench, type BenchArgs, type BenchEnv, type SummaryRow } from './bench.js';

// Produce N supplier events through the registry codec (as the poller does), then run the audit
// service (its main.ts as a child process, as in production) on the backlog and measure how fast
// it persists them. Both rates come from the same run, on the same topics.

const ROOT = resolve(import.meta.dirname, '../../..');
const CHUNK = 1_000;

function supplierEvents(count: number, connection: string): SupplierEvent[] {
  return Array.from({ length: count }, (_, i) =>
    buildEvent({
      source: 'syspro',
      connection,
      entity: 'supplier',
      key: `S-${i}`,
      data: { number: `S-${i}`, name: `Supplier ${i}`, status: 'active', currency: 'ZAR', paymentTerms: '30D', address: { lines: [`${i} Main Rd`], city: 'Durban', country: 'ZA' } },
      occurredAt: '2026-11-01T10:00:00Z',
      observedAt: '2026-11-01T10:00:01Z',
      correlationId: `bench-${i}`,
      actor: 'bench',
    }),
  );
}

async function run(args: BenchArgs, env: BenchEnv): Promise<SummaryRow[]> {
  const count = intOption(args, 'count', 50_000);
  const partitions = intOption(args, 'partitions', 6);
  const concurrency = intOption(args, 'concurrency', 6);
  const { kafkaBrokers, schemaRegistryUrl, databaseUrl } = env;
  if (!kafkaBrokers || !schemaRegistryUrl || !databaseUrl) throw new BenchUsageError('audit bench needs KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL (or a running local stack)');

  const id = randomBytes(5).toString('hex');
  const prefix = `bench-audit-${id}.`;
  const schema = `bench_audit_${id}`;
  const topic = `${prefix}syspro.suppliers.v1`;
  const kafka = new Kafka({ clientId: `bench-audit-${id}`, brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const db = createPool(databaseUrl, { max: 1, applicationName: 'bench' });
  const logger = createLogger({ name: 'bench-audit', level: 'silent' });
  const producer = createEventProducer({ kafka, logger, codec: createRegistryCodec({ registryUrl: schemaRegistryUrl, logicalTopic: (t) => t.slice(prefix.length) }) });
  let child: ChildProcess | undefined;
  console.log(`audit: ${count} supplier events, ${partitions} partition(s), ${concurrency} partitions written at once, brokers ${kafkaBrokers}`);
  await Promise.all([admin.connect(), db.query('select 1'), producer.connect()]);
  try {
    await ensureTopics(admin, [{ topic, partitions }]);
    const input = supplierEvents(count, `bench-${id}`);
    // Register the schema before the clock starts: a one-off cost.
    await producer.publish(topic, input.slice(0, 1));
    const produceStart = performance.now();
    for (let i = 1; i < input.length; i += CHUNK) await producer.publish(topic, input.slice(i, i + CHUNK));
    const produceRate = (count - 1) / ((performance.now() - produceStart) / 1000);

    child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'services/audit/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: kafkaBrokers,
        SCHEMA_REGISTRY_URL: schemaRegistryUrl,
        DATABASE_URL: databaseUrl,
        MLC_TOPIC_PREFIX: prefix,
        MLC_AUDIT_DB_SCHEMA: schema,
        MLC_AUDIT_PARTITIONS_CONCURRENCY: String(concurrency),
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env.MLC_BENCH_LOG_LEVEL ?? 'error',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    let exited = false;
    child.once('exit', () => (exited = true));
    // stored_at is the inserting transaction's start: first to last batch is the persist window.
    const stats = async () => {
      const { rows } = await db
        .query<{ n: number; first: Date | null; last: Date | null }>(`select count(*)::int as n, min(stored_at) as first, max(stored_at) as last from ${schema}.audit_events`)
        .catch(() => ({ rows: [{ n: 0, first: null, last: null }] }));
      return rows[0]!;
    };
    let result = await stats();
    while (result.n < count) {
      if (exited) throw new Error('bench: the audit service exited early; see its log above');
      await sleep(100);
      result = await stats();
    }
    const persistSeconds = (result.last!.getTime() - result.first!.getTime()) / 1000;
    // The last batch's own insert is not in the window; spread over the rest it is noise at 50k.
    const persistRate = count / Math.max(persistSeconds, 0.001);
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(10);
    console.log(`produce (registry codec, acks=all)        ${fmt(produceRate)} events/s`);
    console.log(`audit persisted (Postgres, committed)     ${fmt(persistRate)} rows/s   (${persistSeconds.toFixed(1)} s)`);
    console.log(`ratio audit / produce                     ${(persistRate / produceRate).toFixed(2).padStart(10)}`);
    return [
      {
        path: 'audit rows persisted vs events produced (audit)',
        measured: persistRate,
        unit: 'rows/s',
        reference: { label: 'produce (registry codec)', value: produceRate, unit: 'events/s' },
        ratio: persistRate / produceRate,
      },
    ];
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await db.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await db.end();
  }
}

const bench: Bench = {
  description: 'events produced through the registry codec vs rows the audit service persists per second',
  run,
};
export default bench;
