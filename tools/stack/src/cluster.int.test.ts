// mlc-test-timeout: 300000
// A cluster like production (`up --brokers 3`: RF 3, min.insync.replicas 2), started by this file
// in a temporary directory on free ports (never the shared stack), and one broker of three killed
// with SIGKILL mid-stream, then started again: the repo's idempotent producer and its
// transactional publish (the pollers' path: events and a cursor record in one transaction) lose
// nothing and duplicate nothing; the consumer runtime keeps consuming through the leader
// elections, a group-coordinator move and a rebalance (one of two members stopped), handles every
// record and commits every offset. One kill and one restart serve all three checks: a broker
// start is the slow part on a small shared machine. Three brokers are a heavy neighbour for another
// test file on two cores (and it for them), so the test command runs this file on its own, after
// the others (the budget line below).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import type { z } from 'zod';
import { CanonicalEvent, Outcome, buildEvent } from '@mlc/events';
import { createConsumerRuntime, createEventProducer, createInMemoryCodec, createKafkaClient, ensureTopics, type ConsumerRuntime, type TopicCodec } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { uniqueName, waitFor } from '@mlc/testing';
import { loadStackConfig, type StackConfig } from './config.js';
import { killBroker, listBrokers, startBroker, waitForLeaders } from './control.js';
import { freePortBlock } from './ports.js';
import { up } from './stack.js';

const REPO = resolve(import.meta.dirname, '../../..');

function precondition(): string | false {
  const java = spawnSync(process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java', ['-version'], { stdio: 'ignore' });
  if (java.status !== 0) return 'Java is missing (java -version failed): the three-broker cluster runs Kafka as local JVMs';
  const seeded = existsSync(join(REPO, '.stack', 'kafka', 'libs', '.pom-sha256'));
  if (!seeded && spawnSync('mvn', ['-v'], { stdio: 'ignore' }).status !== 0) return "Maven is missing and the default stack's Kafka classpath is not there to copy";
  return false;
}
const skip = precondition();

/** Free base ports: broker n uses base + 10·(n−1) for PLAINTEXT, controller (+1), SASL_SSL (+2), mTLS (+3); the registry base + 50. */
const freeBasePort = (): Promise<number> => freePortBlock([0, 10, 20].flatMap((o) => [0, 1, 2, 3].map((i) => o + i)).concat(50));

let dir: string | undefined;

// If the runner kills this file (its timeout), `after` does not run: the brokers are detached
// processes and would outlive us. Kill them on the way out (pid files: restarted ones included).
function killLeftovers(): void {
  if (dir === undefined) return;
  for (const { pid } of listBrokers(config)) {
    if (pid === undefined) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}
process.once('exit', killLeftovers);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    killLeftovers();
    process.exit(130);
  });
}
let config: StackConfig;
let kafka: Kafka;
let admin: Admin;
const t0 = Date.now();
/** Progress with elapsed seconds, printed when MLC_TEST_LOG_LEVEL is set (where the time goes on a slow machine). */
const stamped = (line: string) => `[cluster-test +${Math.round((Date.now() - t0) / 1000)}s] ${line}`;
const say = process.env.MLC_TEST_LOG_LEVEL ? (line: string) => console.log(stamped(line)) : (line: string) => keep(`${stamped(line)}\n`);
// Without MLC_TEST_LOG_LEVEL, the progress lines and the clients' warnings are kept (the last 400)
// and printed when a check fails: a failure on a CI machine can then be read.
const kept: string[] = [];
function keep(line: string): void {
  kept.push(line);
  if (kept.length > 400) kept.shift();
}
const printKept = () => console.log(`cluster test, the last ${kept.length} progress and log lines:\n${kept.join('')}`);
const logger = createLogger({ name: 'cluster-test', level: process.env.MLC_TEST_LOG_LEVEL ?? 'warn', ...(process.env.MLC_TEST_LOG_LEVEL ? {} : { destination: { write: keep } }) });

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'mlc-cluster-'));
  const base = await freeBasePort();
  config = loadStackConfig(
    {
      MLC_STACK_DIR: dir,
      MLC_KAFKA_PORT: String(base),
      MLC_KAFKA_CONTROLLER_PORT: String(base + 1),
      MLC_KAFKA_SASL_SSL_PORT: String(base + 2),
      MLC_KAFKA_MTLS_PORT: String(base + 3),
      MLC_REGISTRY_PORT: String(base + 50),
      ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}),
    },
    REPO,
    { brokers: 3 },
  );
  await up(config, say, { parts: ['kafka'], secureListeners: false });
  say('cluster up');
  kafka = createKafkaClient({ clientId: uniqueName('cluster-test'), brokers: listBrokers(config).map((b) => b.address), logger });
  admin = kafka.admin();
  await admin.connect();
});

