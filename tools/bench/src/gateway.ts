import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import Fastify, { type FastifyInstance } from 'fastify';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Secret } from '@mlc/config';
import { DEFAULT_COUPA_MAPPING } from '@mlc/coupa';
import { GATEWAY_POOL, buildGatewayApp, createBatchingPublisher, createDeliveryLog, createRejectionLog, GATEWAY_MIGRATIONS, normalize, verifySignature, type DeliveryLog, type GatewayAppParams } from '@mlc/coupa-gateway';
import { coalesce, createPool, migrate } from '@mlc/db';
import { createRegistryCodec, type CanonicalEvent } from '@mlc/events';
import { createEventProducer } from '@mlc/kafka';
import { createLogger } from '@mlc/log';
import { TARGET_RECORDS_MIGRATIONS, createTargetRecordStore } from '@mlc/writer';
import { openLoopLatency, startLoadWorker, summarize, supplierBody, type LoadResult, type LoadTarget } from './load.js';
import { BenchUsageError, intOption, type Bench, type BenchArgs, type BenchEnv, type SummaryRow } from './bench.js';
import { jvmCpuSeconds, machineBusySeconds, mainThreadCpuSeconds, postgresCpuSeconds } from './proc-cpu.js';

const SECRET = 'bench-hmac-secret';

/** Issue 15's latency goal: p99 below this at half the max rate measured in the same run. */
export const LATENCY_GOAL_MS = 20;

/** The waits of a published call-out, each timed where the gateway makes it (ms). */
export const STAGES = ['claim', 'kafka ack', 'completion'] as const;
export type Stage = (typeof STAGES)[number];
export type StageLatencies = Record<Stage, LoadResult>;

/**
 * Times the three waits of each call-out of the gateway (the claim, beside which the echo check
 * runs; the publish until Kafka's ack, queueing behind the send in flight included; the
 * completion), by wrapping the delivery log and the publisher the bench hands the gateway: the
 * gateway's own code is not touched. Only while `start()`ed, so one phase is read: where the
 * open loop's p99 goes. What a caller waits for beyond their sum is HTTP, the event loop's queue
 * and the load client's own scheduling.
 */
export function createStageTimer(): {
  deliveries(log: DeliveryLog): DeliveryLog;
  publish(publish: GatewayAppParams['publish']): GatewayAppParams['publish'];
  start(): void;
  stop(seconds: number): StageLatencies;
} {
  let timings: Record<Stage, number[]> | undefined;
  const perStage = <T>(of: (stage: Stage) => T) => Object.fromEntries(STAGES.map((stage) => [stage, of(stage)])) as Record<Stage, T>;
  const timed = async <T>(stage: Stage, wait: Promise<T>): Promise<T> => {
    const into = timings?.[stage];
    if (into === undefined) return wait;
    const started = performance.now();
    try {
      return await wait;
    } finally {
      into.push(performance.now() - started);
    }
  };
  return {
    deliveries: (log) => ({
      ...log,
      claim: (delivery, leaseMs) => timed('claim', log.claim(delivery, leaseMs)),
      complete: (connection, coupaEventId, token, outcome) => timed('completion', log.complete(connection, coupaEventId, token, outcome)),
    }),
    publish: (publish) => (topic, event, options) => timed('kafka ack', publish(topic, event, options)),
    start: () => {
      timings = perStage(() => []);
    },
    stop: (seconds) => {
      const taken = timings;
      timings = undefined;
      return perStage((stage) => summarize(taken?.[stage] ?? [], seconds));
    },
  };
}

/** `claim 1.6 / 10.7, kafka ack 1.2 / 11.1, completion 1.6 / 8.3 ms (p50 / p99)`. */
export function stagesNote(stages: StageLatencies): string {
  return `${STAGES.map((stage) => `${stage} ${stages[stage].p50.toFixed(1)} / ${stages[stage].p99.toFixed(1)}`).join(', ')} ms (p50 / p99)`;
}

/**
 * The whole machine during a phase, per request: CPU of every process (the bench's threads, the
 * load client included), of PostgreSQL and of the JVMs (Kafka, registry), and the share of all
 * cores busy. A batching gateway shares less at a lower rate, so its CPU per call-out rises there.
 */
export interface MachineLoad {
  busyShare: number;
  machineUs: number;
  postgresUs: number | undefined;
  jvmUs: number | undefined;
}

