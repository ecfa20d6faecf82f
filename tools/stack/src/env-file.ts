import type { StackAddresses } from './config.js';
import type { SecureAddresses } from './secure.js';

/** Names under which stack.env tells tests where the secure listeners and their files are. */
export const SECURE_ENV = {
  saslSsl: 'MLC_STACK_KAFKA_SASL_SSL',
  mtls: 'MLC_STACK_KAFKA_MTLS',
  dir: 'MLC_STACK_KAFKA_SECURE_DIR',
} as const;

/**
 * `.stack/stack.env`: KEY=value lines, readable by `tools/scripts/test.mjs`, shells and dotenv.
 * The secure listeners are listed only when they answer (a broker started before they existed
 * runs without them until it is restarted); services keep using the PLAINTEXT address.
 */
export function renderStackEnv(addresses: StackAddresses, secure?: SecureAddresses): string {
  return [
    '# Written by `npm run stack -- up`. Addresses of the local stack.',
    `KAFKA_BROKERS=${addresses.kafkaBrokers}`,
    `SCHEMA_REGISTRY_URL=${addresses.schemaRegistryUrl}`,
    `DATABASE_URL=${addresses.databaseUrl}`,
    ...(secure === undefined
      ? []
      : [
          '# The secure listeners, for the tests of TLS and SASL (see tools/stack/README.md).',
          `${SECURE_ENV.saslSsl}=${secure.saslSsl}`,
          `${SECURE_ENV.mtls}=${secure.mtls}`,
          `${SECURE_ENV.dir}=${secure.dir}`,
        ]),
    '',
  ].join('\n');
}

/** `KEY=value` lines of `stack.env`; comments and other lines are skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