after(async () => {
  if (skip || dir === undefined) return;
  await admin?.disconnect().catch(() => undefined);
  // A throwaway cluster: SIGKILL is enough (`down` would spend seconds on controlled shutdowns).
  killLeftovers();
});

function supplier(key: string): CanonicalEvent {
  return buildEvent({
    source: 'syspro',
    connection: 'cluster-test',
    entity: 'supplier',
    key,
    data: { number: key, name: `Supplier ${key}`, status: 'active' },
    occurredAt: '2024-05-01T10:00:00Z',
    observedAt: '2024-05-01T10:00:01Z',
    correlationId: `corr-${key}`,
  });
}

function codecFor(eventTopics: readonly string[], outcomesTopic?: string): TopicCodec {
  return createInMemoryCodec({
    schemas: new Map<string, z.ZodType>([...eventTopics.map((t): [string, z.ZodType] => [t, CanonicalEvent]), ...(outcomesTopic ? [[outcomesTopic, Outcome] as [string, z.ZodType]] : [])]),
  });
}

const END = '__end__';

/**
 * Every record of `topics` (read_committed, from the beginning), by topic. An end marker is written
 * to each partition first; a partition is read completely once its marker arrives (offset order),
 * so a duplicate written anywhere before it cannot be missed.
 */
async function readAll(topics: readonly string[], partitions: number): Promise<Map<string, Buffer[]>> {
  const marker = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await marker.connect();
  try {
    await marker.sendBatch({
      acks: -1,
      topicMessages: topics.map((topic) => ({ topic, messages: Array.from({ length: partitions }, (_, partition) => ({ partition, key: END, value: END })) })),
    });
  } finally {
    await marker.disconnect();
  }
  const consumer = kafka.consumer({ groupId: uniqueName('cluster-reader'), allowAutoTopicCreation: false, readUncommitted: false });
  const records = new Map<string, Buffer[]>(topics.map((t) => [t, []]));
  let ends = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (message.key?.toString() === END) ends += 1;
        else records.get(topic)!.push(message.value ?? Buffer.alloc(0));
      },
    });
    await waitFor(() => ends >= partitions * topics.length, { timeoutMs: 90_000, message: `every partition of ${topics.join(', ')} read to its end marker` });
    return records;
  } finally {
    await consumer.disconnect();
  }
}

const keysOf = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** Counts of each value in `values` that occurs more than once. */
function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}

test('topics created without a replication factor get the cluster default: RF 3, min.insync.replicas 2', { skip }, async () => {
  const topic = uniqueName('cluster-rf');
  await ensureTopics(admin, [{ topic, partitions: 3 }]);
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic, '__consumer_offsets'] });
  for (const t of topics) {
    for (const p of t.partitions) assert.equal(p.replicas.length, 3, `${t.name}-${p.partitionId} replicas`);
  }
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['min.insync.replicas'] }] });
  assert.equal(resources[0]?.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue, '2');
});

