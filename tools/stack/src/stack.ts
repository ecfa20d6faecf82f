import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BROKER_PORT_STEP, MAX_BROKERS, brokerIds, brokerPorts, layoutFile, stackAddresses, type StackConfig } from './config.js';
import { renderStackEnv } from './env-file.js';
import { brokerAddress, brokerRegistered, kafkaMarker, kafkaPaths, kafkaReady, kafkaVersion, prepareBroker, prepareKafka, startKafka } from './kafka.js';
import { clusterReplication } from './properties.js';
import { databaseReachable, describeDatabase, ensureDatabase } from './postgres.js';
import { isAlive, portInUse, runningPid, stopProcess, tail, waitUntilReady, withLock } from './process.js';
import { ensureScramUser, secureAddresses } from './secure.js';
import { APICURIO_VERSION, REGISTRY_MARKER, prepareRegistry, registryPaths, registryReady, startRegistry } from './registry.js';

export type Say = (line: string) => void;
export type PartName = 'kafka' | 'registry';
/** What `up` can start or check: the two JVM parts and the Postgres database. */
export type StackPart = PartName | 'postgres';

export interface UpOptions {
  /** Default all three. A test that needs only its own Kafka cluster passes `['kafka']`. */
  parts?: readonly StackPart[];
  /**
   * The SASL_SSL and mTLS listeners (certificates once, a SCRAM user once per data directory,
   * ≈ 10 s on a fresh directory). Default true; stack.env lists them only when they work.
   */
  secureListeners?: boolean;
}

/** One process of the stack: a broker (per id) or the registry. */
export interface Part {
  name: PartName;
  /** How progress lines name it: `kafka`, `kafka-2` (a cluster's broker 2), `registry`. */
  tag: string;
  /** Broker id (1..N); undefined for the registry. */
  id?: number;
  label: string;
  marker: string;
  pidFile: string;
  /** Files whose tail explains a failed start. */
  logFiles: string[];
  ports: { port: number; setting: string }[];
  listens: string;
  stopGraceMs: number;
  prepare(): Promise<{ downloaded: boolean }>;
  start(): number;
  ready(): Promise<boolean>;
}

// A clean shutdown (controlled, with flushed logs) avoids log recovery on the next start.
const KAFKA_STOP_GRACE_MS = 30_000;

/** Broker `id`; its `ready` is the whole cluster's readiness for the single broker, its own registration in a cluster. */
export function kafkaPart(config: StackConfig, id: number, { secure = true }: { secure?: boolean } = {}): Part {
  const kafka = kafkaPaths(config, id);
  const ports = brokerPorts(config, id);
  const suffix = (setting: string) => (id === 1 ? setting : `${setting} (+${BROKER_PORT_STEP * (id - 1)} for broker ${id})`);
  return {
    name: 'kafka',
    tag: config.brokers === 1 ? 'kafka' : `kafka-${id}`,
    id,
    label: `Apache Kafka ${kafkaVersion(config)} (KRaft)${config.brokers === 1 ? '' : ` broker ${id}`}`,
    marker: kafkaMarker(config, id),
    pidFile: kafka.pidFile,
    logFiles: [kafka.outFile, kafka.logFile],
    ports: [
      { port: ports.port, setting: suffix('MLC_KAFKA_PORT') },
      { port: ports.controllerPort, setting: suffix('MLC_KAFKA_CONTROLLER_PORT') },
      ...(secure
        ? [
            { port: ports.saslSslPort, setting: suffix('MLC_KAFKA_SASL_SSL_PORT') },
            { port: ports.mtlsPort, setting: suffix('MLC_KAFKA_MTLS_PORT') },
          ]
        : []),
    ],
    listens: brokerAddress(config, id),
    stopGraceMs: KAFKA_STOP_GRACE_MS,
    prepare: async () => {
      if (id === 1) return prepareKafka(config, { secure });
      await prepareBroker(config, id, { secure });
      return { downloaded: false };
    },
    start: () => startKafka(config, id),
    ready: () => (config.brokers === 1 ? kafkaReady(config) : brokerRegistered(config, id)),
  };
}

export function registryPart(config: StackConfig): Part {
  const registry = registryPaths(config);
  return {
    name: 'registry',
    tag: 'registry',
    label: `Apicurio Registry ${APICURIO_VERSION}`,
    marker: REGISTRY_MARKER,
    pidFile: registry.pidFile,
    logFiles: [registry.logFile],
    ports: [{ port: config.registryPort, setting: 'MLC_REGISTRY_PORT' }],
    listens: stackAddresses(config).schemaRegistryUrl,
    stopGraceMs: 15_000,
    prepare: async () => prepareRegistry(config),
    start: () => startRegistry(config),
    ready: () => registryReady(config),
  };
}

function parts(config: StackConfig, { secure = true, registry = true }: { secure?: boolean; registry?: boolean } = {}): Part[] {
  return [...brokerIds(config).map((id) => kafkaPart(config, id, { secure })), ...(registry ? [registryPart(config)] : [])];
}

