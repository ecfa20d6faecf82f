import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { MlcError } from '@mlc/errors';

const port = z.coerce.number().int().min(1).max(65_535);

/** Every setting of the local stack, read once from the environment by the CLI. */
export const StackEnvSchema = z.object({
  MLC_STACK_DIR: z.string().min(1).optional().describe('state, logs and downloaded runtimes (default <repo>/.stack)'),
  MLC_KAFKA_PORT: port.default(19092).describe('Kafka PLAINTEXT listener on 127.0.0.1'),
  MLC_KAFKA_CONTROLLER_PORT: port.default(19093).describe('KRaft controller listener on 127.0.0.1'),
  MLC_KAFKA_SASL_SSL_PORT: port.default(19094).describe('Kafka SASL_SSL listener (PLAIN, SCRAM-SHA-256/512) on 127.0.0.1'),
  MLC_KAFKA_MTLS_PORT: port.default(19095).describe('Kafka SSL listener requiring client certificates on 127.0.0.1'),
  MLC_REGISTRY_PORT: port.default(18081).describe('Apicurio Registry HTTP port on 127.0.0.1'),
  MLC_STACK_DATABASE_URL: z
    .string()
    .url()
    .default('postgres://postgres@127.0.0.1:5432/mlc')
    .describe('the app database; created if missing, through the server it points at'),
  MLC_KAFKA_HEAP: z.string().regex(/^\d+[mg]$/).optional().describe('Kafka JVM -Xmx, per broker (default 640m for one broker, 384m each in a cluster)'),
  MLC_REGISTRY_HEAP: z.string().regex(/^\d+[mg]$/).default('384m').describe('Apicurio JVM -Xmx'),
  JAVA_HOME: z.string().min(1).optional(),
});

export interface StackConfig {
  repoRoot: string;
  stackDir: string;
  kafkaPort: number;
  controllerPort: number;
  /** The secure listeners (tests of TLS and SASL); services use the PLAINTEXT one. */
  saslSslPort: number;
  mtlsPort: number;
  registryPort: number;
  databaseUrl: string;
  kafkaHeap: string;
  registryHeap: string;
  java: string;
  /**
   * Kafka brokers: 1 (the default, one combined broker+controller) or a KRaft cluster of 3 to 5
   * combined nodes (`up --brokers 3`). Broker `n` listens on each base port + 10·(n−1).
   */
  brokers: number;
  /** Maven's local repository, where `mvn dependency:get` leaves the Apicurio archive. */
  m2Repository: string;
}

/** Largest cluster `up --brokers` accepts: each node is a JVM, and this is a laptop stack. */
export const MAX_BROKERS = 5;
/** Broker `n`'s ports are the base ports + PORT_STEP·(n−1). */
export const BROKER_PORT_STEP = 10;

export interface LoadStackConfigOptions {
  /**
   * Number of Kafka brokers. Default: what the last `up` in this state directory recorded while it
   * runs (`.stack/kafka/layout.json`, removed by `down`), else 1.
   */
  brokers?: number;
}

/** The broker count `up` recorded for the stack in `stackDir`, if one is up. */
export function recordedBrokerCount(stackDir: string): number | undefined {
  const file = layoutFile(stackDir);
  if (!existsSync(file)) return undefined;
  try {
    const { brokers } = JSON.parse(readFileSync(file, 'utf8')) as { brokers?: unknown };
    return typeof brokers === 'number' && Number.isInteger(brokers) && brokers >= 1 ? brokers : undefined;
  } catch {
    return undefined;
  }
}

/** Where `up` records the broker count (read by later commands: `broker kill 2`, `down`, …). */
export function layoutFile(stackDir: string): string {
  return join(stackDir, 'kafka', 'layout.json');
}

