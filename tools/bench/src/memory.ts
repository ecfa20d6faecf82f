import { execFileSync, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { BenchUsageError, intOption, type Bench, type BenchArgs, type BenchEnv, type SummaryRow } from './bench.js';
import { makeMemoryCgroup, podLimits, type MemoryCgroup } from './pod.js';
import { setUp, until, type Run } from './syspro-to-coupa.js';

// Memory of each service during a SYSPRO → Coupa backfill of suppliers and purchase orders: the
// services run their main.ts as child processes (as deployed) and their resident set is sampled
// from /proc while the backlog flows through them.

const ROOT = resolve(import.meta.dirname, '../../..');

/** Issue 15's bound per service. */
export const RSS_LIMIT_MB = 256;
/** The SYSPRO simulator's default lines per order are 1..5 (3 on average). */
const MAX_LINES_PER_ORDER = 5;
const AVERAGE_LINES_PER_ORDER = (1 + MAX_LINES_PER_ORDER) / 2;

export interface MemorySample {
  /** Resident set now (VmRSS), bytes. */
  rss: number;
  /** Peak resident set of the process's life so far (VmHWM), bytes. */
  hwm: number;
}

/** VmRSS and VmHWM of a /proc/<pid>/status text; undefined when either is missing (the process is gone). */
export function parseProcStatus(text: string): MemorySample | undefined {
  const kb = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
    return match === null ? undefined : Number(match[1]) * 1024;
  };
  const rss = kb('VmRSS');
  const hwm = kb('VmHWM');
  return rss === undefined || hwm === undefined ? undefined : { rss, hwm };
}

async function sample(pid: number): Promise<MemorySample | undefined> {
  try {
    return parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Peak of the samples taken of one process: the highest VmHWM seen and the highest VmRSS sampled. */
export interface MemoryTrace {
  name: string;
  peakHwm: number;
  peakRss: number;
  samples: number;
  /** How the service ran: its pod's memory limit as a cgroup, or why not; its Node options. */
  pod?: { limitBytes: number; cgroup: 'enforced' | string; nodeOptions: readonly string[]; cgroupPeakBytes?: number | undefined; oomKills: number };
}

/** Samples every `intervalMs` until stopped; keeps only the peaks (bounded, whatever the run's length). */
function trace(name: string, pid: number, intervalMs: number): { stop(): Promise<MemoryTrace> } {
  const result: MemoryTrace = { name, peakHwm: 0, peakRss: 0, samples: 0 };
  let running = true;
  const take = async () => {
    const s = await sample(pid);
    if (s === undefined) return;
    result.samples += 1;
    result.peakHwm = Math.max(result.peakHwm, s.hwm);
    result.peakRss = Math.max(result.peakRss, s.rss);
  };
  const loop = (async () => {
    while (running) {
      await take();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await take();
      return result;
    },
  };
}

/**
 * Records not yet committed by a group on these topics. A partition may end with a transaction
 * marker (the poller writes in transactions) that a consumer commits past only on a later fetch:
 * one offset per partition is allowed for it.
 */
async function lagOf(admin: Admin, groupId: string, topics: readonly string[]): Promise<{ lag: number; total: number }> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  let lag = 0;
  let total = 0;
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const partitions = committed.find((t) => t.topic === topic)?.partitions ?? [];
    for (const end of ends) {
      const offset = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      total += Number(end.high);
      lag += Math.max(0, Number(end.high) - Math.max(offset, 0) - 1);
    }
  }
  return { lag, total };
}

const mb = (bytes: number) => bytes / (1024 * 1024);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** How a service ran, for the row's note: `in its pod's 256Mi cgroup, --max-old-space-size=128`. */
export function podNote(pod: NonNullable<MemoryTrace['pod']>): string {
  const limit = `${fmt(mb(pod.limitBytes))}Mi`;
  const where = pod.cgroup === 'enforced' ? `in its pod's ${limit} cgroup` : `pod limit ${limit} not enforced: ${pod.cgroup}`;
  const options = pod.nodeOptions.length === 0 ? 'no NODE_OPTIONS' : pod.nodeOptions.join(' ');
  const peak = pod.cgroupPeakBytes === undefined ? '' : `; cgroup peak ${fmt(mb(pod.cgroupPeakBytes))} MB with page cache`;
  const killed = pod.oomKills > 0 ? `; OOM-KILLED ${pod.oomKills}x at the limit` : '';
  return `${where}, ${options}${peak}${killed}`;
}

