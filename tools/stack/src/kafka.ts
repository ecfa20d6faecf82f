import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import kafkajs from 'kafkajs';
import { brokerIds, brokerPorts, type StackConfig } from './config.js';
import { copyDependencies, pomProperty } from './maven.js';
import { kafkaLog4j2Properties, kafkaServerProperties, newClusterId, renderProperties } from './properties.js';
import { runAsync, startDetached } from './process.js';
import { prepareSecureFiles, secureListenerProperties } from './secure.js';

// kafkajs is CommonJS; Node's named-export detection misses some of its exports.
const { Kafka, logLevel } = kafkajs;

/** Part of the command line that identifies our broker process (see `runningPid`). */
export const KAFKA_MAIN_CLASS = 'kafka.Kafka';
const READINESS_TOPIC = 'mlc-stack-readiness';

/**
 * Files of broker `id`. The single broker keeps its files directly in `.stack/kafka`; the nodes of
 * a cluster get `.stack/kafka/cluster/broker-<id>/` each (data, config, pid, logs) and share the
 * cluster id there. The classpath (`libs`) and the TLS files are shared by all.
 */
export function kafkaPaths(config: StackConfig, id = 1) {
  const home = join(config.stackDir, 'kafka');
  const cluster = join(home, 'cluster');
  const node = config.brokers === 1 ? home : join(cluster, `broker-${id}`);
  return {
    home,
    /** This broker's own directory (its working directory). */
    node,
    pom: join(config.repoRoot, 'tools', 'stack', 'kafka', 'pom.xml'),
    libs: join(home, 'libs'),
    data: join(node, 'data'),
    serverProperties: join(node, 'server.properties'),
    log4j2Properties: join(node, 'log4j2.properties'),
    clusterIdFile: config.brokers === 1 ? join(home, 'cluster-id') : join(cluster, 'cluster-id'),
    pidFile: join(node, 'kafka.pid'),
    /** stdout/stderr of the JVM: startup failures before Log4j is up. */
    outFile: join(node, 'kafka.out'),
    /** The broker's own log (rolling). */
    logFile: join(node, 'server.log'),
  };
}

/**
 * Part of the command line that identifies broker `id`'s process (see `runningPid`): the main
 * class for the single broker (unchanged since before clusters), the node's own config file for a
 * cluster node, so one node's pid file never matches another node's process.
 */
export function kafkaMarker(config: StackConfig, id = 1): string {
  return config.brokers === 1 ? KAFKA_MAIN_CLASS : kafkaPaths(config, id).serverProperties;
}

export function kafkaVersion(config: StackConfig): string {
  return pomProperty(kafkaPaths(config).pom, 'kafka.version');
}

/**
 * Resolves the brokers' classpath, writes every broker's config and formats each storage directory
 * once. The config is rewritten on every `up`, so changed ports take effect on the next start.
 * `secure: false` leaves the SASL_SSL and mTLS listeners out.
 */
export async function prepareKafka(config: StackConfig, { secure = true }: { secure?: boolean } = {}): Promise<{ downloaded: boolean }> {
  const paths = kafkaPaths(config);
  mkdirSync(paths.home, { recursive: true });
  const { fresh } = copyDependencies(paths.pom, paths.libs, join(config.repoRoot, '.stack', 'kafka', 'libs'));
  if (secure) prepareSecureFiles(config);
  if (config.brokers > 1) await formatTemplate(config);
  await Promise.all(brokerIds(config).map((id) => prepareBroker(config, id, { secure })));
  return { downloaded: fresh };
}

/** Writes broker `id`'s config files and formats its storage directory if it is new. */
export async function prepareBroker(config: StackConfig, id: number, { secure = true }: { secure?: boolean } = {}): Promise<void> {
  const paths = kafkaPaths(config, id);
  mkdirSync(paths.data, { recursive: true });
  const ports = brokerPorts(config, id);
  const secureSettings = secure ? { saslSslPort: ports.saslSslPort, mtlsPort: ports.mtlsPort, properties: secureListenerProperties(config) } : undefined;
  const cluster = config.brokers === 1 ? undefined : { nodeId: id, controllerPorts: brokerIds(config).map((n) => brokerPorts(config, n).controllerPort) };
  writeFileSync(
    paths.serverProperties,
    renderProperties(
      kafkaServerProperties({ port: ports.port, controllerPort: ports.controllerPort, dataDir: paths.data, ...(secureSettings ? { secure: secureSettings } : {}), ...(cluster ? { cluster } : {}) }),
      'Written by `npm run stack up` on every start; edit tools/stack/src/properties.ts instead.',
    ),
    // It carries the PLAIN users' passwords.
    { mode: 0o600 },
  );
  writeFileSync(paths.log4j2Properties, renderProperties(kafkaLog4j2Properties(paths.logFile)));
  if (existsSync(join(paths.data, 'meta.properties'))) return;
  if (config.brokers === 1) {
    await formatStorage(config, paths.serverProperties, paths.log4j2Properties);
  } else {
    copyFormatted(await formatTemplate(config), paths.data, id);
  }
}

