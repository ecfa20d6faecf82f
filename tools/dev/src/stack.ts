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
  /** Aborted (npm start is being stopped): the stack CLI gets SIGTERM. */
  signal?: AbortSignal;
}

/**
 * Runs the stack CLI (`up` is idempotent and waits until Kafka, the registry and Postgres answer;
 * `down` stops them) with its output handed over line by line.
 */
export async function runStackCommand(command: 'up' | 'down', { repoRoot, env, onLine, signal }: StackParams): Promise<void> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'tools/stack/src/cli.ts', command], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
  const stop = () => child.kill('SIGTERM');
  signal?.addEventListener('abort', stop, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).finally(() => signal?.removeEventListener('abort', stop));
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

/** Pure: the stack parts (`kafka`, `kafka-2`, `registry`) an `up` run started, from its output lines. */
export function startedParts(lines: readonly string[]): string[] {
  const parts: string[] = [];
  for (const line of lines) {
    const m = /^\[stack\] ([\w-]+): started \(pid \d+\)/.exec(line);
    if (m && !parts.includes(m[1]!)) parts.push(m[1]!);
  }
  return parts;
}

/**
 * What happens to the stack when npm start stops: `down` when this run started (part of) it, or
 * when asked (`--with-stack-down`); left alone when it was running before (other work may use it),
 * when `--keep-stack` asks for it, or when it is not ours at all (KAFKA_BROKERS etc. were given).
 */
export type StackExit = 'down' | 'kept' | 'was-running' | 'not-ours';

export function stackOnExit({ explicitInfra, started, withStackDown, keepStack }: { explicitInfra: boolean; started: readonly string[]; withStackDown: boolean; keepStack: boolean }): StackExit {
  if (explicitInfra) return 'not-ours';
  if (withStackDown) return 'down';
  if (started.length > 0) return keepStack ? 'kept' : 'down';
  return 'was-running';
}
