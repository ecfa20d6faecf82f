import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { createPool } from '@mlc/db';
import { SANDBOX_MAPPINGS, coupaEndpoint, sandboxConnections, startCoupaSimulator, startInforSimulator } from '@mlc/sandbox';
import { killChild, startReadyService, waitFor } from '@mlc/testing';
import { calloutHeaders, summarize, supplierBody } from './load.js';
import { BenchUsageError, intOption, type Bench, type BenchArgs, type BenchEnv, type SummaryRow } from './bench.js';

// Coupa call-out → coupa-gateway → Kafka → infor-writer → Infor M3 (the simulator's ION API
// gateway, limiting at its sandbox default), both services as child processes running their
// main.ts, as deployed. Latency per supplier: from sending its call-out to the gateway until its
// CRS620MI AddSupplier arrives at the simulator (the simulator's request log, ms resolution).

const HMAC_SECRET = 'bench-callout-secret';
/** The Infor simulator's gateway limit as `npm run sandbox` starts it (and the connection default). */
const SANDBOX_REQUESTS_PER_MINUTE = 300;
/** M3 requests per new supplier: CRS620MI GetBasicData (not there yet), then AddSupplier. */
const M3_CALLS_PER_SUPPLIER = 2;
export const GOAL_P99_MS = 1000;

interface LoggedRequest {
  at: string;
  url: string;
  status?: number;
}

/** When each supplier's AddSupplier reached the simulator, by SUNO (the first, if retried). */
export function addSupplierTimes(log: readonly LoggedRequest[]): Map<string, number> {
  const times = new Map<string, number>();
  for (const entry of log) {
    const url = new URL(entry.url, 'http://simulator');
    if (!url.pathname.endsWith('/CRS620MI/AddSupplier')) continue;
    const suno = url.searchParams.get('SUNO');
    if (suno !== null && !times.has(suno)) times.set(suno, Date.parse(entry.at));
  }
  return times;
}

