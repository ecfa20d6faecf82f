import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createPool } from '@mlc/db';
import { sandboxConnections } from '@mlc/sandbox';
import { createCoupaClient, type CoupaSupplierRequest } from '@mlc/coupa';
import { createSysproODataClient } from '@mlc/syspro';
import { BenchUsageError, intOption, type Bench, type BenchArgs, type BenchEnv, type SummaryRow } from './bench.js';
import { cpuSeconds, jvmCpuSeconds, postgresCpuSeconds } from './proc-cpu.js';
import { startCoupaProcess, startSysproProcess, type CoupaOptions } from './simulator-process.js';

// SYSPRO simulator → syspro-poller → Kafka → coupa-writer → Coupa simulator, with both services
// as child processes running their main.ts, as in production. Suppliers only: the other entities
// are disabled in the connection, so the numbers are per supplier record.

const ROOT = resolve(import.meta.dirname, '../../..');

export interface Run {
  connection: string;
  coupaUrl: string;
  sysproUrl: string;
  /** The poller's OData settings for the SYSPRO simulator. */
  odata: { url: string; company: string; username: string; password: string };
  /** Process ids of the simulators, for their CPU time. */
  simulatorPids: { syspro: number; coupa: number };
  /** When the poller sent its first OData request (the SYSPRO simulator's request log). */
  firstSysproRequest(): Promise<number | undefined>;
  startPoller(): ChildProcess;
  /** A coupa-writer replica; `env` adds to (or overrides) its environment. */
  startWriter(env?: NodeJS.ProcessEnv): ChildProcess;
  /** The audit service in its own Postgres schema (dropped by `close`). */
  startAudit(): ChildProcess;
  /** Physical topic names start with this. */
  prefix: string;
  /** Publish window of the poller, from its hash table (written after each Kafka commit). */
  published(): Promise<{ count: number; first?: number; last?: number }>;
  coupaSuppliers(): Promise<number>;
  /** When the poller last published each of these records (its hash table, written after each Kafka commit). */
  publishedAt(keys: readonly string[]): Promise<Map<string, number>>;
  /** Set when a service exited on its own: the run cannot finish. */
  failure(): Error | undefined;
  close(): Promise<void>;
}

/** More than suppliers: purchase orders (with their GL accounts and cost centres) as well. */
export interface RunShape {
  purchaseOrders: number;
  maxLinesPerOrder: number;
  /**
   * Run the services' compiled `dist/main.js`, as the image does (build with `tsc -b` first),
   * instead of their sources through tsx, whose compiler would count in their memory.
   */
  compiled?: boolean;
  /** Node options for every service, before its entry (e.g. `--max-old-space-size=128`). */
  nodeArgs?: readonly string[];
  /**
   * Per service (its directory name): Node options in place of `nodeArgs`, and a cgroup's
   * `cgroup.procs` file the process is put in before Node starts (see pod.ts).
   */
  placement?: (service: string) => { nodeArgs?: readonly string[]; cgroupProcs?: string } | undefined;
}

