import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

export interface SpawnServiceOptions {
  /** Added to (and overriding) the test's own environment and the defaults below. */
  env?: NodeJS.ProcessEnv;
  /** Default: output passed through, so a failing service explains itself in the test log. */
  stdio?: StdioOptions;
}

/**
 * Runs a service as production does, its `src/main.ts` as its own process (so tests can kill -9
 * it), from TypeScript sources. Defaults: any free port on 127.0.0.1, error logs only unless
 * MLC_TEST_LOG_LEVEL says otherwise; the infrastructure variables come from the test's environment.
 */
export function spawnService(service: string, { env = {}, stdio = ['ignore', 'inherit', 'inherit'] }: SpawnServiceOptions = {}): ChildProcess {
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', `services/${service}/src/main.ts`], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.MLC_TEST_LOG_LEVEL ?? 'error',
      ...env,
    },
    stdio,
  });
}
