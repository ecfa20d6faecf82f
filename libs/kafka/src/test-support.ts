// Helpers for this package's tests; not part of the public surface.
import { Kafka, logLevel, type Admin, type KafkaMessage } from 'kafkajs';
import type { z } from 'zod';
import { CanonicalEvent, Outcome, buildEvent, type SupplierEvent } from '@mlc/events';
import { createLogger, type Logger } from '@mlc/log';
import { uniqueName } from '@mlc/testing';
import { createInMemoryCodec } from './in-memory-codec.js';
import type { TopicCodec } from './codec.js';

export function supplierEvent(key: string, name = `Supplier ${key}`, connection = 'acme-test'): SupplierEvent {
  return buildEvent({
    source: 'syspro',
    connection,
    entity: 'supplier',
    key,
    data: { number: key, name, status: 'active' },
    occurredAt: '2024-05-01T10:00:00Z',
    observedAt: '2024-05-01T10:00:01Z',
    correlationId: `corr-${key}`,
  });
}

/** A codec for unique test topics: events on `eventTopics`, Outcome on `outcomesTopic`. */
export function testCodec(eventTopics: readonly string[], outcomesTopic: string): TopicCodec {
  return createInMemoryCodec({
    schemas: new Map<string, z.ZodType>([...eventTopics.map((t): [string, z.ZodType] => [t, CanonicalEvent]), [outcomesTopic, Outcome]]),
  });
}

export function testLogger(name = 'kafka-test'): Logger {
  return createLogger({ name, level: process.env.MLC_TEST_LOG_LEVEL ?? 'silent' });
}

/** A kafkajs client on the local stack (KAFKA_BROKERS), quiet unless something breaks. */
export function testKafka(clientId = uniqueName('kafka-test')): Kafka {
  const brokers = process.env.KAFKA_BROKERS;
  if (brokers === undefined || brokers === '') throw new Error('KAFKA_BROKERS is not set; run the tests through `npm test`');
  return new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.ERROR });
}

export interface Collector {
  messages: KafkaMessage[];
  stop(): Promise<void>;
}

/** Reads a topic from the beginning into `messages` (read_committed), for assertions with waitFor. */
export async function collect(kafka: Kafka, topic: string): Promise<Collector> {
  const consumer = kafka.consumer({ groupId: uniqueName('collector'), allowAutoTopicCreation: false });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      messages.push(message);
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}

/** The group's committed offset for partition 0 of a topic, as a number (-1 when none). */
export async function committedOffset(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Number(entry?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
}
