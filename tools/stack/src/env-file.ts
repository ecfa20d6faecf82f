import type { StackAddresses } from './config.js';

/** `.stack/stack.env`: KEY=value lines, readable by `tools/scripts/test.mjs`, shells and dotenv. */
export function renderStackEnv(addresses: StackAddresses): string {
  return [
    '# Written by `npm run stack -- up`. Addresses of the local stack.',
    `KAFKA_BROKERS=${addresses.kafkaBrokers}`,
    `SCHEMA_REGISTRY_URL=${addresses.schemaRegistryUrl}`,
    `DATABASE_URL=${addresses.databaseUrl}`,
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
