import type { TestContext } from 'node:test';
import { createHmac } from 'node:crypto';
import { Secret } from '@mlc/config';
import { DEFAULT_COUPA_MAPPING } from '@mlc/coupa';
import { MlcError } from '@mlc/errors';
import type { CanonicalEvent } from '@mlc/events';
import { createLogger } from '@mlc/log';
import type { TargetRecord, TargetRef } from '@mlc/writer';
import { Registry } from 'prom-client';
import { buildGatewayApp, type GatewayAppParams, type GatewayConnection } from './app.js';
import type { OrderLineIndex } from './order-lines.js';
import type { DeliveryLog, DeliveryOutcome, Rejection } from './stores.js';

// Shared by this service's tests; not part of the public surface.
export const HMAC_SECRET = 'test-hmac-secret';
export const CLIENT = { clientId: 'coupa-callouts', clientSecret: 'test-client-secret' };

export function testConnection(id: string, overrides: Partial<GatewayConnection> = {}): GatewayConnection {
  return {
    id,
    hmacSecret: new Secret(HMAC_SECRET),
    signatureHeader: 'X-Coupa-Signature',
    oauthClients: [{ clientId: CLIENT.clientId, clientSecret: new Secret(CLIENT.clientSecret) }],
    tokenTtlSeconds: 3600,
    maxBodyBytes: 256 * 1024,
    mapping: DEFAULT_COUPA_MAPPING,
    ...overrides,
  };
}

export const sign = (body: string | Buffer, secret = HMAC_SECRET) => createHmac('sha256', secret).update(body).digest('hex');

export function memoryOrderLineIndex(store = new Map<string, number>()): OrderLineIndex {
  return {
    remember: async (connection, _poNumber, lines) => void lines.forEach((l) => store.set(`${connection}|${l.id}`, l.lineNum)),
    lookup: async (connection, ids) =>
      new Map(ids.flatMap((id) => (store.has(`${connection}|${id}`) ? [[id, store.get(`${connection}|${id}`)!] as const] : []))),
  };
}

interface MemoryDelivery {
  outcome: DeliveryOutcome;
  eventId: string;
  entityType?: string;
  entityKey?: string;
  occurredAt?: Date;
  token: string | undefined;
  /** When the row was claimed or completed, by `now`. */
  at: number;
}

/** The delivery log's contract in memory, claims lapsing after their lease by `now`; `rows` to inspect. */
export function memoryDeliveryLog(now: () => Date = () => new Date()): DeliveryLog & { rows: Map<string, MemoryDelivery> } {
  const rows = new Map<string, MemoryDelivery>();
  let tokens = 0;
  const latest = (connection: string, entityType: string, entityKey: string) => {
    let newest: { eventId: string; occurredAt: Date } | undefined;
    for (const [key, row] of rows) {
      if (!key.startsWith(`${connection}|`) || row.entityType !== entityType || row.entityKey !== entityKey || row.occurredAt === undefined) continue;
      if (row.outcome !== 'published' && row.outcome !== 'echo') continue;
      if (newest === undefined || row.occurredAt > newest.occurredAt) newest = { eventId: row.eventId, occurredAt: row.occurredAt };
    }
    return newest;
  };
  return {
    rows,
    find: async (connection, id) => {
      const row = rows.get(`${connection}|${id}`);
      return row && { outcome: row.outcome, eventId: row.eventId };
    },
    latest: async (connection, entityType, entityKey) => latest(connection, entityType, entityKey),
    claim: async (d, leaseMs) => {
      const key = `${d.connection}|${d.coupaEventId}`;
      const row = rows.get(key);
      const newest = latest(d.connection, d.entityType, d.entityKey);
      const lapsed = row?.outcome === 'pending' && row.at < now().getTime() - leaseMs;
      if (row && row.outcome !== 'pending') return { claimed: false, holder: { outcome: row.outcome, eventId: row.eventId } };
      if (newest?.eventId === d.eventId) return { claimed: false, holder: undefined, replay: newest };
      if (row && !lapsed) return { claimed: false, holder: { outcome: row.outcome, eventId: row.eventId } };
      const token = String(++tokens);
      rows.set(key, { outcome: 'pending', eventId: d.eventId, entityType: d.entityType, entityKey: d.entityKey, occurredAt: d.occurredAt, token, at: now().getTime() });
      return { claimed: true, token, latest: newest };
    },
    complete: async (connection, id, token, outcome) => {
      const row = rows.get(`${connection}|${id}`);
      if (row?.token !== token) return false;
      rows.set(`${connection}|${id}`, { ...row, outcome, token: undefined, at: now().getTime() });
      return true;
    },
    release: async (connection, id, token) => {
      if (rows.get(`${connection}|${id}`)?.token === token) rows.delete(`${connection}|${id}`);
    },
  };
}

/** In-memory stand-ins for the gateway's ports; the integration tests use the real ones. */
export function memoryPorts(now?: () => Date) {
  const published: { topic: string; event: CanonicalEvent }[] = [];
  const deliveries = memoryDeliveryLog(now);
  const rejections: Rejection[] = [];
  const written = new Map<string, TargetRecord>();
  const refKey = (r: TargetRef) => `${r.connection}|${r.targetSystem}|${r.entityType}|${r.naturalKey}`;
  const orderLines = new Map<string, number>();
  let kafkaDown = false;
  return {
    published,
    deliveries,
    rejections,
    written,
    setKafkaDown: (down: boolean) => void (kafkaDown = down),
    remember: (ref: TargetRef, contentHash: string) =>
      written.set(refKey(ref), { targetId: '1', contentHash, sourceTime: new Date(0), eventId: 'written-by-coupa-writer', writtenAt: new Date(0) }),
    ports: {
      publish: async (topic: string, event: CanonicalEvent) => {
        if (kafkaDown) {
          throw new MlcError('MLC_KAFKA_UNAVAILABLE', 'broker not reachable', { context: { topic } });
        }
        published.push({ topic, event });
      },
      deliveries,
      rejections: { record: async (r: Rejection) => void rejections.push(r) },
      targetRecords: { get: async (ref: TargetRef) => written.get(refKey(ref)) },
      orderLines: { index: memoryOrderLineIndex(orderLines) },
    },
  };
}

/**
 * The real gateway app with test connections and in-memory ports, closed after the test. Pass
 * `connections` or `params` to change what a test needs.
 */
export async function build(t: TestContext, params: Partial<GatewayAppParams> = {}) {
  let now = new Date('2026-11-23T10:00:00Z');
  const memory = memoryPorts(() => now);
  const metrics = new Registry();
  const app = buildGatewayApp({
    logger: createLogger({ name: 'coupa-gateway-test', level: 'silent' }),
    connections: new Map([['acme', testConnection('acme')]]),
    metrics,
    clock: () => now,
    ...memory.ports,
    ...params,
  });
  t.after(() => app.close());
  await app.ready();
  return {
    app,
    ...memory,
    metrics,
    advanceClock: (ms: number) => void (now = new Date(now.getTime() + ms)),
    metricValue: async (name: string, labels: Record<string, string>) => {
      const metric = (await metrics.getSingleMetric(name)?.get())?.values ?? [];
      return metric.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))?.value ?? 0;
    },
  };
}
