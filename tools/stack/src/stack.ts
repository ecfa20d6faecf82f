import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stackAddresses, type StackConfig } from './config.js';
import { renderStackEnv } from './env-file.js';
import { KAFKA_MAIN_CLASS, kafkaPaths, kafkaReady, kafkaVersion, prepareKafka, startKafka } from './kafka.js';
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

interface Part {
  name: PartName;
  label: string;
  marker: string;
  pidFile: string;
  /** Files whose tail explains a failed start. */
  logFiles: string[];
  ports: { port: number; setting: string }[];
  listens: string;
  stopGraceMs: number;
  prepare(): { downloaded: boolean };
  start(): number;
  ready(): Promise<boolean>;
}

function parts(config: StackConfig): Part[] {
  const kafka = kafkaPaths(config);
  const registry = registryPaths(config);
  const addresses = stackAddresses(config);
  return [
    {
      name: 'kafka',
      label: `Apache Kafka ${kafkaVersion(config)} (KRaft)`,
      marker: KAFKA_MAIN_CLASS,
      pidFile: kafka.pidFile,
      logFiles: [kafka.outFile, kafka.logFile],
      ports: [
        { port: config.kafkaPort, setting: 'MLC_KAFKA_PORT' },
        { port: config.controllerPort, setting: 'MLC_KAFKA_CONTROLLER_PORT' },
        { port: config.saslSslPort, setting: 'MLC_KAFKA_SASL_SSL_PORT' },
        { port: config.mtlsPort, setting: 'MLC_KAFKA_MTLS_PORT' },
      ],
      listens: addresses.kafkaBrokers,
      // A clean shutdown (controlled, with flushed logs) avoids log recovery on the next start.
      stopGraceMs: 30_000,
      prepare: () => prepareKafka(config),
      start: () => startKafka(config),
      ready: () => kafkaReady(config),
    },
    {
      name: 'registry',
      label: `Apicurio Registry ${APICURIO_VERSION}`,
      marker: REGISTRY_MARKER,
      pidFile: registry.pidFile,
      logFiles: [registry.logFile],
      ports: [{ port: config.registryPort, setting: 'MLC_REGISTRY_PORT' }],
      listens: addresses.schemaRegistryUrl,
      stopGraceMs: 15_000,
      prepare: () => prepareRegistry(config),
      start: () => startRegistry(config),
      ready: () => registryReady(config),
    },
  ];
}

const FIRST_START_TIMEOUT_MS = 180_000;

function failure(part: Part, error: unknown): Error {
  const logs = part.logFiles
    .filter((f) => existsSync(f))
    .map((f) => `--- last lines of ${f} ---\n${tail(f, 40)}`)
    .join('\n');
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(`${part.label} did not start: ${reason}\n${logs}`, { cause: error });
}

async function upPart(part: Part, say: Say): Promise<void> {
  const existing = runningPid(part.pidFile, part.marker);
  if (existing !== undefined) {
    say(`${part.name}: already running (pid ${existing})`);
    await waitUntilReady(part.label, part.ready, { timeoutMs: FIRST_START_TIMEOUT_MS, alive: () => isAlive(existing) }).catch(
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
  say(`${part.name}: started (pid ${pid}), waiting until ready`);
  try {
    await waitUntilReady(part.label, part.ready, { timeoutMs: FIRST_START_TIMEOUT_MS, alive: () => isAlive(pid) });
  } catch (error) {
    const err = failure(part, error);
    await stopProcess(pid, part.stopGraceMs);
    rmSync(part.pidFile, { force: true });
    throw err;
  }
}

/**
 * Brings the stack up, leaving parts that already run alone. A lock file serialises concurrent
 * `up` calls: the second one waits, then finds everything running. `config.brokers` > 1 starts a
 * KRaft cluster (every node broker+controller, replication factor 3, min.insync.replicas 2).
 */
export async function up(config: StackConfig, say: Say, options: UpOptions = {}): Promise<void> {
  void options;
  mkdirSync(config.stackDir, { recursive: true });
  await withLock(
    join(config.stackDir, 'stack.lock'),
    async () => {
      const all = parts(config);
      const { created } = await ensureDatabase(config.databaseUrl);
      say(`postgres: ${describeDatabase(config.databaseUrl)} ${created ? 'created' : 'exists'}`);

      // Downloads and storage formatting run one at a time (they are CPU- and network-bound);
      // the JVMs then start side by side.
      for (const part of all) {
        if (runningPid(part.pidFile, part.marker) !== undefined) continue;
        try {
          const { downloaded } = part.prepare();
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

      const secure = (await ensureScramUser(config, kafkaPaths(config).libs)) ? secureAddresses(config) : undefined;
      const envFile = join(config.stackDir, 'stack.env');
      writeFileSync(envFile, renderStackEnv(stackAddresses(config), secure));
      for (const part of all) say(`${part.name.padEnd(9)} ${part.listens}  ${part.label}`);
      say(
        secure === undefined
          ? 'kafka     secure listeners not up (the broker predates them): `down` and `up` to add them'
          : `kafka     ${secure.saslSsl} SASL_SSL (PLAIN, SCRAM), ${secure.mtls} SSL with client certificates; files in ${secure.dir}`,
      );
      say(`${'postgres'.padEnd(9)} ${describeDatabase(config.databaseUrl)}`);
      say(`wrote ${envFile}`);
    },
    { onWait: (owner) => say(`another \`stack up\` (pid ${owner}) is running; waiting for it`) },
  );
}

/** Stops what `up` started, by recorded pid. Safe when nothing runs. */
export async function down(config: StackConfig, say: Say): Promise<void> {
  for (const part of parts(config)) {
    const pid = runningPid(part.pidFile, part.marker);
    if (pid === undefined) {
      say(`${part.name}: not running`);
    } else {
      const how = await stopProcess(pid, part.stopGraceMs);
      say(`${part.name}: ${how === 'killed' ? `killed (pid ${pid}) after ${part.stopGraceMs / 1000} s` : `stopped (pid ${pid})`}`);
    }
    rmSync(part.pidFile, { force: true });
  }
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
    say(`${part.name.padEnd(9)} ${state.padEnd(22)} ${part.listens}  ${part.label}`);
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