export const FIRST_START_TIMEOUT_MS = 180_000;

export function failure(part: Part, error: unknown): Error {
  const logs = part.logFiles
    .filter((f) => existsSync(f))
    .map((f) => `--- last lines of ${f} ---\n${tail(f, 40)}`)
    .join('\n');
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(`${part.label} did not start: ${reason}\n${logs}`, { cause: error });
}

/** Starts `part` unless it runs, and waits until it is ready; a failed start is stopped again. */
export async function upPart(part: Part, say: Say, timeoutMs = FIRST_START_TIMEOUT_MS): Promise<void> {
  const existing = runningPid(part.pidFile, part.marker);
  if (existing !== undefined) {
    say(`${partTag(part)}: already running (pid ${existing})`);
    await waitUntilReady(part.label, part.ready, { timeoutMs, alive: () => isAlive(existing) }).catch(
      (error: unknown) => {
        throw failure(part, error);
      },
    );
    return;
  }
  for (const { port, setting } of part.ports) {
    if (await portInUse(port)) {
      throw new Error(`${part.label}: port ${port} on 127.0.0.1 is taken by a process this stack did not start; free it or set ${setting}`);
    }
  }
  const pid = part.start();
  say(`${partTag(part)}: started (pid ${pid}), waiting until ready`);
  try {
    await waitUntilReady(part.label, part.ready, { timeoutMs, alive: () => isAlive(pid) });
  } catch (error) {
    const err = failure(part, error);
    await stopProcess(pid, part.stopGraceMs);
    rmSync(part.pidFile, { force: true });
    throw err;
  }
}

export function partTag(part: Part): string {
  return part.tag;
}

/** Pid files of every broker layout in the state directory: the single broker's and any cluster node's. */
function anyKafkaPids(config: StackConfig): { pidFile: string; pid: number; label: string }[] {
  const layouts = [config.brokers === 1 ? config : { ...config, brokers: 1 }, { ...config, brokers: MAX_BROKERS }];
  const out: { pidFile: string; pid: number; label: string }[] = [];
  for (const layout of layouts) {
    for (const id of brokerIds(layout)) {
      if (layout.brokers === 1 && id > 1) continue;
      const pidFile = kafkaPaths(layout, id).pidFile;
      const pid = runningPid(pidFile, kafkaMarker(layout, id));
      if (pid !== undefined) out.push({ pidFile, pid, label: layout.brokers === 1 ? 'kafka' : `kafka-${id}` });
    }
  }
  return out;
}

/**
 * Brings the stack up, leaving parts that already run alone. A lock file serialises concurrent
 * `up` calls: the second one waits, then finds everything running. `config.brokers` > 1 starts a
 * KRaft cluster (every node broker+controller, replication factor 3, min.insync.replicas 2).
 */
