import { randomBytes } from 'node:crypto';

export type Properties = Readonly<Record<string, string | number | boolean>>;

/**
 * Java `.properties` text. Keys are ours (no escaping needed); values escape what the format
 * treats specially so paths with `\`, `:` or `=` survive.
 */
export function renderProperties(props: Properties, header?: string): string {
  const lines = header ? header.split('\n').map((l) => `# ${l}`) : [];
  for (const [key, value] of Object.entries(props)) {
    const text = String(value).replace(/\\/g, '\\\\').replace(/[:=]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');
    lines.push(`${key}=${text}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (Kafka's `Uuid.toString`).
 * Never one starting with '-', which `kafka-storage format --cluster-id` would read as an option
 * (Kafka's own `Uuid.randomUuid` draws again for the same reason): one id in 64 did.
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export interface KafkaServerSettings {
  port: number;
  controllerPort: number;
  dataDir: string;
  /** A SASL_SSL and an SSL (mTLS) listener beside PLAINTEXT, with their TLS and SASL properties. */
  secure?: { saslSslPort: number; mtlsPort: number; properties: Properties };
  /** One node of a cluster: its id and every node's controller port (the KRaft voters). Unset: a single node, id 1. */
  cluster?: { nodeId: number; controllerPorts: readonly number[] };
}

/**
 * A cluster like production: replication factor 3 (or the node count when smaller) for every
 * topic created without one and for the internal topics, and acks=all writes that need two
 * in-sync replicas, so one broker can go away and writes go on without losing an acknowledged one.
 */
export function clusterReplication(nodes: number): Properties {
  const rf = Math.min(3, nodes);
  const minIsr = Math.min(2, rf);
  return {
    'default.replication.factor': rf,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': rf,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': minIsr,
    'share.coordinator.state.topic.replication.factor': rf,
    'share.coordinator.state.topic.min.isr': minIsr,
    // Never elect a replica that missed acknowledged writes (the default, stated on purpose).
    'unclean.leader.election.enable': false,
    // Leaders move back to their preferred replica after a restart within a minute, not five.
    'leader.imbalance.check.interval.seconds': 30,
  };
}

/** One combined broker+controller on 127.0.0.1: the single-node stack, or one node of a cluster. */
export function kafkaServerProperties({ port, controllerPort, dataDir, secure, cluster }: KafkaServerSettings): Properties {
  const extra = secure === undefined ? '' : `,SASL_SSL://127.0.0.1:${secure.saslSslPort},SSL://127.0.0.1:${secure.mtlsPort}`;
  const voters = cluster === undefined ? `1@127.0.0.1:${controllerPort}` : cluster.controllerPorts.map((p, i) => `${i + 1}@127.0.0.1:${p}`).join(',');
  return {
    'process.roles': 'broker,controller',
    'node.id': cluster?.nodeId ?? 1,
    // Static voters, so `StorageTool format` needs no --standalone / --initial-controllers.
    'controller.quorum.voters': voters,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}${extra}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}${extra}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': `CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${secure === undefined ? '' : ',SASL_SSL:SASL_SSL,SSL:SSL'}`,
    ...secure?.properties,
    'log.dirs': dataDir,
    'num.partitions': 1,
    // One node: internal topics with the default replication factor 3 are never created, and
    // every consumer group then hangs on "coordinator not available".
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // Fewer internal partitions: creating the default 50 costs seconds on a small machine.
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.num.partitions': 4,
    // Tests join groups constantly; the 3 s default delay only slows them down.
    'group.initial.rebalance.delay.ms': 0,
    // Applications create their topics explicitly; a typo must fail, not create a topic.
    'auto.create.topics.enable': false,
    'log.retention.hours': 24,
    ...(cluster === undefined ? {} : clusterReplication(cluster.controllerPorts.length)),
  };
}

/** Log4j 2 (Kafka 4.x): rolling files, so a long-lived local broker cannot fill the disk. */
export function kafkaLog4j2Properties(logFile: string): Properties {
  return {
    status: 'warn',
    'appender.file.type': 'RollingFile',
    'appender.file.name': 'file',
    'appender.file.fileName': logFile,
    'appender.file.filePattern': `${logFile}.%i`,
    'appender.file.layout.type': 'PatternLayout',
    'appender.file.layout.pattern': '[%d] %p %m (%c)%n',
    'appender.file.policies.type': 'Policies',
    'appender.file.policies.size.type': 'SizeBasedTriggeringPolicy',
    'appender.file.policies.size.size': '10MB',
    'appender.file.strategy.type': 'DefaultRolloverStrategy',
    'appender.file.strategy.max': 3,
    'rootLogger.level': 'INFO',
    'rootLogger.appenderRef.file.ref': 'file',
    // The controller and log cleaner are chatty at INFO and say nothing a developer needs.
    'logger.controller.name': 'org.apache.kafka.controller',
    'logger.controller.level': 'WARN',
    'logger.cleaner.name': 'kafka.log.LogCleaner',
    'logger.cleaner.level': 'WARN',
  };
}