export function loadStackConfig(env: NodeJS.ProcessEnv, repoRoot: string, options: LoadStackConfigOptions = {}): StackConfig {
  const parsed = StackEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new MlcError('MLC_CONFIG_INVALID', `invalid stack settings: ${problems}`, { context: { fields: parsed.error.issues.map((i) => i.path.join('.')) } });
  }
  const e = parsed.data;
  const stackDir = resolve(repoRoot, e.MLC_STACK_DIR ?? '.stack');
  const brokers = options.brokers ?? recordedBrokerCount(stackDir) ?? 1;
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > MAX_BROKERS) {
    throw new MlcError('MLC_CONFIG_INVALID', `invalid stack settings: brokers must be 1 to ${MAX_BROKERS}, got ${brokers}`, { context: { brokers } });
  }
  const kafkaBase = [e.MLC_KAFKA_PORT, e.MLC_KAFKA_CONTROLLER_PORT, e.MLC_KAFKA_SASL_SSL_PORT, e.MLC_KAFKA_MTLS_PORT];
  const ports = [...Array.from({ length: brokers }, (_, i) => kafkaBase.map((p) => p + BROKER_PORT_STEP * i)).flat(), e.MLC_REGISTRY_PORT];
  if (ports.some((p) => p > 65_535) || new Set(ports).size !== ports.length) {
    throw new MlcError(
      'MLC_CONFIG_INVALID',
      `invalid stack settings: MLC_KAFKA_PORT, MLC_KAFKA_CONTROLLER_PORT, MLC_KAFKA_SASL_SSL_PORT, MLC_KAFKA_MTLS_PORT and MLC_REGISTRY_PORT must differ${
        brokers > 1 ? ` (with ${brokers} brokers, broker n uses each Kafka port + ${BROKER_PORT_STEP}·(n−1), so those must differ too)` : ''
      }`,
      { context: { ports } },
    );
  }
  return {
    repoRoot,
    stackDir,
    kafkaPort: e.MLC_KAFKA_PORT,
    controllerPort: e.MLC_KAFKA_CONTROLLER_PORT,
    saslSslPort: e.MLC_KAFKA_SASL_SSL_PORT,
    mtlsPort: e.MLC_KAFKA_MTLS_PORT,
    registryPort: e.MLC_REGISTRY_PORT,
    databaseUrl: e.MLC_STACK_DATABASE_URL,
    kafkaHeap: e.MLC_KAFKA_HEAP ?? (brokers === 1 ? '640m' : '384m'),
    registryHeap: e.MLC_REGISTRY_HEAP,
    java: e.JAVA_HOME ? join(e.JAVA_HOME, 'bin', 'java') : 'java',
    m2Repository: join(homedir(), '.m2', 'repository'),
    brokers,
  };
}

/** The ports of broker `id` (1-based): the base ports for broker 1, + BROKER_PORT_STEP·(id−1) for the others. */
export interface BrokerPorts {
  port: number;
  controllerPort: number;
  saslSslPort: number;
  mtlsPort: number;
}

export function brokerPorts(config: StackConfig, id: number): BrokerPorts {
  if (!Number.isInteger(id) || id < 1 || id > config.brokers) {
    throw new MlcError('MLC_CONFIG_INVALID', `no broker ${id}: the stack has ${config.brokers === 1 ? 'one broker (1)' : `brokers 1 to ${config.brokers}`}`, { context: { id, brokers: config.brokers } });
  }
  const offset = BROKER_PORT_STEP * (id - 1);
  return {
    port: config.kafkaPort + offset,
    controllerPort: config.controllerPort + offset,
    saslSslPort: config.saslSslPort + offset,
    mtlsPort: config.mtlsPort + offset,
  };
}

/** Broker ids, 1..config.brokers. */
export function brokerIds(config: StackConfig): number[] {
  return Array.from({ length: config.brokers }, (_, i) => i + 1);
}

/** What `.stack/stack.env` carries: the three addresses every service and test reads. */
export interface StackAddresses {
  /** Every broker, comma-separated (`KAFKA_BROKERS`). */
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  databaseUrl: string;
}

export function stackAddresses(config: StackConfig): StackAddresses {
  return {
    kafkaBrokers: brokerIds(config)
      .map((id) => `127.0.0.1:${brokerPorts(config, id).port}`)
      .join(','),
    schemaRegistryUrl: `http://127.0.0.1:${config.registryPort}/apis/ccompat/v7`,
    databaseUrl: config.databaseUrl,
  };
}