/** Runs `phase` and reads the machine's load over it, per request of `count`; undefined without /proc. */
export async function measureMachine<T>(count: number, phase: () => Promise<T>): Promise<[T, MachineLoad | undefined]> {
  const sample = () => ({ at: process.hrtime.bigint(), busy: machineBusySeconds(), postgres: postgresCpuSeconds(), jvm: jvmCpuSeconds() });
  const before = sample();
  const result = await phase();
  const after = sample();
  if (before.busy === undefined || after.busy === undefined) return [result, undefined];
  const per = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : ((b - a) * 1e6) / count);
  const wallSeconds = Number(after.at - before.at) / 1e9;
  return [result, { busyShare: (after.busy - before.busy) / (wallSeconds * availableParallelism()), machineUs: per(before.busy, after.busy)!, postgresUs: per(before.postgres, after.postgres), jvmUs: per(before.jvm, after.jvm) }];
}

/** What a phase cost the machine, for a note. */
export function machineNote({ busyShare, machineUs, postgresUs, jvmUs }: MachineLoad): string {
  const us = (n: number | undefined) => (n === undefined ? '?' : `${n.toFixed(0)} µs`);
  return `machine ${(busyShare * 100).toFixed(0)} % busy, CPU per call-out ${us(machineUs)} (Postgres ${us(postgresUs)}, Kafka + registry ${us(jvmUs)})`;
}

/** The floor route's phases: closed loop, CPU per request, open loop at the gateway's half rate. */
export interface FloorResults {
  closed: LoadResult;
  cpuUs: number | undefined;
  half: LoadResult;
}

/**
 * The `all` rows: the closed-loop max rates as a ratio, and p99 of the open-loop phase at half
 * the gateway's max rate against issue 15's goal (p99 < 20 ms there). With `floor`, the floor
 * route's ratio is a row of context: the most any receiver of signed call-outs reaches here; with
 * `kept`, the kept floor's (`keptFloorApp`): the most one that validates and deduplicates reaches.
 */
