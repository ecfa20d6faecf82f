import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor } from './wait-for.js';

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

/** SIGKILL, and resolves once the process is gone (at once when it already is). */
export async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Starts a service's main.ts (added to `children` at once, so a test's cleanup kills it even when
 * it never gets ready); resolves once it has bound its port and `/readyz` answers 200. It logs at
 * info, to read the bound port from the 'listening' line; only errors are passed on (everything
 * with MLC_TEST_LOG_LEVEL set).
 */
export async function startReadyService(service: string, env: NodeJS.ProcessEnv, children: ChildProcess[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawnService(service, { env: { LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let port: number | undefined;
  const verbose = process.env.MLC_TEST_LOG_LEVEL !== undefined;
  // The last lines, said when the service does not get ready (what it was waiting for).
  const recent: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    recent.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
    if (recent.length > 15) recent.shift();
    let entry: { level?: string; msg?: string; port?: number } = {};
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      // not a log line
    }
    if (entry.msg === 'listening' && typeof entry.port === 'number') port = entry.port;
    if (verbose || entry.level === 'error' || entry.level === 'fatal') process.stderr.write(`${service}: ${line}\n`);
  });
  // 120 s: a CI machine (2 cores) runs several test files beside this one; a service once took
  // over 60 s there to answer ready, where it takes about 1 s alone.
  // A service that exits fails the wait at once (waitFor itself would keep asking until its timeout).
  let exited: ((code: number | null) => void) | undefined;
  const exit = new Promise<never>((_, reject) => {
    exited = (code) => reject(new Error(`${service} exited with ${code}`));
  });
  exit.catch(() => undefined);
  child.once('exit', (code) => exited?.(code));
  await Promise.race([
    waitFor(
      async () => {
        if (port === undefined) return false;
        return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 120_000, message: `${service} ready` },
    ),
    exit,
  ]).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; its last log lines:\n${recent.join('\n')}`, { cause: error });
  });
  exited = undefined;
  return { child, port: port! };
}
