import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs, { type KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { ENTITY_TYPES, topicFor } from '@mlc/events';
import { createTopicNamespace } from '@mlc/kafka';
import {
  coupaEndpoint,
  sandboxConnections,
  startCoupaSimulator,
  startInforSimulator,
  startSysproSimulator,
  sysproEndpoints,
  type CoupaSimulatorOptions,
  type StartedInforSimulator,
  type SysproSimulator,
} from '@mlc/sandbox';
import { freePort, killChild, spawnService, testInfra, uniqueIdentifier, uniqueName, waitFor } from '@mlc/testing';

// The SYSPRO → Coupa pipeline as it runs in production: syspro-poller and coupa-writer are their
// own main.ts in child processes, on the real Kafka, registry and Postgres, between the SYSPRO and
// Coupa simulators. Everything a test creates is namespaced by a topic prefix and connection id.
// With `infor`, Coupa → M3 as well (Coupa's call-outs to coupa-gateway, infor-writer, the Infor
// simulator), and the audit service can run on a Postgres schema of the test's own.

const { Kafka, logLevel } = kafkajs;
const WRITER_GROUP = 'coupa-writer';
const SOURCE_TOPICS = ENTITY_TYPES.map((entity) => topicFor('syspro', entity));

export type SysproSizes = NonNullable<Parameters<typeof startSysproSimulator>[0]>['sizes'];
type StartedCoupa = Awaited<ReturnType<typeof startCoupaSimulator>>;
export type Row = Record<string, unknown>;

export interface PipelineOptions {
  sizes: SysproSizes;
  /** Rows per OData page, and so per poller Kafka transaction. */
  pageSize?: number;
  coupa?: Pick<CoupaSimulatorOptions, 'rateLimit'>;
  /** What the writer's limiter is configured to (the connections file's `coupa.rateLimit`). */
  writerRateLimit?: { perSecond: number; burst: number };
  /** Coupa → M3 too: an Infor simulator, the connection's `infor` section, Coupa call-outs to the gateway. */
  infor?: boolean;
  /** The connection's SYSPRO poll settings per entity (`syspro.poll.entities`), e.g. a datetime cursor. */
  sysproPollEntities?: Record<string, Record<string, unknown>>;
}

export interface LoggedCall {
  method: string;
  url: string;
  status: number;
  body?: unknown;
}

export interface Pipeline {
  connection: string;
  prefix: string;
  syspro: SysproSimulator;
  coupa: StartedCoupa;
  /** With `infor` only. */
  infor: StartedInforSimulator | undefined;
  /** Postgres schema of the audit service's tables (MLC_AUDIT_DB_SCHEMA), dropped after the test. */
  auditSchema: string;
  /** What an operator's `mlc` reads on this deployment: infrastructure, topic prefix, audit schema, connections file. */
  mlcEnv: Record<string, string>;
  startPoller(): ChildProcess;
  startWriter(): ChildProcess;
  /** Resolve once the service answers /readyz with 200. The gateway also becomes Coupa's call-out endpoint. */
  startGateway(): Promise<ChildProcess>;
  startInforWriter(): Promise<ChildProcess>;
  startAudit(): Promise<ChildProcess>;
  /** SIGKILL, and resolves once the process is gone. */
  kill(child: ChildProcess): Promise<void>;
  /** SIGTERM (a graceful shutdown: a writer leaves its consumer group), and resolves once it exited. */
  stop(child: ChildProcess): Promise<void>;
  /** Rewrites the connection's `mappings.coupa` in the connections file; services read it when they start. */
  setCoupaMapping(mapping: Row): void;
  m3Rows(resource: string): Promise<Row[]>;
  sysproRows(resource: string): Promise<Row[]>;
  sysproPatch(path: string, body: Row): Promise<void>;
  /** A new row, as a SYSPRO user would enter it (e.g. `suppliers`). */
  sysproPost(resource: string, row: Row): Promise<void>;
  coupaRows(resource: string): Promise<Row[]>;
  coupaCalls(): Promise<LoggedCall[]>;
  clearCoupaCalls(): Promise<void>;
  fault(target: 'syspro' | 'coupa', rule: Row): Promise<void>;
  /** Every message on a (prefixed) topic, e.g. `coupa-writer.dlq.v1`. */
  readTopic(topic: string): Promise<KafkaMessage[]>;
  /** Resolves when the writer's group has committed every event the poller has published. */
  writerCaughtUp(): Promise<void>;
  /** Records the poller has published (and recorded as published), per canonical entity. */
  published(): Promise<Record<string, number>>;
}

const json = async (res: Response): Promise<unknown> => {
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return res.json();
};

/**
 * Starts both simulators and writes a connections file the way `npm run sandbox` does (same
 * generator, same mappings), with this test's connection id and a seconds-long poll interval.
 */
export async function startPipeline(t: { after: (fn: () => Promise<void>) => void }, options: PipelineOptions): Promise<Pipeline> {
  const infra = testInfra();
  const connection = uniqueName('e2e');
  const prefix = `${connection}.`;
  const auditSchema = uniqueIdentifier('e2e_audit');
  const ns = createTopicNamespace(prefix);
  const webhookSecret = 'e2e-callout-secret';
  const syspro = await startSysproSimulator({ seed: 7, sizes: options.sizes });
  const coupa = await startCoupaSimulator({
    seed: 7,
    sizes: { suppliers: 0, purchaseOrders: 0, invoices: 0, lookupValues: 0 },
    ...(options.coupa ?? {}),
  });
  const infor = options.infor ? await startInforSimulator({ seed: 7, sizes: { suppliers: 0, purchaseOrders: 0, poLines: 0 }, requestsPerMinute: false }) : undefined;
  const [generated] = sandboxConnections({
    syspro: { odata: sysproEndpoints(syspro).odata },
    coupa: coupaEndpoint(coupa),
    ...(infor ? { infor: { ionapiFile: 'tenant.ionapi', company: infor.state.company, division: infor.state.division } } : {}),
    webhookSecret,
  }).connections;
  const file = {
    allowLiteralSecrets: true,
    connections: [
      {
        ...generated!,
        id: connection,
        syspro: {
          ...generated!.syspro!,
          odata: { ...generated!.syspro!.odata, pageSize: options.pageSize ?? 50 },
          poll: { intervalSeconds: 1, overlapSeconds: 0, ...(options.sysproPollEntities ? { entities: options.sysproPollEntities } : {}) },
        },
        coupa: { ...generated!.coupa!, ...(options.writerRateLimit ? { rateLimit: options.writerRateLimit } : {}) },
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), 'e2e-syspro-coupa-'));
  const connectionsFile = join(dir, 'connections.json');
  writeFileSync(connectionsFile, JSON.stringify(file), { mode: 0o600 });
  if (infor) writeFileSync(join(dir, 'tenant.ionapi'), JSON.stringify(infor.ionapi), { mode: 0o600 });

  const kafka = new Kafka({ clientId: uniqueName('e2e-test'), brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const children: ChildProcess[] = [];

  t.after(async () => {
    await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => killChild(c)));
    const topics = (await admin.listTopics()).filter((name) => name.startsWith(prefix));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    const db = new pg.Client({ connectionString: infra.databaseUrl });
    await db.connect();
    for (const table of ['syspro_poller_epoch_hashes', 'syspro_poller_hashes', 'mlc_target_records', 'mlc_sync_state', 'coupa_gateway_deliveries', 'coupa_gateway_rejections', 'coupa_gateway_order_lines']) {
      await db.query(`delete from ${table} where connection = $1`, [connection]).catch(() => undefined);
    }
    await db.query(`drop schema if exists ${auditSchema} cascade`).catch(() => undefined);
    await db.end();
    await Promise.allSettled([syspro.close(), coupa.close(), infor?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (service: string, extra: NodeJS.ProcessEnv): ChildProcess => {
    const child = spawnService(service, {
      env: { MLC_CONNECTIONS_FILE: connectionsFile, MLC_TOPIC_PREFIX: prefix, MLC_TOPIC_PARTITIONS: '3', ...extra },
    });
    children.push(child);
    return child;
  };
  /** On a port picked here, so readiness is a poll of its /readyz. */
  const startReady = async (service: string, extra: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> => {
    const port = await freePort();
    const child = start(service, { PORT: String(port), ...extra });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}`);
        return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 60_000, message: `${service} ready` },
    );
    return { child, url };
  };
  const writerRetries = { MLC_RETRY_INITIAL_MS: '100', MLC_RETRY_MAX_MS: '1000', MLC_RETRY_MAX_ATTEMPTS: '60' };
  // Short sessions, so a killed member leaves its group (and Kafka lets an operator rewind it) in seconds.
  const sessions = { MLC_KAFKA_SESSION_TIMEOUT_MS: '6000', MLC_KAFKA_HEARTBEAT_MS: '1000' };
  let calloutsRegistered = false;

  return {
    connection,
    prefix,
    syspro,
    coupa,
    infor,
    auditSchema,
    mlcEnv: {
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: infra.schemaRegistryUrl,
      DATABASE_URL: infra.databaseUrl,
      MLC_TOPIC_PREFIX: prefix,
      MLC_AUDIT_DB_SCHEMA: auditSchema,
      MLC_CONNECTIONS_FILE: connectionsFile,
    },
    startPoller: () => start('syspro-poller', { MLC_CONNECTIONS: connection, MLC_LEADER_RETRY_MS: '300' }),
    startWriter: () => start('coupa-writer', { MLC_CONNECTIONS: connection, ...writerRetries, ...sessions }),
    async startGateway() {
      const { child, url } = await startReady('coupa-gateway', { MLC_CONNECTIONS: connection });
      if (!calloutsRegistered) {
        await json(
          await fetch(`${coupa.url}/_sandbox/callouts`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ url: `${url}/webhooks/coupa/${connection}`, auth: { type: 'hmac', secret: webhookSecret, header: 'X-Coupa-Signature' } }),
          }),
        );
        calloutsRegistered = true;
      }
      return child;
    },
    startInforWriter: async () => (await startReady('infor-writer', { MLC_CONNECTIONS: connection, ...writerRetries, ...sessions })).child,
    startAudit: async () => (await startReady('audit', { MLC_AUDIT_DB_SCHEMA: auditSchema, MLC_AUDIT_TOPIC_SCAN_MS: '1000', ...sessions })).child,
    kill: killChild,
    async stop(child) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
    setCoupaMapping(mapping) {
      const current = JSON.parse(readFileSync(connectionsFile, 'utf8')) as { connections: Array<{ mappings: Row }> };
      current.connections[0]!.mappings.coupa = mapping;
      writeFileSync(connectionsFile, JSON.stringify(current), { mode: 0o600 });
    },
    m3Rows: async (resource) => (await json(await fetch(`${infor!.url}/_sandbox/state/${resource}`))) as Row[],
    sysproRows: async (resource) => ((await json(await fetch(`${syspro.url}/_sandbox/state/${resource}?limit=5000`))) as { rows: Row[] }).rows,
    async sysproPatch(path, body) {
      await json(await fetch(`${syspro.url}/_sandbox/${path}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
    },
    async sysproPost(resource, row) {
      await json(await fetch(`${syspro.url}/_sandbox/${resource}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(row) }));
    },
    coupaRows: async (resource) => (await json(await fetch(`${coupa.url}/_sandbox/state/${resource}?limit=100000`))) as Row[],
    coupaCalls: async () => (await json(await fetch(`${coupa.url}/_sandbox/requests?path=/api&limit=100000`))) as LoggedCall[],
    async clearCoupaCalls() {
      await fetch(`${coupa.url}/_sandbox/requests`, { method: 'DELETE' });
    },
    async fault(target, rule) {
      const url = target === 'syspro' ? syspro.url : coupa.url;
      await json(await fetch(`${url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) }));
    },
    async readTopic(topic) {
      const name = ns.topic(topic);
      const offsets = await admin.fetchTopicOffsets(name);
      const expected = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
      if (expected === 0) return [];
      const consumer = kafka.consumer({ groupId: uniqueName('e2e-reader') });
      const messages: KafkaMessage[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: name, fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
        await waitFor(() => messages.length >= expected, { message: `${expected} messages on ${name}` });
        return messages;
      } finally {
        await consumer.disconnect();
      }
    },
    async published() {
      const db = new pg.Client({ connectionString: infra.databaseUrl });
      await db.connect();
      try {
        // Hashes are kept per cursor epoch (syspro-poller migration 0002); a test's poller has one.
        const { rows } = await db.query<{ entity: string; n: string }>(
          'select entity, count(distinct key) as n from syspro_poller_epoch_hashes where connection = $1 group by entity',
          [connection],
        );
        return Object.fromEntries(rows.map((r) => [r.entity, Number(r.n)]));
      } catch {
        return {}; // the poller has not created its table yet
      } finally {
        await db.end();
      }
    },
    async writerCaughtUp() {
      const topics = SOURCE_TOPICS.map(ns.topic);
      await waitFor(
        async () => {
          const committed = await admin.fetchOffsets({ groupId: ns.groupId(WRITER_GROUP), topics });
          for (const { topic, partitions } of committed) {
            const ends = await admin.fetchTopicOffsets(topic);
            for (const end of ends) {
              const at = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
              // Transactional topics end with a commit marker: the group may stop one short of high.
              if (Number(end.high) > 0 && Number(at) < Number(end.high) - 1) return false;
            }
          }
          return true;
        },
        { timeoutMs: 60_000, message: 'coupa-writer caught up with the SYSPRO topics' },
      );
    },
  };
}

export { killChild, startReadyService } from '@mlc/testing';