export async function up(config: StackConfig, say: Say, options: UpOptions = {}): Promise<void> {
  const wanted = new Set<StackPart>(options.parts ?? ['kafka', 'registry', 'postgres']);
  const secure = options.secureListeners ?? true;
  mkdirSync(config.stackDir, { recursive: true });
  await withLock(
    join(config.stackDir, 'stack.lock'),
    async () => {
      const all = parts(config, { secure, registry: wanted.has('registry') }).filter((p) => wanted.has(p.name));
      if (wanted.has('kafka')) {
        const ours = new Set(all.map((p) => p.pidFile));
        const other = anyKafkaPids(config).filter((k) => !ours.has(k.pidFile));
        if (other.length > 0) {
          throw new Error(
            `${config.brokers === 1 ? 'a broker cluster' : 'the single broker'} already runs in ${config.stackDir} (${other.map((o) => `${o.label} pid ${o.pid}`).join(', ')}): ` +
              '`npm run stack -- down` first, or use another MLC_STACK_DIR and other ports',
          );
        }
        mkdirSync(join(config.stackDir, 'kafka'), { recursive: true });
        writeFileSync(layoutFile(config.stackDir), `${JSON.stringify({ brokers: config.brokers })}\n`);
      }
      if (wanted.has('postgres')) {
        const { created } = await ensureDatabase(config.databaseUrl);
        say(`postgres: ${describeDatabase(config.databaseUrl)} ${created ? 'created' : 'exists'}`);
      }

      // Downloads and storage formatting run one at a time (they are CPU- and network-bound);
      // the JVMs then start side by side.
      for (const part of all) {
        if (runningPid(part.pidFile, part.marker) !== undefined) continue;
        try {
          const { downloaded } = await part.prepare();
          if (downloaded) say(`${part.name}: downloaded ${part.label} from Maven Central`);
        } catch (error) {
          throw failure(part, error);
        }
      }
      const results = await Promise.allSettled(all.map((part) => upPart(part, say)));
      const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (errors.length > 0) {
        throw errors.length === 1 ? errors[0] : new AggregateError(errors, errors.map((e) => (e as Error).message).join('\n\n'));
      }
      if (wanted.has('kafka') && config.brokers > 1) {
        // Each node answered; now the cluster as a whole: all registered, acks=all, coordinator.
        const kafkaParts = all.filter((p) => p.name === 'kafka');
        await waitUntilReady(`Kafka cluster of ${config.brokers}`, () => kafkaReady(config), {
          timeoutMs: FIRST_START_TIMEOUT_MS,
          alive: () => kafkaParts.every((p) => runningPid(p.pidFile, p.marker) !== undefined),
        }).catch((error: unknown) => {
          throw failure(kafkaParts[0]!, error);
        });
      }

      const secureUp = wanted.has('kafka') && secure && (await ensureScramUser(config, kafkaPaths(config).libs)) ? secureAddresses(config) : undefined;
      const envFile = join(config.stackDir, 'stack.env');
      writeFileSync(envFile, renderStackEnv(stackAddresses(config), secureUp));
      for (const part of all) say(`${partTag(part).padEnd(9)} ${part.listens}  ${part.label}`);
      if (wanted.has('kafka') && config.brokers > 1) {
        const replication = clusterReplication(config.brokers);
        say(`kafka     ${config.brokers} brokers: default.replication.factor ${replication['default.replication.factor']}, min.insync.replicas ${replication['min.insync.replicas']}`);
      }
      if (wanted.has('kafka') && secure) {
        say(
          secureUp === undefined
            ? 'kafka     secure listeners not up (the broker predates them): `down` and `up` to add them'
            : `kafka     ${secureUp.saslSsl} SASL_SSL (PLAIN, SCRAM), ${secureUp.mtls} SSL with client certificates; files in ${secureUp.dir}`,
        );
      }
      if (wanted.has('postgres')) say(`${'postgres'.padEnd(9)} ${describeDatabase(config.databaseUrl)}`);
      say(`wrote ${envFile}`);
    },
    { onWait: (owner) => say(`another \`stack up\` (pid ${owner}) is running; waiting for it`) },
  );
}

/** Stops what `up` started, by recorded pid. Safe when nothing runs. */
export async function down(config: StackConfig, say: Say): Promise<void> {
  // Every broker found, whatever layout: a failed `up --brokers 3` may have left nodes behind.
  // They stop side by side: stopped one by one, the last nodes of a cluster would wait for a
  // controller quorum that is already gone.
  const brokers = anyKafkaPids(config);
  if (brokers.length === 0) say('kafka: not running');
  await Promise.all(
    brokers.map(async ({ pidFile, pid, label }) => {
      const how = await stopProcess(pid, KAFKA_STOP_GRACE_MS);
      say(`${label}: ${how === 'killed' ? `killed (pid ${pid}) after ${KAFKA_STOP_GRACE_MS / 1000} s` : `stopped (pid ${pid})`}`);
      rmSync(pidFile, { force: true });
    }),
  );
  const registry = registryPart(config);
  const pid = runningPid(registry.pidFile, registry.marker);
  if (pid === undefined) {
    say('registry: not running');
  } else {
    const how = await stopProcess(pid, registry.stopGraceMs);
    say(`registry: ${how === 'killed' ? `killed (pid ${pid}) after ${registry.stopGraceMs / 1000} s` : `stopped (pid ${pid})`}`);
  }
  rmSync(registry.pidFile, { force: true });
  rmSync(layoutFile(config.stackDir), { force: true });
  rmSync(join(config.stackDir, 'stack.env'), { force: true });
}

/** Prints what runs where; resolves true when every part runs and answers. */
export async function status(config: StackConfig, say: Say): Promise<boolean> {
  let allUp = true;
  for (const part of parts(config)) {
    const pid = runningPid(part.pidFile, part.marker);
    const ready = pid !== undefined && (await part.ready().catch(() => false));
    allUp &&= ready;
    const state = pid === undefined ? 'stopped' : ready ? `running (pid ${pid})` : `starting or unhealthy (pid ${pid})`;
    say(`${partTag(part).padEnd(9)} ${state.padEnd(22)} ${part.listens}  ${part.label}`);
  }
  if (config.brokers > 1) {
    const ready = await kafkaReady(config).catch(() => false);
    allUp &&= ready;
    say(`${'cluster'.padEnd(9)} ${(ready ? 'serving acks=all' : 'not serving').padEnd(22)} ${stackAddresses(config).kafkaBrokers}`);
  }
  const db = await databaseReachable(config.databaseUrl);
  allUp &&= db;
  say(`${'postgres'.padEnd(9)} ${(db ? 'reachable' : 'unreachable').padEnd(22)} ${describeDatabase(config.databaseUrl)}`);
  return allUp;
}

export function logFiles(config: StackConfig, which?: PartName): string[] {
  return parts(config)
    .filter((p) => which === undefined || p.name === which)
    .flatMap((p) => p.logFiles);
}
