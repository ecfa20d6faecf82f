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
  MLC_KAFKA_HEAP: z.string().regex(/^\d+[mg]$/).default('640m').describe('Kafka JVM -Xmx'),
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
  /** Maven's local repository, where `mvn dependency:get` leaves the Apicurio archive. */
  m2Repository: string;
}

export function loadStackConfig(env: NodeJS.ProcessEnv, repoRoot: string): StackConfig {
  const parsed = StackEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new MlcError('MLC_CONFIG_INVALID', `invalid stack settings: ${problems}`, { context: { fields: parsed.error.issues.map((i) => i.path.join('.')) } });
  }
  const e = parsed.data;
  const ports = [e.MLC_KAFKA_PORT, e.MLC_KAFKA_CONTROLLER_PORT, e.MLC_KAFKA_SASL_SSL_PORT, e.MLC_KAFKA_MTLS_PORT, e.MLC_REGISTRY_PORT];
  if (new Set(ports).size !== ports.length) {
    throw new MlcError('MLC_CONFIG_INVALID', 'invalid stack settings: MLC_KAFKA_PORT, MLC_KAFKA_CONTROLLER_PORT, MLC_KAFKA_SASL_SSL_PORT, MLC_KAFKA_MTLS_PORT and MLC_REGISTRY_PORT must differ', {
      context: { ports },
    });
  }
  return {
    repoRoot,
    stackDir: resolve(repoRoot, e.MLC_STACK_DIR ?? '.stack'),
    kafkaPort: e.MLC_KAFKA_PORT,
    controllerPort: e.MLC_KAFKA_CONTROLLER_PORT,
    saslSslPort: e.MLC_KAFKA_SASL_SSL_PORT,
    mtlsPort: e.MLC_KAFKA_MTLS_PORT,
    registryPort: e.MLC_REGISTRY_PORT,
    databaseUrl: e.MLC_STACK_DATABASE_URL,
    kafkaHeap: e.MLC_KAFKA_HEAP,
    registryHeap: e.MLC_REGISTRY_HEAP,
    java: e.JAVA_HOME ? join(e.JAVA_HOME, 'bin', 'java') : 'java',
    m2Repository: join(homedir(), '.m2', 'repository'),
  };
}

/** What `.stack/stack.env` carries: the three addresses every service and test reads. */
export interface StackAddresses {
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  databaseUrl: string;
}

export function stackAddresses(config: StackConfig): StackAddresses {
  return {
    kafkaBrokers: `127.0.0.1:${config.kafkaPort}`,
    schemaRegistryUrl: `http://127.0.0.1:${config.registryPort}/apis/ccompat/v7`,
    databaseUrl: config.databaseUrl,
  };
}