/** The broker coordinating `groupId`: the leader of its `__consumer_offsets` partition (Java's String.hashCode, as Kafka computes it). */
async function coordinatorOf(groupId: string): Promise<number> {
  let hash = 0;
  for (const c of groupId) hash = (Math.imul(hash, 31) + c.charCodeAt(0)) | 0;
  const { topics } = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
  const partitions = topics[0]!.partitions;
  const partition = (hash & 0x7fffffff) % partitions.length;
  return partitions.find((p) => p.partitionId === partition)!.leader;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PER_BATCH = 5;

test('one broker of three SIGKILLed mid-stream and started again: producers and the consumer runtime carry on', { skip }, async (t) => {
  const plainTopic = uniqueName('cluster-idem');
  const txTopic = uniqueName('cluster-tx');
  const cursorTopic = uniqueName('cluster-cursor');
  const outcomesTopic = uniqueName('cluster-outcomes');
  const groupId = uniqueName('cluster-writer');
  const dlqTopic = `${groupId}.dlq.v1`;
  await ensureTopics(admin, [
    { topic: plainTopic, partitions: 3 },
    { topic: txTopic, partitions: 3 },
    { topic: cursorTopic, partitions: 1, cleanupPolicy: 'compact' },
    { topic: outcomesTopic, partitions: 3 },
    { topic: dlqTopic, partitions: 1 },
  ]);
  const codec = codecFor([plainTopic, txTopic], outcomesTopic);
  const idempotent = createEventProducer({ kafka, codec, logger });
  const transactional = createEventProducer({ kafka, codec, logger, transactionalId: uniqueName('cluster-poller') });
  await Promise.all([idempotent.connect(), transactional.connect()]);

  // Two members of a writer's group on the idempotent producer's topic. The handler is
  // idempotent, as writers are: a redelivered record only counts again.
  const handled = new Map<string, number>();
  const runtime = (): ConsumerRuntime =>
    createConsumerRuntime({
      kafka,
      groupId,
      topics: [plainTopic],
      codec,
      logger,
      outcomesTopic,
      dlqTopic,
      retry: { initialMs: 100, maxMs: 1_000, maxAttempts: 1_000 },
      handler: async (event) => {
        handled.set(event.entity.key, (handled.get(event.entity.key) ?? 0) + 1);
        return { status: 'created' };
      },
    });
  const first = runtime();
  const second = runtime();
  await Promise.all([first.start(), second.start()]);

  let stop = false;
  const plainSent: string[] = [];
  const txSent: string[] = [];
  let txRetries = 0;
  // A writer-like caller: one batch at a time, each awaited (kafkajs retries inside, unbounded).
  const plainLoop = (async () => {
    for (let b = 0; !stop; b += 1) {
      const keys = keysOf(PER_BATCH, `P${b}`);
      await idempotent.publish(plainTopic, keys.map(supplier));
      plainSent.push(...keys);
      await sleep(250);
    }
  })();
  // A poller-like caller: each page's events and its cursor in one transaction; a failed
  // transaction is aborted by the producer and the page is published again, as the pollers do.
  const txLoop = (async () => {
    for (let b = 0; !stop; b += 1) {
      const keys = keysOf(PER_BATCH, `T${b}`);
      for (;;) {
        try {
          await transactional.transaction(async (tx) => {
            await tx.publish(txTopic, keys.map(supplier));
            await tx.sendRaw(cursorTopic, [{ key: 'cluster-test:suppliers', value: JSON.stringify({ page: b }) }]);
          });
          break;
        } catch {
          txRetries += 1;
          await sleep(200);
        }
      }
      txSent.push(...keys);
      await sleep(250);
    }
  })();

  // A producer loop that fails ends the wait at once, with its error.
  const loops = Promise.all([plainLoop, txLoop]);
  loops.catch(() => undefined);
  const progress = (predicate: () => boolean, message: string) =>
    Promise.race([waitFor(predicate, { timeoutMs: 90_000, message }), loops.then(() => Promise.reject(new Error(`the producers stopped before: ${message}`)))]);

  let secondStopped = false;
  const victim = await coordinatorOf(groupId);
  try {
    await progress(() => plainSent.length >= 25 && txSent.length >= 25 && handled.size >= 10, 'the first records sent and handled');
    say('first records sent and handled');
    // The group's coordinator, which also leads about a third of every topic's partitions.
    assert.equal(await killBroker(config, victim), 'killed');
    say(`broker ${victim} killed`);
    const at = { plain: plainSent.length, tx: txSent.length, handled: handled.size };
    await waitForLeaders(config);
    say('leaders elected');
    // One member leaves while the broker is down (its group coordinator has moved): the survivor
    // takes over its partitions. (Stopped while the coordinator is still the dead broker, a
    // member's leave can take a minute of kafkajs retries: too long for this file's budget.)
    await second.stop();
    secondStopped = true;
    say('second member stopped');
    // The JVM takes a while to start: the records below are sent and handled while it does.
    const restarted = startBroker(config, victim, { say });
    restarted.catch(() => undefined);
    await progress(() => plainSent.length >= at.plain + 25 && txSent.length >= at.tx + 25 && handled.size >= at.handled + 25, 'records sent and handled with a broker down and one member gone');
    say('records sent and handled after the kill');
    await restarted;
    say(`broker ${victim} back in sync`);
    stop = true;
    await loops;
    say(`producers done: ${plainSent.length} + ${txSent.length} records, ${txRetries} transactions retried`);
  } catch (error) {
    printKept();
    throw error;
  } finally {
    stop = true;
    await loops.catch(() => undefined);
    await Promise.all([idempotent.disconnect(), transactional.disconnect()]);
  }

  try {
    await t.test('the consumer runtime: every record handled, every offset committed, nothing dead-lettered', async () => {
      // Nothing is written to the topic any more: its ends are final.
      const ends = await admin.fetchTopicOffsets(plainTopic);
      const where = async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [plainTopic] });
        const missing = plainSent.filter((k) => !handled.has(k));
        return {
          done: ends.every((e) => committed?.partitions.find((p) => p.partition === e.partition)?.offset === e.high),
          state: `${missing.length} of ${plainSent.length} records not handled (${missing.slice(0, 5).join(', ')}); ends ${ends.map((e) => `${e.partition}:${e.high}`).join(' ')}, committed ${committed?.partitions.map((p) => `${p.partition}:${p.offset}`).join(' ')}`,
        };
      };
      try {
        await waitFor(() => plainSent.every((k) => handled.has(k)), { timeoutMs: 60_000, message: 'every record handled' });
        await waitFor(async () => (await where()).done, { timeoutMs: 60_000, message: 'offsets committed to the end of every partition' });
      } catch (error) {
        printKept();
        throw new Error(`${(error as Error).message}: ${(await where()).state}`, { cause: error });
      }
      const [dlqEnd] = await admin.fetchTopicOffsets(dlqTopic);
      assert.equal(dlqEnd?.high, '0', 'dead-lettered records');
    });
  } finally {
    await Promise.allSettled([first.stop(), secondStopped ? Promise.resolve() : second.stop()]);
  }
  // After the runtime stopped: the end markers readAll writes are no events for it.
  const written = await readAll([plainTopic, txTopic], 3);
  const keysIn = (topic: string) => Promise.all(written.get(topic)!.map(async (value) => ((await codec.decode(topic, value)) as CanonicalEvent).entity.key));
  await t.test('the idempotent producer: every record once', async () => {
    const keys = await keysIn(plainTopic);
    assert.deepEqual(duplicates(keys), [], 'duplicates');
    assert.deepEqual(new Set(keys), new Set(plainSent), 'lost or unexpected records');
  });
  await t.test('the transactional publish: every committed record once', async () => {
    const keys = await keysIn(txTopic);
    assert.deepEqual(duplicates(keys), [], `duplicates (${txRetries} transactions retried)`);
    assert.deepEqual(new Set(keys), new Set(txSent), 'lost or unexpected records');
  });
});
