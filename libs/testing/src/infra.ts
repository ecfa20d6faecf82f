import { MlcError } from '@mlc/errors';

/** Addresses of the real infrastructure integration tests run against. */
export interface TestInfra {
  /** `host:port` list, as kafkajs `brokers` wants it. */
  kafkaBrokers: string[];
  /** Confluent-compatible API base URL (Apicurio's `/apis/ccompat/v7`). */
  schemaRegistryUrl: string;
  databaseUrl: string;
}

const VARIABLES = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL'] as const;

/**
 * Reads the infrastructure addresses from the environment (set by `npm test`, which starts the
 * local stack, or by hand). Throws one MLC_CONFIG_INVALID error naming every missing variable.
 */
export function testInfra(env: NodeJS.ProcessEnv = process.env): TestInfra {
  const missing = VARIABLES.filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    throw new MlcError(
      'MLC_CONFIG_INVALID',
      `integration tests need ${missing.join(', ')}: run them with \`npm test\` (it starts the local stack) ` +
        'or run `npm run stack -- up` and export the variables from .stack/stack.env',
      { context: { missing } },
    );
  }
  return {
    kafkaBrokers: env.KAFKA_BROKERS!.split(',').map((b) => b.trim()).filter(Boolean),
    schemaRegistryUrl: env.SCHEMA_REGISTRY_URL!.trim(),
    databaseUrl: env.DATABASE_URL!.trim(),
  };
}