export async function setUp(
  env: Required<BenchEnv>,
  suppliers: number,
  pageSize: number,
  coupa: Pick<CoupaOptions, 'rateLimit' | 'latencyMs'>,
  writerRateLimit?: { perSecond: number; burst: number },
  shape?: RunShape,
  /** Seconds between the poller's polls (default 1, for the latency rows). */
  pollIntervalSeconds = 1,
): Promise<Run> {
  const connection = `bench-${randomBytes(5).toString('hex')}`;
  const prefix = `${connection}.`;
  const auditSchema = `bench_audit_${connection.slice('bench-'.length)}`;
  // Each simulator in its own process: they do not share the bench's thread (or each other's).
  const started = await Promise.allSettled([
    startSysproProcess({
      seed: 3,
      sizes: { suppliers, purchaseOrders: shape?.purchaseOrders ?? 0, maxLinesPerOrder: shape?.maxLinesPerOrder ?? 1, invoices: 0, glAccounts: shape ? 40 : 1, costCentres: shape ? 8 : 1 },
    }),
    startCoupaProcess({ seed: 3, sizes: { suppliers: 0, purchaseOrders: 0, invoices: 0, lookupValues: 0 }, ...coupa }),
  ] as const);
  if (started[0].status === 'rejected' || started[1].status === 'rejected') {
    await Promise.allSettled(started.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
    throw started[0].status === 'rejected' ? started[0].reason : (started[1] as PromiseRejectedResult).reason;
  }
  const [syspro, coupaSim] = [started[0].value, started[1].value];
  const [generated] = sandboxConnections({
    syspro: { odata: syspro.endpoint.odata },
    coupa: coupaSim.endpoint,
    webhookSecret: 'unused-webhook-secret',
  }).connections;
  const off = { enabled: false };
  const file = {
    allowLiteralSecrets: true,
    connections: [
      {
        ...generated!,
        id: connection,
        syspro: {
          ...generated!.syspro!,
          // The connection default (1,000 rows per page and per Kafka transaction).
          odata: { ...generated!.syspro!.odata, pageSize },
          poll: { intervalSeconds: pollIntervalSeconds, overlapSeconds: 0, entities: shape ? { invoice: off } : { 'purchase-order': off, invoice: off, 'gl-account': off, 'cost-centre': off } },
        },
        coupa: { ...generated!.coupa!, ...(writerRateLimit ? { rateLimit: writerRateLimit } : { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } }) },
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), 'bench-syspro-coupa-'));
  const connectionsFile = join(dir, 'connections.json');
  writeFileSync(connectionsFile, JSON.stringify(file), { mode: 0o600 });
  const db = createPool(env.databaseUrl, { max: 1, applicationName: 'bench' });
  let failure: Error | undefined;
  const children: ChildProcess[] = [];
  let closing = false;
  const spawnService = (entry: string, extra: NodeJS.ProcessEnv) => {
    const placed = shape?.placement?.(entry.split('/')[1]!);
    const argv = [...(placed?.nodeArgs ?? shape?.nodeArgs ?? []), ...(shape?.compiled ? [entry.replace(/\/src\/main\.ts$/, '/dist/main.js')] : ['--conditions=source', '--import', 'tsx', entry])];
    // In a cgroup from its first instruction: the shell moves itself in, then becomes node (same pid).
    const [command, args]: [string, string[]] = placed?.cgroupProcs === undefined ? [process.execPath, argv] : ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', placed.cgroupProcs, process.execPath, ...argv]];
    const child = spawn(command, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: env.kafkaBrokers,
        SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
        DATABASE_URL: env.databaseUrl,
        MLC_CONNECTIONS_FILE: connectionsFile,
        MLC_TOPIC_PREFIX: prefix,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env.MLC_BENCH_LOG_LEVEL ?? 'error',
        ...extra,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    child.once('exit', (code, signal) => {
      if (!closing) failure ??= new Error(`bench: ${entry} exited early (code ${code}, signal ${signal}); see its log above`);
    });
    return child;
  };
  return {
    connection,
    prefix,
    coupaUrl: coupaSim.url,
    sysproUrl: syspro.url,
    odata: syspro.endpoint.odata,
    simulatorPids: { syspro: syspro.pid, coupa: coupaSim.pid },
    async firstSysproRequest() {
      const res = await fetch(`${syspro.url}/_sandbox/requests?path=/SYSPRO8Odata&limit=100000`);
      const [first] = (await res.json()) as Array<{ at: string }>;
      return first ? Date.parse(first.at) : undefined;
    },
    startPoller: () => spawnService('services/syspro-poller/src/main.ts', { MLC_CONNECTIONS: connection }),
    startWriter: (extra = {}) => spawnService('services/coupa-writer/src/main.ts', { MLC_CONNECTIONS: connection, ...extra }),
    startAudit: () => spawnService('services/audit/src/main.ts', { MLC_AUDIT_DB_SCHEMA: auditSchema }),
    async published() {
      const { rows } = await db
        .query<{ n: string; first: Date | null; last: Date | null }>(
          'select count(*) as n, min(published_at) as first, max(published_at) as last from syspro_poller_epoch_hashes where connection = $1',
          [connection],
        )
        .catch(() => ({ rows: [{ n: '0', first: null, last: null }] }));
      const row = rows[0]!;
      return { count: Number(row.n), ...(row.first ? { first: row.first.getTime() } : {}), ...(row.last ? { last: row.last.getTime() } : {}) };
    },
    async publishedAt(keys) {
      const { rows } = await db.query<{ key: string; published_at: Date }>('select key, published_at from syspro_poller_epoch_hashes where connection = $1 and key = any($2::text[])', [connection, keys]);
      return new Map(rows.map((r) => [r.key, r.published_at.getTime()]));
    },
    async coupaSuppliers() {
      const res = await fetch(`${coupaSim.url}/_sandbox/state/suppliers?limit=1`);
      await res.body?.cancel();
      return Number(res.headers.get('x-total-count'));
    },
    failure: () => failure,
    async close() {
      closing = true;
      await Promise.all(
        children
          .filter((c) => c.exitCode === null && c.signalCode === null)
          .map(async (c) => {
            const exited = once(c, 'exit');
            c.kill('SIGTERM');
            await exited;
          }),
      );
      const kafka = new Kafka({ clientId: 'bench-cleanup', brokers: env.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
      await db.query('delete from syspro_poller_epoch_hashes where connection = $1', [connection]).catch(() => undefined);
      await db.query('delete from mlc_target_records where connection = $1', [connection]).catch(() => undefined);
      await db.query('delete from mlc_sync_state where connection = $1', [connection]).catch(() => undefined);
      await db.query('delete from mlc_rate_limits where connection = $1', [connection]).catch(() => undefined);
      await db.query(`drop schema if exists ${auditSchema} cascade`).catch(() => undefined);
      await db.end();
      await Promise.allSettled([syspro.close(), coupaSim.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function until<T>(run: Run, what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failed = run.failure();
    if (failed) throw failed;
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`bench: ${what} not reached within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The stack's processes, whose CPU the services' work also costs: PostgreSQL's, and Kafka's and the registry's JVMs. */
const STACK_CPU = { Postgres: postgresCpuSeconds, 'Kafka + registry': jvmCpuSeconds };

/**
 * CPU seconds of some processes (a pid, or a function sampling a group of them) from a first
 * sample to a later one, per record handled in between.
 */
function cpuMeter(pids: Record<string, number | undefined | (() => number | undefined)>) {
  let first: { records: number; cpu: Record<string, number | undefined> } | undefined;
  const sample = () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, typeof pid === 'function' ? pid() : cpuSeconds(pid)]));
  return {
    /** The first call samples; later calls do nothing. */
    start(records: number) {
      first ??= { records, cpu: sample() };
    },
    /** Microseconds of CPU per record per process since `start`. */
    perRecord(records: number): Record<string, number | undefined> {
      if (first === undefined || records <= first.records) return {};
      const now = sample();
      const from = first;
      return Object.fromEntries(
        Object.entries(now).map(([name, cpu]) => [name, cpu === undefined || from.cpu[name] === undefined ? undefined : ((cpu - from.cpu[name]!) * 1e6) / (records - from.records)]),
      );
    },
  };
}

const formatCpu = (perRecord: Record<string, number | undefined>): string =>
  Object.entries(perRecord)
    .map(([name, us]) => `${name} ${us === undefined ? '?' : fmt(us)} µs`)
    .join(', ');

/**
 * (a) Backfill throughput with Coupa unlimited. The poller alone first (SYSPRO → Kafka), then a
 * fresh connection with poller and writer together, as deployed (SYSPRO → Coupa). Both windows
 * start at the poller's first OData request, so process start-up is left out. CPU per record per
 * process is sampled from /proc from the first record handled to the end (start-up left out too).
 */
/**
 * The backfill's poll interval: the connection default. The backfill is the first poll; a poll
 * every second (the latency rows' setting) would re-read the last `changeNumberWindow` (10,000)
 * changes each second while the writer catches up, and count that as the backfill's cost.
 */
const BACKFILL_POLL_SECONDS = 300;

async function backfill(env: Required<BenchEnv>, suppliers: number, pageSize: number, coupaLatencyMs: number, endToEnd = true): Promise<SummaryRow[]> {
  // Generous: the shared machine has run a 5,000-supplier backfill at 40 rec/s under load.
  const timeoutMs = Math.max(300_000, suppliers * 50);
  let pollerSeconds: number;
  let pollerCpu: Record<string, number | undefined>;
  const alone = await setUp(env, suppliers, pageSize, { rateLimit: false }, undefined, undefined, BACKFILL_POLL_SECONDS);
  try {
    const poller = alone.startPoller();
    const meter = cpuMeter({ poller: poller.pid, 'SYSPRO simulator': alone.simulatorPids.syspro, ...STACK_CPU });
    const last = await until(alone, 'every supplier published', timeoutMs, async () => {
      const p = await alone.published();
      if (p.count > 0) meter.start(p.count);
      return p.count >= suppliers ? p.last : undefined;
    });
    pollerCpu = meter.perRecord(suppliers);
    pollerSeconds = (last! - (await alone.firstSysproRequest())!) / 1000;
    console.log(`(a) backfill: ${fmt(suppliers)} SYSPRO suppliers, ${fmt(pageSize)} rows per page/transaction, Coupa simulator without rate limit, simulators in their own processes`);
    console.log(`    poller only (SYSPRO OData → Kafka, committed)        ${fmt(suppliers / pollerSeconds).padStart(8)} rec/s   (${fmt(pollerSeconds, 1)} s)`);
    console.log(`      CPU per record: ${formatCpu(pollerCpu)}`);
  } finally {
    await alone.close();
  }
  // The floor beside the poller, against a fresh simulator of the same size.
  const floor = await pollerFloor(env, suppliers, pageSize);
  console.log(`    floor (OData pages → one kafkajs transaction per page) ${fmt(floor.rate).padStart(8)} rec/s   (CPU ${fmt(floor.cpuMicros, 1)} µs/rec in the bench process)`);
  const pollerRow = (): SummaryRow => {
    const rate = suppliers / pollerSeconds;
    return {
      path: `poller alone, OData → Kafka, ${fmt(suppliers)} suppliers (syspro-to-coupa)`,
      measured: rate,
      unit: 'rec/s',
      reference: { label: 'floor', value: floor.rate },
      ratio: rate / floor.rate,
      goal: '≥ 20,000 rec/s',
      met: rate >= 20_000,
      note: `CPU/record: ${formatCpu(pollerCpu)}; floor (no mapping, validation, hashing or Postgres) ${fmt(floor.cpuMicros, 1)} µs`,
    };
  };
  if (!endToEnd) return [pollerRow()];
  // --coupa-latency-ms: each Coupa API answer that late, as a real tenant's are (the simulator
  // alone answers in about a millisecond), so the writer's calls at once show.
  const run = await setUp(env, suppliers, pageSize, { rateLimit: false, latencyMs: coupaLatencyMs }, undefined, undefined, BACKFILL_POLL_SECONDS);
  let e2e: number;
  let e2eCpu: Record<string, number | undefined>;
  try {
    const poller = run.startPoller();
    // The writer starts once the poller has created the topics: both create them at start, and
    // a service that loses that race exits (reported with issue 4).
    await until(run, 'the first page published', timeoutMs, async () => ((await run.published()).count > 0 ? true : undefined));
    // Coupa unlimited: the writer's limiter is out of the way, local (no lease round trips).
    const writer = run.startWriter({ MLC_RATE_LIMIT: 'local' });
    const meter = cpuMeter({ poller: poller.pid, writer: writer.pid, 'SYSPRO simulator': run.simulatorPids.syspro, 'Coupa simulator': run.simulatorPids.coupa, ...STACK_CPU });
    const done = await until(run, 'every supplier in Coupa', timeoutMs, async () => {
      const written = await run.coupaSuppliers();
      if (written > 0) meter.start(written);
      return written >= suppliers ? Date.now() : undefined;
    });
    e2eCpu = meter.perRecord(suppliers);
    const e2eSeconds = (done - (await run.firstSysproRequest())!) / 1000;
    console.log(`    end to end (poller + writer running together → Coupa${coupaLatencyMs > 0 ? `, answering in ${coupaLatencyMs} ms` : ''}) ${fmt(suppliers / e2eSeconds).padStart(7)} rec/s   (${fmt(e2eSeconds, 1)} s)`);
    console.log(`      CPU per record: ${formatCpu(e2eCpu)}`);
    e2e = suppliers / e2eSeconds;
  } finally {
    await run.close();
  }
  // The issue's row is the simulators' own speed; with --coupa-latency-ms it is another measure.
  if (coupaLatencyMs > 0) {
    return [{ path: `SYSPRO → Coupa backfill end to end, ${fmt(suppliers)} suppliers, Coupa answering in ${coupaLatencyMs} ms (syspro-to-coupa)`, measured: e2e, unit: 'rec/s', note: `CPU/record: ${formatCpu(e2eCpu)}` }, pollerRow()];
  }
  const wFloor = await writerFloor(env, suppliers, WRITER_KEY_CONCURRENCY);
  console.log(`    floor: Kafka → one Coupa create per record → outcome, nothing else ${fmt(wFloor.rate).padStart(7)} rec/s`);
  console.log(`      CPU per record: ${formatCpu(wFloor.cpu)}`);
  return [
    {
      path: `SYSPRO → Coupa backfill end to end, ${fmt(suppliers)} suppliers (syspro-to-coupa)`,
      measured: e2e,
      unit: 'rec/s',
      reference: { label: 'writer floor', value: wFloor.rate },
      ratio: e2e / wFloor.rate,
      goal: '≥ 5,000 rec/s',
      met: e2e >= 5_000,
      note: `CPU/record: ${formatCpu(e2eCpu)}; floor (Kafka → 1 Coupa create → outcome; no poller, find, mapping, validation or Postgres): ${formatCpu(wFloor.cpu)}`,
    },
    pollerRow(),
  ];
}

/** The writer floor's topic partitions, the default of the services' topics (MLC_TOPIC_PARTITIONS). */
const FLOOR_PARTITIONS = 6;

/** The coupa-writer's creates in flight per partition (its `keyConcurrency`), for the writer floor. */
const WRITER_KEY_CONCURRENCY = 16;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no values');
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * (c) Latency SYSPRO change → Coupa: with poller and writer running (the backlog written), one
 * supplier renamed in the SYSPRO simulator at a steady rate; each change's latency is from just
 * before the change was made to the arrival of the Coupa update carrying the new name at the Coupa
 * simulator (its request log). The poller polls every second, so the goal is p99 ≤ 2 s.
 */
/**
 * The poller row's floor: the least any SYSPRO poller must do for these suppliers, with the
 * underlying parts only, in the bench process. Read the entity set in pages of `pageSize` (our
 * OData client: HTTP, JSON, the envelope's check; the next page read while this one commits, as
 * the poller does), and commit each page as one kafkajs transaction
 * holding one record per row (its JSON, keyed by supplier) and a cursor record, acks=all. No
 * mapping, no validation of rows, no event envelope or hashing, no Postgres. A poller can be no
 * faster than this on the machine; when it is under 20,000 rec/s, so is the goal's bound.
 */
async function pollerFloor(env: Required<BenchEnv>, suppliers: number, pageSize: number): Promise<{ rate: number; cpuMicros: number }> {
  const run = await setUp(env, suppliers, pageSize, { rateLimit: false }, undefined, undefined, BACKFILL_POLL_SECONDS);
  const kafka = new Kafka({ clientId: 'bench-poller-floor', brokers: env.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, transactionalId: `${run.prefix}floor` });
  try {
    const topic = `${run.prefix}floor.suppliers`;
    const cursorTopic = `${run.prefix}floor.cursors`;
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6 }, { topic: cursorTopic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    await producer.connect();
    const odata = createSysproODataClient({ baseUrl: run.odata.url, company: run.odata.company, username: run.odata.username, password: run.odata.password, pageSize });
    const started = performance.now();
    const cpu = process.cpuUsage();
    let read = 0;
    // The next page is read while this one is committed, as the poller does.
    const pages = odata.pages('ApSupplier', { orderby: 'Supplier' });
    for (let next = pages.next(); ; ) {
      const current = await next;
      if (current.done === true) break;
      next = pages.next();
      const page = current.value;
      const tx = await producer.transaction();
      await tx.send({ topic, acks: -1, messages: page.rows.map((row) => ({ key: String(row.Supplier), value: JSON.stringify(row) })) });
      await tx.send({ topic: cursorTopic, acks: -1, messages: [{ key: 'floor:supplier', value: String(page.rows.at(-1)?.Supplier) }] });
      await tx.commit();
      read += page.rows.length;
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    if (read !== suppliers) throw new Error(`bench: the floor read ${read} suppliers, not ${suppliers}`);
    return { rate: read / seconds, cpuMicros: (used.user + used.system) / read };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await run.close();
  }
}

/**
 * The backfill row's floor: the least any writer of these suppliers to Coupa must do, with the
 * underlying parts only, in the bench process against a fresh Coupa simulator (unlimited, as in
 * the backfill). The suppliers are on a topic first (not timed). A kafkajs `eachBatch` consumer
 * then, per record: its JSON parsed, one supplier create in Coupa (our Coupa client: OAuth, HTTP,
 * the answer's check; every partition at once with `concurrency` creates in flight in each, as the
 * coupa-writer's runtime does with its `keyConcurrency`), and
 * one acks=all outcome record per record once the batch's creates are done, then the commit. That
 * is the one call per new supplier no writer avoids (Coupa has no bulk create) and the outcome and
 * commit that make it at-least-once. No find, no mapping or validation, no sync state in Postgres,
 * no event envelope, no poller beside it. A backfill can be no faster than this on the machine.
 */
async function writerFloor(env: Required<BenchEnv>, suppliers: number, concurrency: number): Promise<{ rate: number; cpu: Record<string, number | undefined> }> {
  const coupaSim = await startCoupaProcess({ seed: 3, sizes: { suppliers: 0, purchaseOrders: 0, invoices: 0, lookupValues: 0 }, rateLimit: false });
  const prefix = `bench-${randomBytes(5).toString('hex')}.floor.`;
  const kafka = new Kafka({ clientId: 'bench-writer-floor', brokers: env.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `${prefix}writer` });
  try {
    const topic = `${prefix}suppliers`;
    const outcomes = `${prefix}outcomes`;
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: FLOOR_PARTITIONS }, { topic: outcomes, numPartitions: FLOOR_PARTITIONS }] });
    await producer.connect();
    const number = (n: number) => `S${String(n + 1).padStart(6, '0')}`;
    for (let from = 0; from < suppliers; from += 1000) {
      const messages = Array.from({ length: Math.min(1000, suppliers - from) }, (_, i) => {
        const name = `Floor supplier ${number(from + i)}`;
        return { key: number(from + i), value: JSON.stringify({ name, 'display-name': name, number: number(from + i), status: 'active', 'on-hold': false, 'po-method': 'prompt' }) };
      });
      await producer.send({ topic, acks: -1, messages });
    }
    // The Coupa settings the sandbox gives its simulator, as the backfill's writer has them.
    const [sandbox] = sandboxConnections({ coupa: coupaSim.endpoint, webhookSecret: 'unused-webhook-secret' }).connections;
    const coupa = createCoupaClient({ ...coupaSim.endpoint, apiVersion: sandbox!.coupa!.apiVersion, rateLimit: false });
    const meter = cpuMeter({ 'bench process': process.pid, 'Coupa simulator': coupaSim.pid, ...STACK_CPU });
    let handled = 0;
    let first: number | undefined;
    let last = 0;
    let failed: unknown;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      // As the coupa-writer: every partition at once, `concurrency` creates in flight in each.
      partitionsConsumedConcurrently: FLOOR_PARTITIONS,
      eachBatch: async ({ batch, heartbeat }) => {
        if (first === undefined) {
          first = performance.now();
          meter.start(0);
        }
        const messages = batch.messages;
        let next = 0;
        const results: Array<{ key: string; value: string }> = new Array(messages.length);
        const work = async () => {
          for (let i = next++; i < messages.length; i = next++) {
            const supplier = JSON.parse(messages[i]!.value!.toString()) as CoupaSupplierRequest;
            const created = await coupa.createSupplier(supplier);
            results[i] = { key: supplier.number!, value: JSON.stringify({ status: 'created', id: created.id }) };
          }
        };
        try {
          await Promise.all(Array.from({ length: Math.min(concurrency, messages.length) }, work));
          await producer.send({ topic: outcomes, acks: -1, messages: results });
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }]);
        } catch (error) {
          failed ??= error;
          throw error;
        }
        await heartbeat();
        handled += messages.length;
        last = performance.now();
      },
    });
    const deadline = Date.now() + Math.max(300_000, suppliers * 50);
    while (handled < suppliers && failed === undefined) {
      if (Date.now() > deadline) throw new Error(`bench: the writer floor handled ${handled} of ${suppliers} suppliers in time`);
      await sleep(100);
    }
    if (failed !== undefined) throw failed;
    return { rate: suppliers / ((last - first!) / 1000), cpu: meter.perRecord(suppliers) };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [`${prefix}suppliers`, `${prefix}outcomes`] }).catch(() => undefined);
    await admin.deleteGroups([`${prefix}writer`]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await coupaSim.close();
  }
}

async function latency(env: Required<BenchEnv>, suppliers: number, changes: number, perSecond: number): Promise<SummaryRow[]> {
  const intervalSeconds = 1;
  const run = await setUp(env, suppliers, 1000, { rateLimit: false });
  try {
    run.startPoller();
    await until(run, 'the first page published', 120_000, async () => ((await run.published()).count > 0 ? true : undefined));
    run.startWriter({ MLC_RATE_LIMIT: 'local' });
    await until(run, 'every supplier in Coupa', 120_000, async () => ((await run.coupaSuppliers()) >= suppliers ? true : undefined));
    const marker = randomBytes(3).toString('hex');
    const made: Array<{ supplier: string; name: string; at: number }> = [];
    const started = Date.now();
    for (let n = 0; n < changes; n += 1) {
      const wait = started + (n * 1000) / perSecond - Date.now();
      if (wait > 0) await sleep(wait);
      const supplier = `S${String((n % suppliers) + 1).padStart(6, '0')}`;
      const name = `Latency ${marker} ${n}`;
      const at = Date.now();
      const res = await fetch(`${run.sysproUrl}/_sandbox/suppliers/${supplier}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ SupplierName: name }) });
      if (!res.ok) throw new Error(`bench: changing ${supplier} in the SYSPRO simulator answered ${res.status}: ${await res.text()}`);
      made.push({ supplier, name, at });
    }
    const arrivals = await until(run, 'every change written to Coupa', 120_000, async () => {
      const res = await fetch(`${run.coupaUrl}/_sandbox/requests?path=/api/suppliers&limit=10000`);
      const seen = new Map<string, number>();
      for (const r of (await res.json()) as Logged[]) {
        const body = JSON.stringify(r.body ?? '');
        if (!body.includes(marker)) continue;
        for (const m of made) if (!seen.has(m.name) && body.includes(`"${m.name}"`)) seen.set(m.name, Date.parse(r.at));
      }
      return seen.size >= made.length ? seen : undefined;
    });
    const latencies = made.map((m) => (arrivals.get(m.name)! - m.at) / 1000).sort((a, b) => a - b);
    const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(latencies, p)) as [number, number, number];
    // Split at the poller's commit (each supplier is changed once while suppliers ≥ changes).
    const published = await run.publishedAt(made.map((m) => m.supplier));
    const split = made.flatMap((m) => (published.has(m.supplier) && changes <= suppliers ? [{ poller: (published.get(m.supplier)! - m.at) / 1000, writer: (arrivals.get(m.name)! - published.get(m.supplier)!) / 1000 }] : []));
    const part = (values: number[]) => {
      const sorted = values.sort((a, b) => a - b);
      return sorted.length === 0 ? 'n/a' : `p50 ${fmt(percentile(sorted, 50), 2)} s, p99 ${fmt(percentile(sorted, 99), 2)} s`;
    };
    const goal = intervalSeconds + 1;
    console.log(`(c) latency SYSPRO change → Coupa: ${changes} supplier renames at ${perSecond}/s, poll interval ${intervalSeconds} s, ${fmt(suppliers)} suppliers already in Coupa`);
    console.log(`    p50 ${fmt(p50, 2)} s   p95 ${fmt(p95, 2)} s   p99 ${fmt(p99, 2)} s   max ${fmt(latencies.at(-1)!, 2)} s   (goal p99 ≤ ${goal} s)`);
    console.log(`    change → poller's Kafka commit: ${part(split.map((x) => x.poller))};  commit → Coupa: ${part(split.map((x) => x.writer))}`);
    return [
      {
        path: 'latency: SYSPRO change → Coupa (p99) (syspro-to-coupa)',
        measured: p99,
        unit: 's',
        goal: `≤ poll interval + 1 s (${goal} s)`,
        met: p99 <= goal,
        note: `p50 ${fmt(p50, 2)} s, p95 ${fmt(p95, 2)} s; ${changes} changes at ${perSecond}/s, poll every ${intervalSeconds} s`,
      },
    ];
  } finally {
    await run.close();
  }
}

interface Logged {
  at: string;
  url: string;
  status?: number;
  body?: unknown;
}

/** (b) The writer's limiter against a Coupa limit it is configured for: share of the limit used, 429s. */
async function limiter(env: Required<BenchEnv>, suppliers: number, perSecond: number, burst: number): Promise<SummaryRow[]> {
  const run = await setUp(env, suppliers, 1000, { rateLimit: { perSecond, burst } }, { perSecond, burst });
  try {
    run.startPoller();
    // A full backlog first, so the writer is never waiting for work and the limiter is the bound.
    await until(run, 'the backlog published', 120_000, async () => ((await run.published()).count >= suppliers ? true : undefined));
    run.startWriter();
    await until(run, 'every supplier in Coupa', Math.max(120_000, (suppliers * 4 * 1000) / perSecond), async () => ((await run.coupaSuppliers()) >= suppliers ? true : undefined));
    const res = await fetch(`${run.coupaUrl}/_sandbox/requests?path=/api&limit=100000`);
    const calls = ((await res.json()) as Logged[]).map((c) => ({ at: Date.parse(c.at), status: c.status }));
    const times = calls.map((c) => c.at).sort((a, b) => a - b);
    // The bucket starts full: the burst is free, the rest arrives at the refill rate.
    const seconds = (times.at(-1)! - times[0]!) / 1000;
    const ceiling = burst + perSecond * seconds;
    const throttled = calls.filter((c) => c.status === 429).length;
    const accepted = calls.length - throttled;
    console.log(`(b) limiter: ${fmt(suppliers)} suppliers, Coupa simulator limiting at ${perSecond}/s burst ${burst}, writer configured the same`);
    console.log(`    Coupa API calls                ${fmt(calls.length)} in ${fmt(seconds, 1)} s (${fmt(calls.length / suppliers, 2)} per supplier)`);
    console.log(`    accepted calls/s               ${fmt(accepted / seconds, 1)}  = ${fmt((100 * accepted) / ceiling, 1)} % of the limit (burst + ${perSecond}/s × duration)`);
    console.log(`    429s seen                      ${fmt(throttled)}`);
    console.log(`    suppliers/s                    ${fmt(suppliers / seconds, 1)}`);
    return [
      {
        path: 'coupa-writer accepted Coupa calls vs the limit (syspro-to-coupa)',
        measured: accepted / seconds,
        unit: 'calls/s',
        reference: { label: `limit ${perSecond}/s burst ${burst}:`, value: ceiling / seconds },
        ratio: accepted / ceiling,
        note: `${throttled} 429s`,
      },
    ];
  } finally {
    await run.close();
  }
}

async function runBench(args: BenchArgs, env: BenchEnv): Promise<SummaryRow[]> {
  if (!env.kafkaBrokers || !env.schemaRegistryUrl || !env.databaseUrl) throw new BenchUsageError('needs KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL (or .stack/stack.env)');
  const full = { kafkaBrokers: env.kafkaBrokers, schemaRegistryUrl: env.schemaRegistryUrl, databaseUrl: env.databaseUrl };
  const only = args.only;
  if (only !== undefined && only !== 'backfill' && only !== 'poller' && only !== 'limiter' && only !== 'latency') throw new BenchUsageError('--only must be backfill, poller, limiter or latency');
  // 20k by default: a 100k run takes about 9 minutes on the shared dev machine, bound by the
  // simulators (see the README), not by the services.
  const rows: SummaryRow[] = [];
  if (only === undefined || only === 'backfill' || only === 'poller') {
    // `poller`: the backfill's first part only (the poller alone), for measuring the poller's CPU per record.
    rows.push(...(await backfill(full, intOption(args, 'suppliers', 20_000), intOption(args, 'page-size', 1000), intOption(args, 'coupa-latency-ms', 0), only !== 'poller')));
  }
  if (only === undefined || only === 'latency') rows.push(...(await latency(full, intOption(args, 'latency-suppliers', 200), intOption(args, 'changes', 100), intOption(args, 'changes-per-second', 5))));
  if (only === undefined || only === 'limiter') rows.push(...(await limiter(full, intOption(args, 'limited-suppliers', 300), intOption(args, 'per-second', 25), intOption(args, 'burst', 20))));
  return rows;
}

const bench: Bench = {
  description:
    'SYSPRO → Coupa through syspro-poller and coupa-writer (child processes): backfill rec/s with Coupa unlimited ' +
    '[--suppliers 20000 (issue 4 asks 100000) --page-size 1000 --coupa-latency-ms 0], latency of a SYSPRO change to Coupa p50/p95/p99 [--latency-suppliers 200 --changes 100 --changes-per-second 5], ' +
    'and limiter use of a Coupa rate limit [--limited-suppliers 300 --per-second 25 --burst 20] [--only backfill|poller|latency|limiter]',
  run: runBench,
};
export default bench;
