import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import kafkajs from 'kafkajs';
import pg from 'pg';
import type { Cluster, Infra } from './infra.js';
import { compareKeys, deadLetterProblem, failed, logDigest, type ScenarioResult } from './measure.js';
import { startServices, type ServiceGroup, type ServiceName } from './services.js';
import {
  addCoupaSupplier,
  addM3Supplier,
  addSysproSupplier,
  coupaSuppliers,
  m3Suppliers,
  registerCallouts,
  startSystems,
  sysproSupplierKeys,
  type SystemName,
  type Systems,
} from './systems.js';

const { Kafka, logLevel } = kafkajs;

/** A path records take: where they are made, where they must arrive, and who carries them. */
export interface Flow {
  source: SystemName;
  target: SystemName;
  /** The writer whose outcome completes a record's trail. */
  writer: ServiceName;
  services: readonly ServiceName[];
}

export const FLOWS = {
  'syspro-coupa': { source: 'syspro', target: 'coupa', writer: 'coupa-writer', services: ['syspro-poller', 'coupa-writer'] },
  'coupa-m3': { source: 'coupa', target: 'infor', writer: 'infor-writer', services: ['coupa-gateway', 'infor-writer'] },
  'coupa-syspro': { source: 'coupa', target: 'syspro', writer: 'syspro-writer', services: ['coupa-gateway', 'syspro-writer'] },
  'm3-coupa': { source: 'infor', target: 'coupa', writer: 'coupa-writer', services: ['infor-poller', 'coupa-writer'] },
} as const satisfies Record<string, Flow>;
export type FlowName = keyof typeof FLOWS;

export interface Sizes {
  /** Records made before the fault, per source. */
  records: number;
  /** Length of outages (vendor, broker, database). */
  outageMs: number;
  /** Longest wait for every record to arrive after the fault. */
  recoverTimeoutMs: number;
  /** Quiet time after recovery before counting (late duplicates). */
  settleMs: number;
}

// Short: kill-all restarts seven services at once on CI's two cores; it recovered in 25-44 s here
// under an extra busy process, so 75 s was too little margin (tools/chaos/README.md, "CI").
export const SHORT: Sizes = { records: 12, outageMs: 6_000, recoverTimeoutMs: 120_000, settleMs: 1_500 };
export const FULL: Sizes = { records: 80, outageMs: 45_000, recoverTimeoutMs: 300_000, settleMs: 5_000 };

export interface ScenarioContext {
  short: boolean;
  sizes: Sizes;
  systems: Systems;
  infra: Infra;
  /** The three-broker cluster, for scenarios that run on it. */
  cluster: Cluster | undefined;
  services: ServiceGroup;
  /** Adds `count` new records to every source of the scenario (records sent during the fault); `syspro` adds columns to the n-th SYSPRO row. */
  addRecords(count: number, columns?: { syspro?: (n: number) => Record<string, unknown> }): Promise<void>;
  /** Records a failed check (shown in the table's result; fails the run). */
  problem(text: string): void;
  say(line: string): void;
}

/** The services that take the writers' settings (libs/writer WriterEnv). */
const WRITERS: ReadonlySet<ServiceName> = new Set<ServiceName>(['coupa-writer', 'infor-writer', 'syspro-writer']);

export interface Scenario {
  name: string;
  summary: string;
  flows: readonly FlowName[];
  /** Services beyond the flows' own (audit always runs). */
  extraServices?: readonly ServiceName[];
  /**
   * Environment for the scenario's writers (e.g. a compressed retry budget): the writers' own
   * settings, which the other services refuse as unknown keys.
   */
  writerEnv?: (sizes: Sizes) => NodeJS.ProcessEnv;
  /** Merged into the scenario's connection (its own cursor column, time zone, …). */
  connection?: Record<string, unknown>;
  /** Runs before the services start (simulator settings). */
  prepare?(systems: Systems): Promise<void>;
  /**
   * Runs audit and checks every record's trail in the short form too (the full form always does):
   * for the scenarios where the trail is the point. Saves a process per scenario in CI.
   */
  trail?: boolean;
  /**
   * The scenario makes records the pipeline must refuse, so dead letters are expected. Otherwise
   * (every scenario so far: valid records, transient faults) a dead letter fails the row.
   */
  deadLettersExpected?: boolean;
  /** Runs on the three-broker cluster instead of the single broker. */
  cluster?: boolean;
  /** Faults the shared infrastructure (broker, registry, database): runs alone, never beside another scenario. */
  exclusive?: boolean;
  /** Runs after the first records are flowing. Adds the records sent during the fault itself. Resolves when the fault is over. */
  fault(ctx: ScenarioContext): Promise<void>;
  /** Extra checks once every record arrived (content, forged records absent). */
  check?(ctx: ScenarioContext): Promise<void>;
}

