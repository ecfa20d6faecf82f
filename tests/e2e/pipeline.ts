import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs, { type KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { ENTITY_TYPES, topicFor } from '@mlc/events';
import { createTopicNamespace } from '@mlc/kafka';
import { coupaEndpoint, sandboxConnections, sysproEndpoints, startCoupaSimulator, startSysproSimulator, type CoupaSimulatorOptions, type SysproSimulator } from '@mlc/sandbox';
import { spawnService, testInfra, uniqueName, waitFor } from '@mlc/testing';

// The SYSPRO → Coupa pipeline as it runs in production: syspro-poller and coupa-writer are their
// own main.ts in child processes, on the real Kafka, registry and Postgres, between the SYSPRO and
// Coupa simulators. Everything a test creates is namespaced by a topic prefix and connection id.

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
}

export interface LoggedCall {
  method: string;
  url: string;
  status: number;
}

export interface Pipeline {
  connection: string;
  prefix: string;
  syspro: SysproSimulator;
  coupa: StartedCoupa;
  startPoller(): ChildProcess;
  startWriter(): ChildProcess;
  /** SIGKILL, and resolves once the process is gone. */
  kill(child: ChildProcess): Promise<void>;
  sysproRows(resource: string): Promise<Row[]>;
  sysproPatch(path: string, body: Row): Promise<void>;
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
  const ns = createTopicNamespace(prefix);
  const syspro = await startSysproSimulator({ seed: 7, sizes: options.sizes });
  const coupa = await startCoupaSimulator({
    seed: 7,
    sizes: { suppliers: 0, purchaseOrders: 0, invoices: 0, lookupValues: 0 },
    ...(options.coupa ?? {}),
  });
  const [generated] = sandboxConnections({
    syspro: { odata: sysproEndpoints(syspro).odata },
    coupa: coupaEndpoint(coupa),
    webhookSecret: 'unused',
  }).connections;
  const file = {
    connections: [
      {
        ...generated!,
        id: connection,
        syspro: {
          ...generated!.syspro!,
          odata: { ...generated!.syspro!.odata, pageSize: options.pageSize ?? 50 },
          poll: { intervalSeconds: 1, overlapSeconds: 0 },
        },
        coupa: { ...generated!.coupa!, ...(options.writerRateLimit ? { rateLimit: options.writerRateLimit } : {}) },
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), 'e2e-syspro-coupa-'));
  const connectionsFile = join(dir, 'connections.json');
  writeFileSync(connectionsFile, JSON.stringify(file), { mode: 0o600 });

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
    await db.query('delete from syspro_poller_hashes where connection = $1', [connection]).catch(() => undefined);
    await db.query('delete from syspro_poller_epoch_hashes where connection = $1', [connection]).catch(() => undefined);
    await db.query('delete from mlc_target_records where connection = $1', [connection]).catch(() => undefined);
    await db.end();
    await Promise.allSettled([syspro.close(), coupa.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (service: string, extra: NodeJS.ProcessEnv): ChildProcess => {
    const child = spawnService(service, {
      env: { MLC_CONNECTIONS_FILE: connectionsFile, MLC_TOPIC_PREFIX: prefix, MLC_TOPIC_PARTITIONS: '3', ...extra },
    });
    children.push(child);
    return child;
  };

  return {
    connection,
    prefix,
    syspro,
    coupa,
    startPoller: () => start('syspro-poller', { MLC_CONNECTIONS: connection, MLC_LEADER_RETRY_MS: '300' }),
    startWriter: () =>
      start('coupa-writer', {
        MLC_CONNECTIONS: connection,
        MLC_RETRY_INITIAL_MS: '100',
        MLC_RETRY_MAX_MS: '1000',
        MLC_RETRY_MAX_ATTEMPTS: '60',
      }),
    kill: killChild,
    sysproRows: async (resource) => ((await json(await fetch(`${syspro.url}/_sandbox/state/${resource}?limit=5000`))) as { rows: Row[] }).rows,
    async sysproPatch(path, body) {
      await json(await fetch(`${syspro.url}/_sandbox/${path}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
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

/** SIGKILL, and resolves once the process is gone (at once when it already is). */
export async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/**
 * Starts a service's main.ts (added to `children` at once, so a test's cleanup kills it even when
 * it never gets ready); resolves once it has bound its port and `/readyz` answers 200. It logs at
 * info, to read the bound port from the 'listening' line; only errors are passed on (everything
 * with MLC_TEST_LOG_LEVEL set).
 */
export async function startReadyService(service: string, env: NodeJS.ProcessEnv, children: ChildProcess[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawnService(service, { env: { LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let port: number | undefined;
  const verbose = process.env.MLC_TEST_LOG_LEVEL !== undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let entry: { level?: string; msg?: string; port?: number } = {};
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      // not a log line
    }
    if (entry.msg === 'listening' && typeof entry.port === 'number') port = entry.port;
    if (verbose || entry.level === 'error' || entry.level === 'fatal') process.stderr.write(`${service}: ${line}\n`);
  });
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}`);
      if (port === undefined) return false;
      return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 60_000, message: `${service} ready` },
  );
  return { child, port: port! };
}