async function run(args: BenchArgs, env: BenchEnv): Promise<SummaryRow[]> {
  const count = intOption(args, 'count', 40);
  if (count >= 9_998) throw new BenchUsageError('--count must be below 9998 (supplier numbers fit M3\'s 10-character SUNO)');
  // Suppliers per second offered; 1/s is 2 M3 calls/s, 40 % of the sandbox's 300/min.
  const perSecondTenths = intOption(args, 'per-second-tenths', 10);
  const perSecond = perSecondTenths / 10;
  const limitPerSecond = SANDBOX_REQUESTS_PER_MINUTE / 60;
  if (perSecond * M3_CALLS_PER_SUPPLIER >= limitPerSecond) {
    throw new BenchUsageError(`--per-second-tenths ${perSecondTenths}: ${perSecond} suppliers/s is ${perSecond * M3_CALLS_PER_SUPPLIER} M3 calls/s, not under the limit of ${limitPerSecond}/s`);
  }
  const { kafkaBrokers, schemaRegistryUrl, databaseUrl } = env;
  if (!kafkaBrokers || !schemaRegistryUrl || !databaseUrl) throw new BenchUsageError('KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL are needed: start the stack with `npm run stack -- up`');

  const tag = randomBytes(5).toString('hex');
  const connection = `bench-c2m-${tag}`;
  const prefix = `${connection}.`;
  // SUNO is 10 characters at most: a short run tag and the index.
  const run = tag.slice(0, 3).toUpperCase();
  const infor = await startInforSimulator({ sizes: { suppliers: 0, purchaseOrders: 0, poLines: 0 }, requestsPerMinute: SANDBOX_REQUESTS_PER_MINUTE });
  // Only for the gateway's connection settings (its Coupa API is used for invoices' PO lines, not here).
  const coupa = await startCoupaSimulator({ seed: 5, sizes: { suppliers: 0, purchaseOrders: 0, invoices: 0, lookupValues: 0 } });
  const dir = mkdtempSync(join(tmpdir(), 'bench-callout-m3-'));
  writeFileSync(join(dir, 'tenant.ionapi'), JSON.stringify(infor.ionapi), { mode: 0o600 });
  const connectionsFile = join(dir, 'connections.json');
  // The sandbox's own connection (`npm run sandbox` writes the same), under this run's id.
  const sandbox = sandboxConnections({
    coupa: coupaEndpoint(coupa),
    infor: { ionapiFile: 'tenant.ionapi', company: infor.state.company, division: infor.state.division },
    webhookSecret: HMAC_SECRET,
  });
  const [generated] = sandbox.connections;
  const file = {
    ...sandbox,
    connections: [
      {
        ...generated!,
        id: connection,
        infor: { ...generated!.infor!, requestsPerMinute: SANDBOX_REQUESTS_PER_MINUTE },
        // The bench's suppliers pay 'Net 30', which M3 knows by a 3-character TEPY.
        mappings: { ...generated!.mappings, infor: { ...SANDBOX_MAPPINGS.infor, supplier: { paymentTerms: { 'Net 30': '030' } } } },
      },
    ],
  };
  writeFileSync(connectionsFile, JSON.stringify(file), { mode: 0o600 });
  const children: ChildProcess[] = [];
  const serviceEnv = { KAFKA_BROKERS: kafkaBrokers, SCHEMA_REGISTRY_URL: schemaRegistryUrl, DATABASE_URL: databaseUrl, MLC_CONNECTIONS_FILE: connectionsFile, MLC_TOPIC_PREFIX: prefix, MLC_CONNECTIONS: connection };
  const kafka = new Kafka({ clientId: `bench-${tag}`, brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  try {
    const gateway = await startReadyService('coupa-gateway', serviceEnv, children);
    await startReadyService('infor-writer', serviceEnv, children);
    const calloutUrl = `http://127.0.0.1:${gateway.port}/webhooks/coupa/${connection}`;
    const m3Requests = async () => {
      const res = await fetch(`${infor.url}/_sandbox/requests?path=/${infor.ionapi.ti}/M3/&limit=1000000`);
      return (await res.json()) as LoggedRequest[];
    };
    const suno = (i: number) => `L${run}${i}`;
    /** Sends supplier `i`'s call-out; resolves with when it was sent and when the gateway answered 200. */
    const callout = async (i: number) => {
      const body = supplierBody(i, suno(i));
      const sent = Date.now();
      const res = await fetch(calloutUrl, { method: 'POST', headers: calloutHeaders(body, HMAC_SECRET), body, signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`call-out ${suno(i)} answered ${res.status}: ${text.slice(0, 300)}`);
      return { sent, answered: Date.now() };
    };
    const arrived = async (numbers: readonly string[], timeoutMs: number) =>
      waitFor(
        async () => {
          const times = addSupplierTimes(await m3Requests());
          return numbers.every((n) => times.has(n)) ? times : undefined;
        },
        { timeoutMs, intervalMs: 250, message: `${numbers.length} suppliers written to M3` },
      );

    // Warm-up outside the clock: the writer's ION token and connections, JIT, the consumer's first fetch.
    const warm = [9_998, 9_999];
    for (const i of warm) await callout(i);
    await arrived(warm.map(suno), 120_000);

    // Open loop at `perSecond`: call-out i is sent at i / perSecond s, whatever the others do.
    const started = Date.now();
    const sends = Array.from({ length: count }, async (_, i) => {
      await sleep(Math.max(0, started + (i * 1000) / perSecond - Date.now()));
      return callout(i);
    });
    const answers = await Promise.all(sends);
    const numbers = answers.map((_, i) => suno(i));
    const times = await arrived(numbers, 120_000 + (count / perSecond) * 1000);
    const latencies = answers.map((a, i) => times.get(suno(i))! - a.sent);
    const gatewayLatencies = answers.map((a) => a.answered - a.sent);
    const log = await m3Requests();
    const throttled = log.filter((r) => r.status === 429).length;
    const result = summarize(latencies, (Math.max(...times.values()) - started) / 1000);
    const gatewayResult = summarize(gatewayLatencies, result.seconds);
    const ms = (n: number) => `${Math.round(n).toLocaleString('en-US')} ms`;
    console.log(
      `callout-to-m3: ${count} supplier call-outs at ${perSecond}/s (${perSecond * M3_CALLS_PER_SUPPLIER} M3 calls/s; ION limit ${SANDBOX_REQUESTS_PER_MINUTE}/min = ${limitPerSecond}/s), coupa-gateway and infor-writer as child processes, brokers ${kafkaBrokers}`,
    );
    console.log(`call-out sent → AddSupplier at the M3 simulator   p50 ${ms(result.p50)}   p95 ${ms(result.p95)}   p99 ${ms(result.p99)}   max ${ms(result.max)}`);
    console.log(`call-out sent → gateway's 200 (on Kafka)           p50 ${ms(gatewayResult.p50)}   p95 ${ms(gatewayResult.p95)}   p99 ${ms(gatewayResult.p99)}`);
    console.log(`M3 requests in the run ${log.length}, 429s ${throttled}`);
    return [
      {
        path: 'latency: Coupa call-out → M3 under the limit (callout-to-m3)',
        measured: result.p99 / 1000,
        unit: 's',
        reference: { label: 'p50', value: result.p50 / 1000 },
        goal: '< 1 s (p99)',
        met: result.p99 < GOAL_P99_MS,
        note: `${count} suppliers at ${perSecond}/s (${Math.round(((perSecond * M3_CALLS_PER_SUPPLIER) / limitPerSecond) * 100)} % of the ION limit): p95 ${(result.p95 / 1000).toFixed(2)} s; gateway p99 ${Math.round(gatewayResult.p99)} ms; ${throttled} 429s`,
      },
    ];
  } finally {
    await Promise.all(children.map((child) => killChild(child)));
    const topics = (await admin.connect().then(() => admin.listTopics()).catch(() => [] as string[])).filter((name) => name.startsWith(prefix));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    const db = createPool(databaseUrl, { max: 1, applicationName: 'bench' });
    for (const table of ['coupa_gateway_deliveries', 'coupa_gateway_rejections', 'mlc_target_records', 'mlc_sync_state', 'mlc_parked_records', 'mlc_rate_limits']) {
      await db.query(`delete from ${table} where connection = $1`, [connection]).catch(() => undefined);
    }
    await db.end();
    await Promise.allSettled([infor.close(), coupa.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const bench: Bench = {
  description: 'latency p50/p95/p99 from a Coupa supplier call-out to its write at the M3 simulator, coupa-gateway + infor-writer as processes, under the ION limit; --count, --per-second-tenths',
  run,
};
export default bench;
