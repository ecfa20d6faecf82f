import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { createRegistryCodec, partitionKeyFor, topicFor, type CanonicalEvent } from '@mlc/events';
import { EVENT_HEADERS, createEventProducer, createTopicNamespace, dlqTopicFor, ensureTopics, replayHeaders, standardTopics, type Replay } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { startCoupaSimulator } from '@mlc/sandbox';
import { spawnService, testInfra, uniqueName, waitFor } from '@mlc/testing';

// coupa-writer as it runs in production (its main.ts in a child process) against real Kafka, the
// registry, Postgres and the Coupa sandbox. Topics and the group are namespaced per test.
const infra = testInfra();
const logger = createLogger({ name: 'coupa-writer-test', level: 'silent' });

type Sim = Awaited<ReturnType<typeof startCoupaSimulator>>;

export interface Harness {
  prefix: string;
  connection: string;
  sim: Sim;
  /** The further connections (`HarnessOptions.moreConnections`), each with its own Coupa simulator. */
  others: Array<{ connection: string; sim: Sim }>;
  /** The writer's consumer group (namespaced). */
  groupId: string;
  publish(events: CanonicalEvent[]): Promise<void>;
  /** Sends events again as an operator's replay would: same bytes, with the replay headers. */
  replay(events: CanonicalEvent[], replay: Replay): Promise<void>;
  startWriter(): ChildProcess;
  state<T = Record<string, unknown>>(resource: string): Promise<T[]>;
  dlq(): Promise<KafkaMessage[]>;
}

export interface HarnessOptions {
  /** The connection's `coupa.clientSecret` as the file says it (default: the simulator's secret, a literal). */
  clientSecret?: (sim: Awaited<ReturnType<typeof startCoupaSimulator>>) => unknown;
  /** More environment for the writer (a master key, the store cache). */
  env?: Record<string, string>;
  /** Connections beside the first, each with its own Coupa simulator (default 0). */
  moreConnections?: number;
  /** Partitions of the topics (default 3); 1 puts every connection's records on one partition. */
  partitions?: number;
}

export async function harness(t: { after: (fn: () => Promise<void>) => void }, options: HarnessOptions = {}): Promise<Harness> {
  const prefix = `${uniqueName('cw')}.`;
  const ns = createTopicNamespace(prefix);
  const partitions = options.partitions ?? 3;
  const connection = uniqueName('acme');
  const empty = { sizes: { suppliers: 0, purchaseOrders: 0, invoices: 0, lookupValues: 0 } };
  const sim = await startCoupaSimulator(empty);
  const others: Harness['others'] = [];
  for (let i = 0; i < (options.moreConnections ?? 0); i++) others.push({ connection: uniqueName(`globex${i}`), sim: await startCoupaSimulator(empty) });
  const dir = mkdtempSync(join(tmpdir(), 'coupa-writer-'));
  const entry = (id: string, s: Sim) => ({
    id,
    coupa: { url: s.url, clientId: s.credentials.clientId, clientSecret: options.clientSecret?.(s) ?? s.credentials.clientSecret, scopes: s.credentials.scopes },
    mappings: { coupa: { lookups: { glAccount: 'GL Accounts', costCentre: 'Cost Centres' }, account: { chartOfAccounts: 'Default COA' } } },
  });
  writeFileSync(
    join(dir, 'connections.json'),
    JSON.stringify({ allowLiteralSecrets: true, connections: [entry(connection, sim), ...others.map((o) => entry(o.connection, o.sim))] }),
  );
  const kafka = new Kafka({ clientId: uniqueName('cw-test'), brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const codec = createRegistryCodec({ registryUrl: infra.schemaRegistryUrl, logicalTopic: ns.logical });
  const admin = kafka.admin();
  await admin.connect();
  const topics = standardTopics({ partitions, writerGroups: ['coupa-writer'] }).map((d) => ({ ...d, topic: ns.topic(d.topic) }));
  await ensureTopics(admin, topics);
  await admin.disconnect();
  t.after(async () => {
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteTopics({ topics: topics.map((d) => d.topic) }).catch(() => undefined);
    await cleanup.disconnect();
  });
  const producer = createEventProducer({ kafka, codec, logger });
  await producer.connect();
  const raw = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await raw.connect();
  const children: ChildProcess[] = [];

  t.after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await producer.disconnect();
    await raw.disconnect();
    await sim.close();
    for (const other of others) await other.sim.close();
  });

  return {
    prefix,
    connection,
    sim,
    others,
    groupId: ns.groupId('coupa-writer'),
    async publish(events) {
      for (const event of events) await producer.publish(ns.topic(topicFor(event.source, event.entity.type)), [event]);
    },
    async replay(events, replay) {
      for (const event of events) {
        const topic = ns.topic(topicFor(event.source, event.entity.type));
        const headers = { [EVENT_HEADERS.correlationId]: event.correlationId, [EVENT_HEADERS.eventType]: event.type, [EVENT_HEADERS.eventId]: event.id, ...replayHeaders(replay) };
        await raw.send({ topic, acks: -1, messages: [{ key: partitionKeyFor(event), value: await codec.encode(topic, event), headers }] });
      }
    },
    startWriter() {
      const child = spawnService('coupa-writer', {
        env: {
          MLC_CONNECTIONS_FILE: join(dir, 'connections.json'),
          MLC_TOPIC_PREFIX: prefix,
          MLC_TOPIC_PARTITIONS: String(partitions),
          MLC_RETRY_INITIAL_MS: '100',
          MLC_RETRY_MAX_MS: '1000',
          MLC_RETRY_MAX_ATTEMPTS: '60',
          ...options.env,
        },
      });
      children.push(child);
      return child;
    },
    async state(resource) {
      const res = await fetch(`${sim.url}/_sandbox/state/${resource}?limit=100000`);
      return (await res.json()) as never;
    },
    async dlq() {
      const consumer = kafka.consumer({ groupId: uniqueName('dlq-reader') });
      const messages: KafkaMessage[] = [];
      await consumer.connect();
      try {
        const topic = ns.topic(dlqTopicFor('coupa-writer'));
        const admin = kafka.admin();
        await admin.connect();
        const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
        const expected = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
        if (expected === 0) return [];
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
        await waitFor(() => messages.length >= expected, { message: 'DLQ messages' });
        return messages;
      } finally {
        await consumer.disconnect();
      }
    },
  };
}

