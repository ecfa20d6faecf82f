import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { topicFor } from '@mlc/events';
import { BenchUsageError, intOption, type Bench, type BenchArgs, type BenchEnv, type SummaryRow } from './bench.js';
import { setUp, until, type Run } from './syspro-to-coupa.js';

// 1, 2 and 3 coupa-writer replicas (child processes running main.ts, as deployed) against one
// Coupa simulator that enforces its rate limit with 429s: the replicas share the connection's
// limit through PostgreSQL (MLC_RATE_LIMIT=shared, the default). A last row runs 3 replicas with
// local limiters (MLC_RATE_LIMIT=local), the behaviour before shared limits, for contrast.

interface Logged {
  at: string;
  status?: number;
}

interface Row {
  label: string;
  replicas: number;
  calls: number;
  accepted: number;
  throttled: number;
  seconds: number;
  /** Accepted calls over what the limit allows in the window (burst + rate × duration). */
  share: number;
  /** Seconds from the first call to each 429 (the first few). */
  throttledAt: number[];
  /** Offsets each replica committed on the supplier topic (records it handled, plus transaction markers): every replica took part. */
  perReplica: number[];
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Waits until the writers' consumer group has `replicas` members and is stable (every replica has its partitions). */
async function groupStable(run: Run, kafka: Kafka, groupId: string, replicas: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await until(run, `${replicas} writer(s) in a stable consumer group`, 180_000, async () => {
      const { groups } = await admin.describeGroups([groupId]);
      const group = groups[0];
      return group?.state === 'Stable' && group.members.length === replicas ? true : undefined;
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Records each group member handled: the supplier partitions it holds, their offsets once the
 * group has committed up to the end of every partition (the poller's transaction markers count
 * as one offset per partition and page).
 */
async function perMember(run: Run, kafka: Kafka, groupId: string, topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    return await until(run, 'every supplier offset committed', 60_000, async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = new Map((offsets?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
      if ([...ends].some(([partition, end]) => (committed.get(partition) ?? 0) < end)) return undefined;
      const { groups } = await admin.describeGroups([groupId]);
      return (groups[0]?.members ?? []).map((member) => {
        const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
        return (assignment?.assignment[topic] ?? []).reduce((sum, partition) => sum + (committed.get(partition) ?? 0), 0);
      });
    });
  } finally {
    await admin.disconnect();
  }
}

async function phase(env: Required<BenchEnv>, label: string, replicas: number, mode: 'shared' | 'local', suppliers: number, perSecond: number, burst: number): Promise<Row> {
  const run = await setUp(env, suppliers, 1000, { rateLimit: { perSecond, burst } }, { perSecond, burst });
  const kafka = new Kafka({ clientId: 'bench-limiter-replicas', brokers: env.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  try {
    // The first replica creates the topics; the others start once they exist (a service that
    // loses the topic-creation race exits, see syspro-to-coupa).
    const writerEnv = { MLC_RATE_LIMIT: mode };
    run.startWriter(writerEnv);
    await groupStable(run, kafka, `${run.connection}.coupa-writer`, 1);
    for (let i = 1; i < replicas; i += 1) run.startWriter(writerEnv);
    await groupStable(run, kafka, `${run.connection}.coupa-writer`, replicas);
    // Every replica holds partitions before the backlog arrives: the poller publishes it at once.
    run.startPoller();
    await until(run, 'every supplier in Coupa', Math.max(180_000, (suppliers * 4 * 1000) / perSecond), async () => ((await run.coupaSuppliers()) >= suppliers ? true : undefined));
    const perReplica = await perMember(run, kafka, `${run.connection}.coupa-writer`, `${run.connection}.${topicFor('syspro', 'supplier')}`);
    const res = await fetch(`${run.coupaUrl}/_sandbox/requests?path=/api&limit=100000`);
    const calls = ((await res.json()) as Logged[]).map((c) => ({ at: Date.parse(c.at), status: c.status }));
    const times = calls.map((c) => c.at).sort((a, b) => a - b);
    const seconds = (times.at(-1)! - times[0]!) / 1000;
    const throttled = calls.filter((c) => c.status === 429).length;
    const throttledAt = calls.filter((c) => c.status === 429).map((c) => (c.at - times[0]!) / 1000).sort((a, b) => a - b).slice(0, 5);
    const accepted = calls.length - throttled;
    return { label, replicas, calls: calls.length, accepted, throttled, seconds, share: accepted / (burst + perSecond * seconds), perReplica, throttledAt };
  } finally {
    await run.close();
  }
}

async function runBench(args: BenchArgs, env: BenchEnv): Promise<SummaryRow[]> {
  if (!env.kafkaBrokers || !env.schemaRegistryUrl || !env.databaseUrl) throw new BenchUsageError('needs KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL (or .stack/stack.env)');
  const full = { kafkaBrokers: env.kafkaBrokers, schemaRegistryUrl: env.schemaRegistryUrl, databaseUrl: env.databaseUrl };
  const suppliers = intOption(args, 'suppliers', 300);
  const perSecond = intOption(args, 'per-second', 25);
  const burst = intOption(args, 'burst', 20);
  const maxReplicas = intOption(args, 'replicas', 3);
  const local = args.local !== 'false';
  // The writers' kafkajs start-up noise (fresh topics without a leader yet) would bury the table;
  // a writer that exits is still reported.
  process.env.MLC_BENCH_LOG_LEVEL ??= 'fatal';
  console.log(`limiter-replicas: ${fmt(suppliers)} suppliers per row (2 Coupa calls each), Coupa simulator limiting at ${perSecond}/s burst ${burst} per OAuth client, writers configured the same`);
  console.log(`${'replicas'.padEnd(30)} ${'calls'.padStart(6)} ${'seconds'.padStart(8)} ${'accepted/s'.padStart(11)} ${'share of limit'.padStart(15)} ${'429s'.padStart(6)} ${'vs 1 replica'.padStart(13)}  offsets per replica`);
  const rows: Row[] = [];
  const print = (row: Row) => {
    const reference = rows[0]!;
    console.log(
      `${row.label.padEnd(30)} ${fmt(row.calls).padStart(6)} ${fmt(row.seconds, 1).padStart(8)} ${fmt(row.accepted / row.seconds, 1).padStart(11)} ${`${fmt(100 * row.share, 1)} %`.padStart(15)} ${fmt(row.throttled).padStart(6)} ${fmt(row.share / reference.share, 2).padStart(13)}  ${row.perReplica.join(' / ')}${row.throttledAt.length > 0 ? `   (429s at +${row.throttledAt.map((t) => fmt(t, 2)).join(', +')} s)` : ''}`,
    );
  };
  for (let replicas = 1; replicas <= maxReplicas; replicas += 1) {
    rows.push(await phase(full, `${replicas} replica(s), shared limit`, replicas, 'shared', suppliers, perSecond, burst));
    print(rows.at(-1)!);
  }
  if (local) {
    rows.push(await phase(full, `${maxReplicas} replica(s), local limits`, maxReplicas, 'local', suppliers, perSecond, burst));
    print(rows.at(-1)!);
  }
  console.log('share of limit = accepted calls / (burst + rate × seconds from the first call to the last); 429s as answered by the simulator');
  return rows.map((row) => ({
    path: `${row.label} (limiter-replicas)`,
    measured: row.accepted / row.seconds,
    unit: 'calls/s',
    reference: { label: `limit ${perSecond}/s burst ${burst}:`, value: (burst + perSecond * row.seconds) / row.seconds },
    ratio: row.share,
    note: `${row.throttled} 429s`,
  }));
}

const bench: Bench = {
  description:
    '1, 2 and 3 coupa-writer replicas (child processes) sharing one Coupa rate limit through PostgreSQL: calls/s as a share of the limit and 429s ' +
    '[--suppliers 300 --per-second 25 --burst 20 --replicas 3 --local false (skip the 3 local-limiter row)]',
  run: runBench,
};
export default bench;