async function targetKeys(systems: Systems, target: SystemName): Promise<string[]> {
  if (target === 'coupa') return (await coupaSuppliers(systems)).flatMap((s) => (s.number ? [s.number] : []));
  if (target === 'infor') return (await m3Suppliers(systems)).map((s) => s.SUNO);
  return sysproSupplierKeys(systems);
}

/**
 * Records on the DLQ topics of this run's prefix, read committed (the pollers write theirs in
 * Kafka transactions, so offsets alone would count commit markers): a consumer from the start,
 * until it has been in its group and idle for two seconds. `codes`: how many per component and
 * `mlc-dlq-code` (`coupa-writer MLC_HTTP_CLIENT_ERROR`), what the row says when it fails on them.
 */
async function countDeadLetters(brokers: string, prefix: string): Promise<{ count: number; codes: Record<string, number> }> {
  const kafka = new Kafka({ clientId: 'mlc-chaos', brokers: brokers.split(','), logLevel: logLevel.NOTHING, connectionTimeout: 5_000, retry: { retries: 3 } });
  const admin = kafka.admin();
  await admin.connect();
  let topics: string[];
  try {
    topics = [];
    for (const topic of (await admin.listTopics()).filter((t) => t.startsWith(prefix) && t.endsWith('.dlq.v1'))) {
      const offsets = await admin.fetchTopicOffsets(topic);
      if (offsets.some((o) => BigInt(o.high) > BigInt(o.low))) topics.push(topic);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const codes: Record<string, number> = {};
  if (topics.length === 0) return { count: 0, codes };
  const consumer = kafka.consumer({ groupId: `${prefix}chaos-dlq-count-${randomBytes(3).toString('hex')}`, readUncommitted: false });
  let count = 0;
  let joinedAt: number | undefined;
  let last = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt = Date.now();
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        count += 1;
        last = Date.now();
        // DLQ_HEADERS.code of @mlc/kafka, which this tool reads from outside, as `mlc dlq` would.
        const code = message.headers?.['mlc-dlq-code']?.toString() ?? 'no code';
        const key = `${topic.slice(prefix.length, -'.dlq.v1'.length)} ${code}`;
        codes[key] = (codes[key] ?? 0) + 1;
      },
    });
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline && (joinedAt === undefined || Date.now() - Math.max(joinedAt, last) < 2_000)) await delay(200);
    if (joinedAt === undefined) throw new Error('the DLQ counting consumer never joined its group');
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return { count, codes };
}

/** Records with no event or no final outcome of the flow's writer in audit's log. */
async function trailGaps(databaseUrl: string, connection: string, checks: Array<{ keys: string[]; source: SystemName; writer: string }>): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000, statement_timeout: 15_000 });
  await db.connect();
  try {
    let gaps = 0;
    for (const { keys, source, writer } of checks) {
      const { rows } = await db.query<{ key: string }>(
        `select e.entity_key as key from audit_events e
          where e.connection = $1 and e.entity_type = 'supplier' and e.source = $2 and e.entity_key = any($4)
            and exists (select 1 from audit_outcomes o where o.connection = $1 and o.entity_type = 'supplier' and o.entity_key = e.entity_key
                        and o.writer = $3 and o.status in ('created', 'updated', 'unchanged'))
          group by e.entity_key`,
        [connection, source, writer, keys],
      );
      gaps += keys.length - rows.length;
    }
    return gaps;
  } catch {
    // Tables not there yet (audit never got going): every record lacks its trail.
    return checks.reduce((n, c) => n + c.keys.length, 0);
  } finally {
    await db.end().catch(() => undefined);
  }
}

function uniqueServices(scenario: Scenario, audit: boolean): ServiceName[] {
  const names = new Set<ServiceName>([...scenario.flows.flatMap((f) => FLOWS[f].services), ...(scenario.extraServices ?? []), ...(audit ? (['audit'] as const) : [])]);
  return [...names];
}

/**
 * One scenario from start to table row: its own simulators, connection and topic prefix, the real
 * services as child processes on the shared private infrastructure; first records, the fault
 * (during which more records are made), recovery, then the count in the targets.
 */
export async function runScenario(scenario: Scenario, options: { infra: Infra; sizes: Sizes; short: boolean; say: (line: string) => void }): Promise<ScenarioResult> {
  const id = `chaos-${scenario.name}-${randomBytes(3).toString('hex')}`.slice(0, 63);
  const dir = join(options.infra.dir, 'runs', id);
  mkdirSync(dir, { recursive: true });
  const result = await play(scenario, options, id, dir);
  // A failed row carries what its services' logs say (CI deletes the folder with the run).
  if (failed(result)) result.logs = serviceLogDigests(dir);
  return result;
}

