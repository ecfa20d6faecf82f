import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync, constants, existsSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * The pid recorded in `pidFile` if that process still runs and its command line contains
 * `marker` (a recycled pid of an unrelated process must not count as "already running").
 */
export function runningPid(pidFile: string, marker: string): number | undefined {
  const pid = readPid(pidFile);
  if (pid === undefined || !isAlive(pid)) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return cmdline.includes(marker) ? pid : undefined;
  } catch {
    // No /proc (macOS): trust the pid.
    return pid;
  }
}

export interface DetachedProcess {
  command: string;
  args: readonly string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here (JVM crashes and early errors land in it). */
  outFile: string;
  pidFile: string;
}

/** Starts a process that outlives this CLI (own session, no pipes back to us) and records its pid. */
export function startDetached({ command, args, cwd, env, outFile, pidFile }: DetachedProcess): number {
  const out = openSync(outFile, 'a');
  try {
    const child = spawn(command, args, { cwd, env: env ?? process.env, detached: true, stdio: ['ignore', out, out] });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    writeFileSync(pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs: number): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isAlive(pid)) return 'not-running';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await delay(200);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  while (isAlive(pid)) await delay(100);
  return 'killed';
}

export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Polls `check` until it resolves true. Fails early when `alive()` says the process we wait for
 * died, so a broken start is reported in seconds, not at the timeout.
 */
export async function waitUntilReady(
  what: string,
  check: () => Promise<boolean>,
  { timeoutMs, alive }: { timeoutMs: number; alive?: () => boolean },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (alive && !alive()) throw new Error(`${what} exited during startup`);
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await delay(500);
  }
  throw new Error(`${what} not ready within ${Math.round(timeoutMs / 1000)} s`, { cause: lastError });
}

/**
 * A lock file holding the owner's pid, created with O_EXCL. A lock whose owner died is taken over,
 * so a killed `up` never blocks the next one.
 */
export async function withLock<T>(lockFile: string, fn: () => Promise<T>, { timeoutMs = 15 * 60_000, onWait }: { timeoutMs?: number; onWait?: (ownerPid: number) => void } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readPid(lockFile);
      // An empty file is a lock being written right now, unless it is old.
      const stale = owner === undefined ? Date.now() - statSync(lockFile).mtimeMs > 10_000 : !isAlive(owner);
      if (stale) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (!told && owner !== undefined) {
        onWait?.(owner);
        told = true;
      }
      if (Date.now() > deadline) throw new Error(`lock ${lockFile} still held by pid ${owner ?? '?'}`);
      await delay(500);
    }
  }
  try {
    return await fn();
  } finally {
    if (readPid(lockFile) === process.pid) rmSync(lockFile, { force: true });
  }
}

/** The last `lines` lines of a file ('' when it does not exist). */
export function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  return text.split('\n').slice(-lines - 1).join('\n');
}

/** Runs a command to completion, throwing with its output when it fails. */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`, { cause: result.error });
  if (result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${output}`);
  }
  return result.stdout;
}

/** `run`, without blocking the event loop: several can run side by side. */
export function runAsync(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', (error) => reject(new Error(`${command} could not run: ${error.message}`, { cause: error })));
    child.once('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed (exit ${code ?? 'signal'}):\n${output.trim().split('\n').slice(-40).join('\n')}`));
    });
  });
}