export function gatewayRows(
  bare: LoadResult,
  gateway: LoadResult,
  halfRate: { gateway: LoadResult; bare: LoadResult; kafkaAck: LoadResult; postgres: LoadResult; perSecond: number; machine?: MachineLoad | undefined; stages?: StageLatencies | undefined },
  cpuUs?: { bare: number | undefined; gateway: number | undefined },
  floor?: FloorResults,
  kept?: FloorResults,
): SummaryRow[] {
  const ratio = gateway.perSecond / bare.perSecond;
  const ms = (n: number) => n.toFixed(1);
  const us = (n: number | undefined) => (n === undefined ? '?' : `${n.toFixed(0)} µs`);
  const floorRow = (path: string, what: string, { closed, cpuUs: floorCpu, half }: FloorResults): SummaryRow => ({
    path,
    measured: closed.perSecond,
    unit: 'req/s',
    reference: { label: 'bare fastify', value: bare.perSecond },
    ratio: closed.perSecond / bare.perSecond,
    note: `context: ${what}; CPU/req ${us(floorCpu)}; open loop at the same half rate p99 ${ms(half.p99)} ms (p50 ${ms(half.p50)})`,
  });
  const floorRows: SummaryRow[] = [
    ...(floor === undefined ? [] : [floorRow('gateway floor vs bare fastify: HMAC, parse, claim, acks=all send, nothing else (gateway)', 'the highest gateway / bare ratio a receiver of signed call-outs reaches here (claim and send side by side)', floor)]),
    ...(kept === undefined
      ? []
      : [
          floorRow(
            'gateway kept floor vs bare fastify: the floor + mapping and validation, claim then send (gateway)',
            'the highest ratio a receiver that validates, deduplicates (claim before send) and sends the registered event reaches here; no echo check, completion, logs or metrics',
            kept,
          ),
        ]),
  ];
  const cpu: SummaryRow[] =
    cpuUs?.bare === undefined || cpuUs.gateway === undefined
      ? []
      : [
          {
            path: 'gateway verified call-outs vs bare fastify, CPU per request of the serving thread (gateway)',
            measured: cpuUs.gateway,
            unit: 'µs CPU/req',
            reference: { label: 'bare fastify', value: cpuUs.bare },
            ratio: cpuUs.bare / cpuUs.gateway,
            note: 'context: the rate ratio if the serving thread had a core of its own',
          },
        ];
  return [
    { path: 'gateway verified call-outs vs bare fastify (gateway)', measured: gateway.perSecond, unit: 'req/s', reference: { label: 'bare fastify', value: bare.perSecond }, ratio, goal: '≥ 0.5', met: ratio >= 0.5 },
    ...cpu,
    {
      path: 'gateway p99 latency at half its max rate (gateway)',
      measured: halfRate.gateway.p99,
      unit: 'ms',
      reference: { label: 'bare fastify p99', value: halfRate.bare.p99 },
      goal: `< ${LATENCY_GOAL_MS} ms at half max rate`,
      met: halfRate.gateway.p99 < LATENCY_GOAL_MS,
      note: `open loop at ${Math.round(halfRate.perSecond)} req/s: p50 ${ms(halfRate.gateway.p50)}, p95 ${ms(halfRate.gateway.p95)} ms; floor p99: Kafka ack ${ms(halfRate.kafkaAck.p99)}, Postgres ${ms(halfRate.postgres.p99)} ms${
        kept === undefined ? '' : `, kept floor route ${ms(kept.half.p99)} ms`
      }${
        halfRate.stages === undefined ? '' : `; the gateway's waits: ${stagesNote(halfRate.stages)}`
      }${halfRate.machine === undefined ? '' : `; ${machineNote(halfRate.machine)}`}`,
    },
    ...floorRows,
  ];
}

/** A fastify app with one route taking signed call-outs as the gateway does: the body kept as bytes, its HMAC verified (`verifySignature`), the JSON parsed; `handle` does the rest. */
function signedRoute(handle: (coupaEventId: string, record: unknown, body: Buffer) => Promise<{ status: string }>): FastifyInstance {
  const app = Fastify();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const secret = new Secret(SECRET);
  app.post('/webhooks/coupa/:connection', async (req, reply) => {
    const body = req.body as Buffer;
    if (!verifySignature(secret, body, req.headers['x-coupa-signature'] as string | undefined)) return reply.code(401).send({ error: 'bad-signature' });
    const record: unknown = JSON.parse(body.toString('utf8'));
    return handle(String(req.headers['x-coupa-event-id']), record, body);
  });
  return app;
}

/**
 * The floor: what any receiver of signed call-outs that deduplicates them and answers only once
 * Kafka holds them must do per request, done as cheaply as we know how. The body is kept as bytes,
 * its HMAC verified as the gateway does (`verifySignature`), the JSON parsed, the Coupa event id claimed in Postgres and
 * the body sent to Kafka (idempotent, acks=all); it answers after both. Claims arriving together
 * share one `insert … select from unnest … on conflict do nothing`, and sends one produce request
 * (`coalesce`, as the gateway's completions do). No mapping, no validation against the event
 * schema, no echo check, no completion, no logging, no metrics: each of those the gateway keeps is
 * above this line. Its rate against the bare route bounds the gateway's ratio on this machine.
 * The claim and the send run side by side, so a duplicate is sent too: a bound, not a receiver
 * one could ship (`keptFloorApp` is that one).
 */
function floorApp(db: ReturnType<typeof createPool>, producer: Producer, topic: string, table: string): FastifyInstance {
  const claim = coalesce(async (ids: readonly string[]) => {
    await db.query({ name: `floor-claim-${table}`, text: `insert into ${table} (id) select unnest($1::text[]) on conflict do nothing`, values: [ids] });
    return ids.map(() => undefined);
  });
  const send = coalesce(async (messages: readonly { key: string; value: Buffer }[]) => {
    await producer.send({ topic, acks: -1, messages: [...messages] });
    return messages.map(() => undefined);
  });
  return signedRoute(async (id, _record, body) => {
    await Promise.all([claim(id), send({ key: id, value: body })]);
    return { status: 'ok' };
  });
}

/**
 * The floor with the guarantees the issue keeps: the floor, plus the mapping and validation of the
 * Coupa record into its canonical event (`normalize`: the zod pass over data from outside, the
 * content hash and the event id), the claim awaited before the send (a duplicate is not sent),
 * and the event sent as the gateway sends it (`publishBatch`: the registry codec, acks=all,
 * idempotent, one request per partition). Claims and sends arriving together share one statement
 * and one send. No echo check, no completion, no logs, no metrics, no publish timeout: what the
 * gateway does beyond this is ours to make cheaper; no receiver that validates and deduplicates
 * does less.
 */
function keptFloorApp(db: ReturnType<typeof createPool>, publishBatch: (topic: string, events: readonly CanonicalEvent[]) => Promise<void>, topic: string, table: string, connection: string): FastifyInstance {
  const claim = coalesce(async (ids: readonly string[]) => {
    const { rows } = await db.query<{ id: string }>({ name: `floor-kept-claim-${table}`, text: `insert into ${table} (id) select unnest($1::text[]) on conflict do nothing returning id`, values: [ids] });
    const claimed = new Set(rows.map((row) => row.id));
    return ids.map((id) => claimed.has(id));
  });
  const send = coalesce(async (events: readonly CanonicalEvent[]) => {
    await publishBatch(topic, events);
    return events.map(() => undefined);
  });
  return signedRoute(async (id, record) => {
    const normalized = normalize({ connection, eventType: 'supplier.updated', coupaEventId: id, record, mapping: DEFAULT_COUPA_MAPPING, observedAt: new Date() });
    if (!normalized.ok) throw normalized.error;
    if (!(await claim(id))) return { status: 'duplicate' };
    await send(normalized.event);
    return { status: 'published' };
  });
}

async function run(args: BenchArgs, env: BenchEnv): Promise<SummaryRow[]> {
  const count = intOption(args, 'count', 3000);
  const concurrency = intOption(args, 'concurrency', 32);
  // 15 s: at 5 s a p99 rests on a few dozen requests, and one stall moved it 45-188 ms between
  // runs of the same code; at 15 s two runs gave 71 and 74 ms.
  const openSeconds = intOption(args, 'open-seconds', 15);
  const { kafkaBrokers, schemaRegistryUrl, databaseUrl } = env;
  if (!kafkaBrokers || !schemaRegistryUrl || !databaseUrl) {
    throw new BenchUsageError('KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL are needed: start the stack with `npm run stack -- up`');
  }
  const logger = createLogger({ name: 'bench-gateway', level: 'error' });
  const suffix = randomBytes(6).toString('hex');
  const connection = `bench-${suffix}`;
  const topic = `coupa.suppliers.v1-${suffix}`;

  // The service's pool settings (generic plans), so its statements cost here what they cost there.
  const db = createPool(databaseUrl, { max: 10, applicationName: 'bench', ...GATEWAY_POOL });
  const kafka = new Kafka({ clientId: 'bench-gateway', brokers: kafkaBrokers.split(','), logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  const codec = createRegistryCodec({ registryUrl: schemaRegistryUrl, logicalTopic: (name) => name.replace(`-${suffix}`, '') });
  const producer = createEventProducer({ kafka, codec, logger });
  const rawProducer = kafka.producer();
  const floorProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const floorTable = `bench_gateway_floor_${suffix}`;
  const floor = floorApp(db, floorProducer, topic, floorTable);
  // The gateway's sends, as main.ts wires them: the kept floor and the coalescing publisher share it.
  const publishBatch = (t: string, events: readonly CanonicalEvent[]) => producer.publish(t, events);
  const keptFloor = keptFloorApp(db, publishBatch, topic, floorTable, connection);
  const bare = Fastify();
  bare.post('/bare', async () => ({ status: 'ok' }));
  const gatewayWith = (publish: GatewayAppParams['publish'], deliveries: DeliveryLog = createDeliveryLog({ db })) =>
    buildGatewayApp({
      logger,
      connections: new Map([
        [
          connection,
          {
            id: connection,
            hmacSecret: new Secret(SECRET),
            signatureHeader: 'X-Coupa-Signature',
            oauthClients: [],
            tokenTtlSeconds: 3600,
            maxBodyBytes: 256 * 1024,
            mapping: DEFAULT_COUPA_MAPPING,
          },
        ],
      ]),
      publish,
      deliveries,
      rejections: createRejectionLog({ db }),
      targetRecords: createTargetRecordStore({ db }),
      topicOf: () => topic,
    });
  // One send per call-out, as a naive receiver would do, and the coalescing publisher main.ts wires.
  const single = gatewayWith((t, event) => producer.publish(t, [event]));
  // The deployed gateway's waits are timed in its open-loop phase (see `createStageTimer`).
  const stages = createStageTimer();
  const batched = gatewayWith(stages.publish(createBatchingPublisher({ publishBatch })), stages.deliveries(createDeliveryLog({ db })));
  const client = startLoadWorker();
  try {
    await migrate(db, { component: 'coupa-gateway', dir: GATEWAY_MIGRATIONS });
    await db.query(readFileSync(new URL('001_target_records.sql', TARGET_RECORDS_MIGRATIONS), 'utf8'));
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    await db.query(`create table ${floorTable} (id text primary key)`);
    await producer.connect();
    await rawProducer.connect();
    await floorProducer.connect();
    const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });
    const singleUrl = await single.listen({ port: 0, host: '127.0.0.1' });
    const batchedUrl = await batched.listen({ port: 0, host: '127.0.0.1' });
    const floorUrl = await floor.listen({ port: 0, host: '127.0.0.1' });
    const keptFloorUrl = await keptFloor.listen({ port: 0, host: '127.0.0.1' });

    const bareTarget = (offset: number): LoadTarget => ({ kind: 'bare', url: bareUrl, run: suffix, offset });
    const callouts = (url: string, offset: number): LoadTarget => ({ kind: 'callout', url, run: suffix, offset, connection, hmacSecret: SECRET });
    const closed = (target: LoadTarget, n = count) => client.run({ mode: 'closed', count: n, concurrency, target });
    // Warm-up: JIT (here and in the client), connection pools, schema registration.
    const warm = Math.min(300, count);
    await closed(bareTarget(0), warm);
    await closed(callouts(singleUrl, 10_000_000), warm);
    await closed(callouts(batchedUrl, 20_000_000), warm);
    await closed(callouts(floorUrl, 40_000_000), warm);
    await closed(callouts(keptFloorUrl, 70_000_000), warm);

    // CPU of the serving (main) thread per request: the client runs in a worker thread, so it is not in it.
    const cpuPerRequest = async (phase: () => Promise<LoadResult>): Promise<[LoadResult, number | undefined]> => {
      const before = mainThreadCpuSeconds();
      const result = await phase();
      const after = mainThreadCpuSeconds();
      return [result, before === undefined || after === undefined ? undefined : ((after - before) * 1e6) / count];
    };
    const [bareResult, bareCpu] = await cpuPerRequest(() => closed(bareTarget(0)));
    const singleResult = await closed(callouts(singleUrl, 0));
    const [[gatewayResult, gatewayCpu], gatewayMachine] = await measureMachine(count, () => cpuPerRequest(() => closed(callouts(batchedUrl, count))));
    const [floorResult, floorCpu] = await cpuPerRequest(() => closed(callouts(floorUrl, 50_000_000)));
    const [keptFloorResult, keptFloorCpu] = await cpuPerRequest(() => closed(callouts(keptFloorUrl, 80_000_000)));
    // Open loop at half the gateway's max: the latency a caller sees when the gateway is not saturated.
    const halfRate = gatewayResult.perSecond / 2;
    const openCount = Math.max(100, Math.round(halfRate * openSeconds));
    const open = (target: LoadTarget) => client.run({ mode: 'open', perSecond: halfRate, count: openCount, connections: 256, target });
    const halfBare = await open(bareTarget(0));
    stages.start();
    const [halfGateway, halfMachine] = await measureMachine(openCount, () => open(callouts(batchedUrl, 30_000_000)));
    const halfStages = stages.stop(halfGateway.seconds);
    const halfFloor = await open(callouts(floorUrl, 60_000_000));
    const halfKeptFloor = await open(callouts(keptFloorUrl, 90_000_000));
    // The waits the gateway cannot avoid, at the same arrival rate: a Kafka ack (acks=all) and a
    // Postgres round trip; a published call-out waits for 1 ack and 2 round trips (claim, completion).
    const halfKafka = await openLoopLatency(openCount, halfRate, (i) => rawProducer.send({ topic, acks: -1, messages: [{ key: `k${i % 64}`, value: supplierBody(i, 'floor') }] }));
    const halfPg = await openLoopLatency(openCount, halfRate, () => db.query('select 1'));
    const rows = gatewayRows(bareResult, gatewayResult, { gateway: halfGateway, bare: halfBare, kafkaAck: halfKafka, postgres: halfPg, perSecond: halfRate, machine: halfMachine, stages: halfStages }, { bare: bareCpu, gateway: gatewayCpu }, { closed: floorResult, cpuUs: floorCpu, half: halfFloor }, { closed: keptFloorResult, cpuUs: keptFloorCpu, half: halfKeptFloor });

    if (args.json === 'true') {
      console.log(
        JSON.stringify({
          bench: 'gateway',
          count,
          concurrency,
          cpuPerRequestUs: { bare: bareCpu, gateway: gatewayCpu, floor: floorCpu, keptFloor: keptFloorCpu },
          gatewayMachine,
          bare: bareResult,
          gatewaySingleSend: singleResult,
          gateway: gatewayResult,
          floor: floorResult,
          keptFloor: keptFloorResult,
          halfRate: { perSecond: halfRate, bare: halfBare, gateway: halfGateway, floor: halfFloor, keptFloor: halfKeptFloor, kafkaAck: halfKafka, postgres: halfPg, machine: halfMachine, stages: halfStages },
        }),
      );
      return rows;
    }
    const num = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }).padStart(10);
    console.log(`gateway: ${count} requests per path, ${concurrency} concurrent connections (closed loop), client in a worker thread, brokers ${kafkaBrokers}`);
    console.log(`${''.padEnd(52)}${'req/s'.padStart(10)}${'p50 ms'.padStart(10)}${'p95 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'max ms'.padStart(10)}`);
    const row = (name: string, r: LoadResult) => console.log(`${name.padEnd(52)}${num(r.perSecond)}${num(r.p50, 1)}${num(r.p95, 1)}${num(r.p99, 1)}${num(r.max, 1)}`);
    row('bare fastify route (JSON parse, 200)', bareResult);
    row('gateway, one Kafka send per call-out', singleResult);
    row('gateway, coalesced sends (as deployed)', gatewayResult);
    row('floor: HMAC, parse, claim, acks=all send', floorResult);
    row('kept floor: + map and validate, claim, then send', keptFloorResult);
    for (const [name, result] of [['gateway', gatewayResult], ['floor', floorResult], ['kept floor', keptFloorResult]] as const) {
      console.log(`${`ratio ${name} / bare`.padEnd(52)}${(result.perSecond / bareResult.perSecond).toFixed(3).padStart(10)}`);
    }
    const us = (n: number | undefined) => (n === undefined ? '?' : n.toFixed(0));
    console.log(`CPU per request, serving thread (closed loop): bare ${us(bareCpu)} µs, gateway coalesced ${us(gatewayCpu)} µs, floor ${us(floorCpu)} µs, kept floor ${us(keptFloorCpu)} µs`);
    console.log(`open loop at half the gateway's max, ${Math.round(halfRate)} req/s for ${openSeconds} s (latency from each request's scheduled time):`);
    row('bare fastify route', halfBare);
    row('gateway, coalesced sends', halfGateway);
    for (const stage of STAGES) row(`  its wait: ${stage}`, halfStages[stage]);
    row('floor route', halfFloor);
    row('kept floor route', halfKeptFloor);
    row('floor: one Kafka send acknowledged (acks=all)', halfKafka);
    row('floor: one Postgres round trip (select 1)', halfPg);
    if (gatewayMachine !== undefined) console.log(`gateway coalesced, closed loop: ${machineNote(gatewayMachine)}`);
    if (halfMachine !== undefined) console.log(`gateway coalesced, open loop at half rate: ${machineNote(halfMachine)}`);
    return rows;
  } finally {
    await client.close();
    await single.close();
    await batched.close();
    await bare.close();
    await floor.close();
    await keptFloor.close();
    await producer.disconnect().catch(() => undefined);
    await floorProducer.disconnect().catch(() => undefined);
    await rawProducer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await db.query('delete from coupa_gateway_deliveries where connection = $1', [connection]).catch(() => undefined);
    await db.query(`drop table if exists ${floorTable}`).catch(() => undefined);
    await db.end();
  }
}

const bench: Bench = {
  description: 'verified Coupa call-outs/s through coupa-gateway beside a bare fastify route (closed loop), then p50/p95/p99 at half the max rate (open loop); --count, --concurrency, --open-seconds, --json',
  run,
};
export default bench;