export function memoryRows(traces: readonly MemoryTrace[], suppliers: number, poLines: number, partial?: string): SummaryRow[] {
  return traces.map((t) => ({
    path: `RSS of ${t.name}, ${fmt(suppliers)}-supplier + ${fmt(poLines)}-PO-line backfill (memory)`,
    measured: mb(t.peakHwm),
    unit: 'MB',
    reference: { label: 'limit', value: RSS_LIMIT_MB },
    ratio: mb(t.peakHwm) / RSS_LIMIT_MB,
    goal: `< ${RSS_LIMIT_MB} MB`,
    // A process killed at its pod's limit never shows the peak it wanted: killed is not met.
    met: mb(t.peakHwm) < RSS_LIMIT_MB && (t.pod?.oomKills ?? 0) === 0,
    note: ['peak VmHWM', ...(t.pod === undefined ? [] : [podNote(t.pod)]), ...(partial === undefined ? [] : [partial])].join('; '),
  }));
}

async function run(args: BenchArgs, env: BenchEnv): Promise<SummaryRow[]> {
  const suppliers = intOption(args, 'suppliers', 10_000);
  const poLines = intOption(args, 'po-lines', 100_000);
  const intervalMs = intOption(args, 'sample-ms', 250);
  // Unset: the NODE_OPTIONS of the service's Deployment (deploy/k8s/base), as its pod runs it.
  const heapMb = args['max-old-space-mb'] === undefined ? undefined : intOption(args, 'max-old-space-mb', 0);
  const inCgroup = args['no-cgroup'] === undefined;
  // The writer is the slow part (about 35 records/s on the loaded dev box in 2026-11): by default
  // the run stops after this long and reports the peaks so far, saying how far the writer got.
  const timeoutMs = intOption(args, 'timeout-s', 300) * 1000;
  if (!env.kafkaBrokers || !env.schemaRegistryUrl || !env.databaseUrl) throw new BenchUsageError('needs KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL (or .stack/stack.env)');
  const full = { kafkaBrokers: env.kafkaBrokers, schemaRegistryUrl: env.schemaRegistryUrl, databaseUrl: env.databaseUrl };
  const purchaseOrders = Math.max(1, Math.round(poLines / AVERAGE_LINES_PER_ORDER));
  console.log(
    `memory: ${fmt(suppliers)} suppliers + ${fmt(purchaseOrders)} purchase orders (1–${MAX_LINES_PER_ORDER} lines each, about ${fmt(poLines)} lines), ` +
      `SYSPRO → syspro-poller → Kafka → coupa-writer + audit, Coupa simulator unlimited; RSS sampled every ${intervalMs} ms` +
      (heapMb === undefined ? '; services run with their Deployment\'s NODE_OPTIONS' : `; services run with --max-old-space-size=${heapMb}`) +
      (inCgroup ? ", each in a memory cgroup of its pod's limit" : ''),
  );
  // Each service as its pod runs it: the Deployment's limit (a cgroup) and NODE_OPTIONS.
  const services = ['syspro-poller', 'coupa-writer', 'audit'] as const;
  const pods = new Map<string, { limitBytes: number; nodeOptions: string[]; cgroup: MemoryCgroup | { unavailable: string } | undefined }>();
  for (const service of services) {
    const limits = podLimits(service);
    const nodeOptions = heapMb === undefined ? limits.nodeOptions : [...limits.nodeOptions.filter((o) => !o.startsWith('--max-old-space-size')), `--max-old-space-size=${heapMb}`];
    pods.set(service, { limitBytes: limits.memoryLimitBytes, nodeOptions, cgroup: inCgroup ? makeMemoryCgroup(service, limits.memoryLimitBytes) : undefined });
  }
  const cgroupOf = (service: string) => {
    const c = pods.get(service)?.cgroup;
    return c === undefined || 'unavailable' in c ? undefined : c;
  };
  // As the image runs them: compiled (an up-to-date build is a no-op).
  execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-b'], { cwd: ROOT, stdio: 'inherit' });
  const started = performance.now();
  const removeCgroups = () => {
    for (const service of services) cgroupOf(service)?.remove();
  };
  const run: Run = await setUp(full, suppliers, 1000, { rateLimit: false }, undefined, {
    purchaseOrders,
    maxLinesPerOrder: MAX_LINES_PER_ORDER,
    compiled: true,
    placement: (service) => {
      const pod = pods.get(service);
      return pod === undefined ? undefined : { nodeArgs: pod.nodeOptions, cgroupProcs: cgroupOf(service)?.procs };
    },
  }).catch((error: unknown) => {
    removeCgroups();
    throw error;
  });
  const kafka = new Kafka({ clientId: 'bench-memory', brokers: full.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const traces: { stop(): Promise<MemoryTrace> }[] = [];
  const watch = (name: (typeof services)[number], child: ChildProcess) => traces.push(trace(name, child.pid!, intervalMs));
  try {
    await admin.connect();
    watch('syspro-poller', run.startPoller());
    // The others start once the poller has created the topics (a service that loses that race exits).
    await until(run, 'the first page published', timeoutMs, async () => ((await run.published()).count > 0 ? true : undefined));
    watch('coupa-writer', run.startWriter({ MLC_RATE_LIMIT: 'local' }));
    watch('audit', run.startAudit());
    const expected = suppliers + purchaseOrders;
    const outcomes = `${run.prefix}mlc.outcomes.v1`;
    const deadline = started + timeoutMs;
    let published: number | undefined;
    let partial: string | undefined;
    let entityTopics: string[] = [];
    const killed = () => services.filter((s) => (cgroupOf(s)?.oomKills() ?? 0) > 0);
    for (;;) {
      const failed = run.failure();
      if (failed) {
        // Killed at its pod's limit: that is the finding, reported in the rows, not a broken run.
        if (killed().length === 0) throw failed;
        partial = `stopped: ${killed().join(', ')} OOM-killed at the pod limit`;
        break;
      }
      if (published === undefined) {
        const { count } = await run.published();
        if (count >= expected) {
          published = performance.now();
          entityTopics = (await admin.listTopics()).filter((t) => t.startsWith(`${run.prefix}syspro.`));
          continue;
        }
        if (performance.now() > deadline) {
          partial = `stopped at --timeout-s ${timeoutMs / 1000}: poller published ${fmt(count)} of ${fmt(expected)} records`;
          break;
        }
      } else {
        const writer = await lagOf(admin, `${run.prefix}coupa-writer`, entityTopics);
        const audit = await lagOf(admin, `${run.prefix}audit`, [...entityTopics, outcomes]);
        if (writer.lag === 0 && audit.lag === 0) break;
        if (performance.now() > deadline) {
          partial = `stopped at --timeout-s ${timeoutMs / 1000}: writer ${fmt(writer.total - writer.lag)} of ${fmt(writer.total)} records, audit ${fmt(audit.total - audit.lag)} of ${fmt(audit.total)}`;
          break;
        }
      }
      await new Promise((done) => setTimeout(done, 1000));
    }
    const seconds = (performance.now() - started) / 1000;
    const results = await Promise.all(traces.map((t) => t.stop()));
    traces.length = 0;
    for (const t of results) {
      const pod = pods.get(t.name)!;
      const cgroup = cgroupOf(t.name);
      t.pod = {
        limitBytes: pod.limitBytes,
        cgroup: cgroup !== undefined ? 'enforced' : pod.cgroup === undefined ? '--no-cgroup' : (pod.cgroup as { unavailable: string }).unavailable,
        nodeOptions: pod.nodeOptions,
        cgroupPeakBytes: cgroup?.peakBytes(),
        oomKills: cgroup?.oomKills() ?? 0,
      };
    }
    const self = parseProcStatus(await readFile('/proc/self/status', 'utf8'));
    const publishedIn = published === undefined ? '' : `published in ${fmt((published - started) / 1000, 1)} s, `;
    console.log(`    ${publishedIn}${partial ?? 'all consumed and audited'} after ${fmt(seconds, 1)} s (${fmt(await run.coupaSuppliers())} suppliers in Coupa)`);
    console.log(`    ${'service'.padEnd(34)}${'peak RSS'.padStart(10)}${'max sampled'.padStart(13)}${'samples'.padStart(9)}   vs ${RSS_LIMIT_MB} MB`);
    for (const t of results) {
      const verdict = (t.pod?.oomKills ?? 0) > 0 ? 'OOM-KILLED' : mb(t.peakHwm) < RSS_LIMIT_MB ? 'under' : 'OVER';
      console.log(`    ${t.name.padEnd(34)}${`${fmt(mb(t.peakHwm))} MB`.padStart(10)}${`${fmt(mb(t.peakRss))} MB`.padStart(13)}${String(t.samples).padStart(9)}   ${verdict.padEnd(6)}  ${podNote(t.pod!)}`);
    }
    if (self !== undefined) console.log(`    ${'bench process (both simulators)'.padEnd(34)}${`${fmt(mb(self.hwm))} MB`.padStart(10)}${`${fmt(mb(self.rss))} MB`.padStart(13)}            (context: the sandbox, not a service)`);
    return memoryRows(results, suppliers, poLines, partial);
  } finally {
    await Promise.all(traces.map((t) => t.stop()));
    await admin.disconnect().catch(() => undefined);
    await run.close();
    removeCgroups();
  }
}

const bench: Bench = {
  description:
    'peak RSS of syspro-poller, coupa-writer and audit (child processes) during a SYSPRO → Coupa backfill of suppliers and purchase orders, vs 256 MB ' +
    '[--suppliers 10000 --po-lines 100000 (issue 15 asks 100000 + 1000000) --sample-ms 250 --timeout-s 300 (then the peaks so far) --max-old-space-mb N (instead of the Deployment\'s NODE_OPTIONS) --no-cgroup (do not enforce the pod limits)]',
  run,
};
export default bench;
