import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { MlcError } from '@mlc/errors';
import { parseEnvFile } from '@mlc/stack';

/** What every service needs from the stack; explicit values in the environment win (as in `npm test`). */
export const INFRA_VARS = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL'] as const;

export interface StackParams {
  repoRoot: string;
  env: NodeJS.ProcessEnv;
  onLine: (line: string) => void;
}

/**
 * Runs the stack CLI (`up` is idempotent and waits until Kafka, the registry and Postgres answer;
 * `down` stops them) with its output handed over line by line.
 */
export async function runStackCommand(command: 'up' | 'down', { repoRoot, env, onLine }: StackParams): Promise<void> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'tools/stack/src/cli.ts', command], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    throw new MlcError('MLC_KAFKA_UNAVAILABLE', `\`npm run stack -- ${command}\` failed (exit ${code}); see its output above`, { context: { command, exitCode: code } });
  }
}

/** The addresses `up` wrote (`$MLC_STACK_DIR/stack.env`, `.stack/stack.env` by default). */
export async function readStackEnv({ repoRoot, env }: Pick<StackParams, 'repoRoot' | 'env'>): Promise<Record<string, string>> {
  const file = join(env.MLC_STACK_DIR ?? join(repoRoot, '.stack'), 'stack.env');
  const values = parseEnvFile(await readFile(file, 'utf8'));
  const missing = INFRA_VARS.filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new MlcError('MLC_CONFIG_INVALID', `${file} lacks ${missing.join(', ')}`, { context: { file, missing } });
  return values;
}
