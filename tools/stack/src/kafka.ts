import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import type { StackConfig } from './config.js';
import { copyDependencies, pomProperty } from './maven.js';
import { kafkaLog4j2Properties, kafkaServerProperties, newClusterId, renderProperties } from './properties.js';
import { run, startDetached } from './process.js';
import { prepareSecureFiles, secureListenerProperties } from './secure.js';

// kafkajs is CommonJS; Node's named-export detection misses some of its exports.
const { Kafka, logLevel } = kafkajs;

/** Part of the command line that identifies our broker process (see `runningPid`). */
export const KAFKA_MAIN_CLASS = 'kafka.Kafka';
const READINESS_TOPIC = 'mlc-stack-readiness';

export function kafkaPaths(config: StackConfig) {
  const home = join(config.stackDir, 'kafka');
  return {
    home,
    pom: join(config.repoRoot, 'tools', 'stack', 'kafka', 'pom.xml'),
    libs: join(home, 'libs'),
    data: join(home, 'data'),
    serverProperties: join(home, 'server.properties'),
    log4j2Properties: join(home, 'log4j2.properties'),
    clusterIdFile: join(home, 'cluster-id'),
    pidFile: join(home, 'kafka.pid'),
    /** stdout/stderr of the JVM: startup failures before Log4j is up. */
    outFile: join(home, 'kafka.out'),
    /** The broker's own log (rolling). */
    logFile: join(home, 'server.log'),
  };
}

export function kafkaVersion(config: StackConfig): string {
  return pomProperty(kafkaPaths(config).pom, 'kafka.version');
}

/**
 * Resolves the broker's classpath, writes its config and formats the storage directory once.
 * The config is rewritten on every `up`, so changed ports take effect on the next start.
 */
export function prepareKafka(config: StackConfig): { downloaded: boolean } {
  const paths = kafkaPaths(config);
  mkdirSync(paths.data, { recursive: true });
  const { fresh } = copyDependencies(paths.pom, paths.libs);
  prepareSecureFiles(config);
  const secure = { saslSslPort: config.saslSslPort, mtlsPort: config.mtlsPort, properties: secureListenerProperties(config) };
  writeFileSync(
    paths.serverProperties,
    renderProperties(
      kafkaServerProperties({ port: config.kafkaPort, controllerPort: config.controllerPort, dataDir: paths.data, secure }),
      'Written by `npm run stack up` on every start; edit tools/stack/src/properties.ts instead.',
    ),
    // It carries the PLAIN users' passwords.
    { mode: 0o600 },
  );
  writeFileSync(paths.log4j2Properties, renderProperties(kafkaLog4j2Properties(paths.logFile)));
  if (!existsSync(paths.clusterIdFile)) writeFileSync(paths.clusterIdFile, `${newClusterId()}\n`);
  if (!existsSync(join(paths.data, 'meta.properties'))) {
    const clusterId = readFileSync(paths.clusterIdFile, 'utf8').trim();
    run(config.java, [
      ...log4jArgs(paths.log4j2Properties),
      '-cp',
      join(paths.libs, '*'),
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      clusterId,
      '--config',
      paths.serverProperties,
      '--ignore-formatted',
    ]);
  }
  return { downloaded: fresh };
}

function log4jArgs(log4j2Properties: string): string[] {
  return [`-Dlog4j2.configurationFile=file:${log4j2Properties}`];
}

export function startKafka(config: StackConfig): number {
  const paths = kafkaPaths(config);
  return startDetached({
    command: config.java,
    args: [
      '-Xms128m',
      `-Xmx${config.kafkaHeap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      ...log4jArgs(paths.log4j2Properties),
      '-cp',
      join(paths.libs, '*'),
      KAFKA_MAIN_CLASS,
      paths.serverProperties,
    ],
    cwd: paths.home,
    outFile: paths.outFile,
    pidFile: paths.pidFile,
  });
}

/**
 * Ready means usable, not just listening: a produce with acks=all lands on a topic, and the group
 * coordinator answers (which makes the broker create `__consumer_offsets`, the usual reason
 * consumer groups hang on a fresh single node).
 */
export async function kafkaReady(config: StackConfig): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'mlc-stack',
    brokers: [`127.0.0.1:${config.kafkaPort}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: READINESS_TOPIC, numPartitions: 1, replicationFactor: 1 }] });
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