function clusterId(config: StackConfig): string {
  const file = kafkaPaths(config).clusterIdFile;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${newClusterId()}\n`);
  }
  return readFileSync(file, 'utf8').trim();
}

async function formatStorage(config: StackConfig, serverProperties: string, log4j2Properties: string): Promise<void> {
  await runAsync(config.java, [
    ...(config.brokers === 1 ? [] : LIGHT_JVM),
    ...log4jArgs(log4j2Properties),
    '-cp',
    join(kafkaPaths(config).libs, '*'),
    'kafka.tools.StorageTool',
    'format',
    '--cluster-id',
    clusterId(config),
    '--config',
    serverProperties,
    '--ignore-formatted',
  ]);
}

/**
 * A cluster's storage is formatted once, into a template directory, by one JVM; each node's data
 * directory is a copy with its own `node.id` and a fresh `directory.id` in `meta.properties`.
 * What `StorageTool format` writes besides (`__cluster_metadata-0/…checkpoint`: the cluster's
 * feature levels; static voters put no voter set in it) is the same for every node, so this equals
 * formatting each node, at a third of the JVM starts on a small machine.
 */
async function formatTemplate(config: StackConfig): Promise<string> {
  const cluster = dirname(kafkaPaths(config).clusterIdFile);
  const template = join(cluster, 'format-template');
  if (existsSync(join(template, 'meta.properties'))) return template;
  const partial = `${template}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const properties = join(cluster, 'format-template.properties');
  const ports = brokerPorts(config, 1);
  writeFileSync(
    properties,
    renderProperties(
      kafkaServerProperties({
        port: ports.port,
        controllerPort: ports.controllerPort,
        dataDir: partial,
        cluster: { nodeId: 1, controllerPorts: brokerIds(config).map((n) => brokerPorts(config, n).controllerPort) },
      }),
    ),
  );
  await formatStorage(config, properties, kafkaPaths(config, 1).log4j2Properties);
  rmSync(template, { recursive: true, force: true });
  renameSync(partial, template);
  return template;
}

function copyFormatted(template: string, data: string, nodeId: number): void {
  cpSync(template, data, { recursive: true });
  const meta = join(data, 'meta.properties');
  writeFileSync(
    meta,
    readFileSync(meta, 'utf8')
      .replace(/^node\.id=.*$/m, `node.id=${nodeId}`)
      .replace(/^directory\.id=.*$/m, `directory.id=${newClusterId()}`),
  );
}

/**
 * JVM options of a cluster's nodes: three brokers share a small machine (2 cores), so each gets the
 * client compiler only (less CPU at start-up and while idle) and the serial collector (no parallel
 * GC threads; pauses on a 384 MB heap stay short). The single broker keeps G1 and both compilers.
 */
const LIGHT_JVM = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

function log4jArgs(log4j2Properties: string): string[] {
  return [`-Dlog4j2.configurationFile=file:${log4j2Properties}`];
}

export function startKafka(config: StackConfig, id = 1): number {
  const paths = kafkaPaths(config, id);
  return startDetached({
    command: config.java,
    args: [
      '-Xms128m',
      `-Xmx${config.kafkaHeap}`,
      ...(config.brokers === 1 ? ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20'] : LIGHT_JVM),
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      ...log4jArgs(paths.log4j2Properties),
      '-cp',
      join(paths.libs, '*'),
      KAFKA_MAIN_CLASS,
      paths.serverProperties,
    ],
    cwd: paths.node,
    outFile: paths.outFile,
    pidFile: paths.pidFile,
  });
}

function stackKafka(brokers: readonly string[]) {
  return new Kafka({
    clientId: 'mlc-stack',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 10_000,
    retry: { retries: 2 },
  });
}

/** Every broker's PLAINTEXT address, `127.0.0.1:<port>`. */
export function brokerAddresses(config: StackConfig): string[] {
  return brokerIds(config).map((id) => brokerAddress(config, id));
}

export function brokerAddress(config: StackConfig, id: number): string {
  return `127.0.0.1:${brokerPorts(config, id).port}`;
}

/**
 * Ready means usable, not just listening: every broker is registered with the cluster, a produce
 * with acks=all lands on a topic (replicated to min.insync.replicas in a cluster), and the group
 * coordinator answers (which makes the broker create `__consumer_offsets`, the usual reason
 * consumer groups hang on a fresh single node).
 */
export async function kafkaReady(config: StackConfig): Promise<boolean> {
  const kafka = stackKafka(brokerAddresses(config));
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await admin.connect();
    if (config.brokers > 1) {
      const { brokers } = await admin.describeCluster();
      if (brokers.length < config.brokers) return false;
    }
    // The broker's default replication factor: 1 on the single broker, 3 in a cluster.
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: READINESS_TOPIC, numPartitions: 1 }] });
    await producer.connect();
    const [result] = await producer.send({ topic: READINESS_TOPIC, acks: -1, messages: [{ value: new Date().toISOString() }] });
    if (result?.errorCode !== 0) return false;
    const [offsets] = await admin.fetchTopicOffsets(READINESS_TOPIC);
    if (!offsets || BigInt(offsets.high) <= BigInt(result.baseOffset ?? '0')) return false;
    await admin.fetchOffsets({ groupId: 'mlc-stack-readiness', topics: [READINESS_TOPIC] });
    return true;
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Broker `id` answers on its own listener and lists itself among the cluster's live (unfenced)
 * brokers: it has registered with the controller quorum.
 */
export async function brokerRegistered(config: StackConfig, id: number): Promise<boolean> {
  const admin = stackKafka([brokerAddress(config, id)]).admin();
  try {
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    return brokers.some((b) => b.nodeId === id);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** One partition as the cluster's metadata describes it. */
export interface PartitionState {
  topic: string;
  partition: number;
  /** -1 when it has none. */
  leader: number;
  replicas: number[];
  isr: number[];
}

/** Every partition of every topic (internal ones included), asked of whichever live broker answers. */
export async function partitionStates(config: StackConfig): Promise<PartitionState[]> {
  const admin = stackKafka(brokerAddresses(config)).admin();
  try {
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata();
    return topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionId, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr] })),
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
