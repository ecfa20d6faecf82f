// Helpers for this package's tests; not part of the public surface.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { CanonicalEvent, Outcome, buildEvent, type SupplierEvent } from '@mlc/events';
import { createLogger, type Logger } from '@mlc/log';
import { createInMemoryCodec } from './in-memory-codec.js';
import type { TopicCodec } from './codec.js';

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

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

/** Polls a condition (no fixed sleeps in assertions): resolves with its first truthy value. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