/** Each service's log digest (warnings, errors, supervisor lines) in a run's folder. */
function serviceLogDigests(dir: string): Record<string, string[]> {
  const digests: Record<string, string[]> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.log')).sort()) {
    digests[file.slice(0, -'.log'.length)] = logDigest(readFileSync(join(dir, file), 'utf8'));
  }
  return digests;
}

async function play(scenario: Scenario, { infra, sizes, short, say }: { infra: Infra; sizes: Sizes; short: boolean; say: (line: string) => void }, id: string, dir: string): Promise<ScenarioResult> {
  const started = Date.now();
  const prefix = `${id}.`;
  const flows = scenario.flows.map((name) => FLOWS[name]);
  const sources = new Set(flows.map((f) => f.source));
  const keys: Record<SystemName, string[]> = { syspro: [], coupa: [], infor: [] };
  const problems: string[] = [];
  const result = (fields: Partial<ScenarioResult>): ScenarioResult => ({
    scenario: scenario.name,
    sent: 0,
    inTarget: 0,
    duplicates: 0,
    lost: 0,
    deadLettered: 0,
    recoverMs: null,
    trailGaps: null,
    problems,
    seconds: 0,
    ...fields,
  });

  const systems = await startSystems({ dir, connection: id, sysproSuppliers: sources.has('syspro') ? sizes.records : 1, ...(scenario.connection ? { patch: scenario.connection } : {}) });
  let services: ServiceGroup | undefined;
  let serial = 0;
  const addRecords = async (count: number, columns: { syspro?: (n: number) => Record<string, unknown> } = {}, from: ReadonlySet<SystemName> = sources) => {
    const made: Array<Promise<void>> = [];
    for (let i = 0; i < count; i += 1) {
      serial += 1;
      const n = String(serial).padStart(5, '0');
      if (from.has('syspro')) {
        keys.syspro.push(`SX${n}`);
        made.push(addSysproSupplier(systems, `SX${n}`, columns.syspro?.(i)));
      }
      if (from.has('coupa')) {
        keys.coupa.push(`CX${n}`);
        made.push(addCoupaSupplier(systems, `CX${n}`).then(() => undefined));
      }
      if (from.has('infor')) {
        keys.infor.push(`MX${n}`);
        made.push(addM3Supplier(systems, `MX${n}`));
      }
    }
    await Promise.all(made);
  };
  const progress = async () => {
    let present = 0;
    let wanted = 0;
    const lost: string[] = [];
    for (const flow of flows) {
      const comparison = compareKeys(keys[flow.source], await targetKeys(systems, flow.target));
      present += keys[flow.source].length - comparison.lost;
      wanted += keys[flow.source].length;
      lost.push(...comparison.lostKeys.map((k) => `${k}→${flow.target}`));
    }
    return { present, wanted, lost };
  };

  let cluster: Cluster | undefined;
  let brokers = infra.addresses.kafkaBrokers;
  try {
    if (scenario.cluster) {
      cluster = await infra.cluster();
      brokers = cluster.kafkaBrokers;
    }
    await scenario.prepare?.(systems);
    const audit = !short || scenario.trail === true || (scenario.extraServices ?? []).includes('audit');
    const names = uniqueServices(scenario, audit);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_BROKERS: brokers,
      SCHEMA_REGISTRY_URL: infra.addresses.schemaRegistryUrl,
      DATABASE_URL: infra.addresses.databaseUrl,
      MLC_CONNECTIONS_FILE: systems.connectionsFile,
      MLC_TOPIC_PREFIX: prefix,
      MLC_TOPIC_PARTITIONS: '3',
      MLC_AUDIT_TOPIC_SCAN_MS: '2000',
      MLC_LEADER_RETRY_MS: '1000',
      LOG_LEVEL: process.env.MLC_CHAOS_LOG_LEVEL ?? 'info',
      SHUTDOWN_TIMEOUT_MS: '8000',
      // Short form: a killed consumer's partitions are handed over after 6 s (the least Kafka
      // allows) instead of the default 30 s session timeout.
      ...(short ? { MLC_KAFKA_SESSION_TIMEOUT_MS: '6000', MLC_KAFKA_HEARTBEAT_MS: '1000' } : {}),
    };
    const writerEnv = scenario.writerEnv?.(sizes) ?? {};
    const perService = Object.fromEntries(names.filter((name) => WRITERS.has(name)).map((name) => [name, writerEnv]));
    say(`${scenario.name}: starting ${names.join(', ')} (logs in ${dir})`);
    services = await startServices({ names, env, logDir: dir, perService });
    await services.ready(names, 180_000);
    say(`${scenario.name}: services ready after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (names.includes('coupa-gateway')) await registerCallouts(systems, services.services.get('coupa-gateway')!.url);

    if (sources.has('syspro')) for (let i = 1; i <= sizes.records; i += 1) keys.syspro.push(`S${String(i).padStart(6, '0')}`);
    // The first records of the other sources; SYSPRO's are seeded in the simulator.
    const others = new Set([...sources].filter((s) => s !== 'syspro'));
    if (others.size > 0) await addRecords(sizes.records, {}, others);
    // Records made later are numbered after these.
    serial = sizes.records;

    // Mid-sync: some records have arrived, most have not.
    const firstDeadline = Date.now() + 90_000;
    for (;;) {
      const { present, wanted } = await progress();
      if (present >= Math.max(1, Math.floor(wanted / 5)) || Date.now() > firstDeadline) break;
      await delay(200);
    }
    const ctx: ScenarioContext = { short, sizes, systems, infra, cluster, services, addRecords, problem: (text) => problems.push(text), say };
    say(`${scenario.name}: fault after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    await scenario.fault(ctx);
    const faultEnd = Date.now();

    let recoverMs: number | null = null;
    const deadline = faultEnd + sizes.recoverTimeoutMs;
    for (;;) {
      const { present, wanted } = await progress();
      if (present >= wanted) {
        recoverMs = Date.now() - faultEnd;
        break;
      }
      if (Date.now() > deadline) break;
      await delay(300);
    }
    say(`${scenario.name}: ${recoverMs === null ? 'did not recover' : `recovered in ${(recoverMs / 1000).toFixed(1)} s`}`);
    await delay(sizes.settleMs);
    await scenario.check?.(ctx);

    // Outcomes name the writer by its consumer group, which carries the topic prefix.
    const checks = flows.map((f) => ({ keys: keys[f.source], source: f.source, writer: `${prefix}${f.writer}` }));
    let gaps = audit ? await trailGaps(infra.addresses.databaseUrl, id, checks) : null;
    // Audit may be the one that was killed: its trail gets as long as the records got.
    const trailDeadline = Math.max(Date.now() + 20_000, deadline);
    while (gaps !== null && gaps > 0 && Date.now() < trailDeadline) {
      await delay(500);
      gaps = await trailGaps(infra.addresses.databaseUrl, id, checks);
    }

    let sent = 0;
    let inTarget = 0;
    let duplicates = 0;
    let lost = 0;
    const lostKeys: string[] = [];
    for (const flow of flows) {
      const c = compareKeys(keys[flow.source], await targetKeys(systems, flow.target));
      sent += keys[flow.source].length;
      inTarget += c.inTarget;
      duplicates += c.duplicates;
      lost += c.lost;
      lostKeys.push(...c.lostKeys.map((k) => `${k}→${flow.target}`));
    }
    if (lostKeys.length > 0) say(`${scenario.name}: lost ${lostKeys.slice(0, 8).join(', ')}${lostKeys.length > 8 ? ', …' : ''}`);
    const dead = await countDeadLetters(brokers, prefix).catch((error: unknown) => {
      problems.push(`DLQ not counted: ${(error as Error).message}`);
      return { count: 0, codes: {} };
    });
    const dlqProblem = deadLetterProblem({ deadLettered: dead.count, deadLetterCodes: dead.codes }, scenario.deadLettersExpected === true);
    if (dlqProblem !== undefined) problems.push(dlqProblem);
    return result({ sent, inTarget, duplicates, lost, deadLettered: dead.count, deadLetterCodes: dead.codes, recoverMs, trailGaps: gaps, seconds: (Date.now() - started) / 1000 });
  } catch (error) {
    const { present, wanted } = await progress().catch(() => ({ present: 0, wanted: 0 }));
    return result({ sent: wanted, inTarget: present, lost: wanted - present, error: (error as Error).message, seconds: (Date.now() - started) / 1000 });
  } finally {
    await services?.stop().catch(() => undefined);
    await systems.close();
  }
}


/**
 * Runs scenarios `concurrency` at a time (each has its own prefix, connection and simulators);
 * exclusive ones (they fault the shared broker, registry or database) alone, after the others.
 * Results come back in the order given.
 */
export async function runScenarios(
  scenarios: readonly Scenario[],
  { concurrency, run, stopped = () => false }: { concurrency: number; run: (scenario: Scenario) => Promise<ScenarioResult>; stopped?: () => boolean },
): Promise<ScenarioResult[]> {
  const results = new Map<Scenario, ScenarioResult>();
  const shared = scenarios.filter((s) => !s.exclusive);
  let next = 0;
  const lane = async () => {
    while (next < shared.length && !stopped()) {
      const scenario = shared[next]!;
      next += 1;
      results.set(scenario, await run(scenario));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  for (const scenario of scenarios.filter((s) => s.exclusive)) {
    if (stopped()) break;
    results.set(scenario, await run(scenario));
  }
  return scenarios.flatMap((s) => (results.has(s) ? [results.get(s)!] : []));
}
