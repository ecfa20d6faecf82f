// npm run bench -- <name> [--option value ...]
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnvFile } from '@mlc/stack';
import { BenchUsageError, parseArgs, type BenchEnv } from './bench.js';
import { BENCHES } from './benches.js';
import { runAll } from './all.js';
import { renderSummary, UNMEASURED } from './summary.js';

// The CLI is a composition root: the only place here that reads the environment.
function stackEnv(): BenchEnv {
  const file = resolve(import.meta.dirname, '../../../.stack/stack.env');
  const fromFile = existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {};
  const get = (name: string) => process.env[name] || fromFile[name] || undefined;
  return { kafkaBrokers: get('KAFKA_BROKERS'), schemaRegistryUrl: get('SCHEMA_REGISTRY_URL'), databaseUrl: get('DATABASE_URL') };
}

async function usage(): Promise<string> {
  const lines = await Promise.all(Object.entries(BENCHES).map(async ([name, load]) => `  ${name.padEnd(18)} ${(await load()).default.description}`));
  return [
    'usage: npm run bench -- <name> [--option value ...]',
    '       npm run bench -- all [--skip name,name] [--json]   every bench with its defaults, then one table',
    '',
    'benches:',
    ...lines,
  ].join('\n');
}

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h') {
  console.log(await usage());
  process.exit(name === undefined ? 1 : 0);
}
if (name === 'all') {
  try {
    const args = parseArgs(rest);
    const outcomes = await runAll(BENCHES, args, stackEnv());
    console.log('');
    if (args.json === 'true') console.log(JSON.stringify({ at: new Date().toISOString(), outcomes, unmeasured: UNMEASURED }));
    else console.log(`bench all, ${new Date().toISOString()}\n${renderSummary(outcomes)}`);
    process.exit(outcomes.some((o) => o.error !== undefined) ? 1 : 0);
  } catch (error) {
    if (error instanceof BenchUsageError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
const load = BENCHES[name];
if (load === undefined) {
  console.error(`unknown bench ${JSON.stringify(name)}\n\n${await usage()}`);
  process.exit(1);
}
try {
  await (await load()).default.run(parseArgs(rest), stackEnv());
  process.exit(0);
} catch (error) {
  if (error instanceof BenchUsageError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
