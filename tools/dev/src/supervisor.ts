import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RestartPolicy } from './backoff.js';

export type SupervisorEvent =
  | { type: 'started'; pid: number | undefined }
  | { type: 'exited'; code: number | null; signal: NodeJS.Signals | null; ranMs: number; expected: boolean }
  | { type: 'restarting'; attempt: number; delayMs: number }
  | { type: 'gave-up'; attempts: number }
  | { type: 'killed'; graceMs: number }
  | { type: 'spawn-failed'; error: Error };

export interface SupervisorParams {
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  policy: RestartPolicy;
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  onEvent: (event: SupervisorEvent) => void;
  now?: () => number;
}

export interface Supervisor {
  start(): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. No restart after it. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL now (a second Ctrl-C). */
  kill(): void;
}

/**
 * Runs one child process and restarts it with the policy's backoff when it exits on its own.
 * Output is handed over line by line, so lines of different services never interleave mid-line.
 */
export function createSupervisor({ command, args, cwd, env, policy, onLine, onEvent, now = Date.now }: SupervisorParams): Supervisor {
  let child: ChildProcess | undefined;
  let closed: Promise<void> = Promise.resolve();
  let restartTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  function launch(): void {
    restartTimer = undefined;
    const startedAt = now();
    // Own process group: the terminal's Ctrl-C reaches only this supervisor, which then stops the
    // services in order. A service given SIGINT by the terminal and SIGTERM by us would take the
    // second signal as "force exit" (see @mlc/service runService).
    const proc = spawn(command, [...args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: proc[stream], crlfDelay: Infinity }).on('line', (line) => onLine(line, stream));
    }
    proc.once('spawn', () => onEvent({ type: 'started', pid: proc.pid }));
    proc.once('error', (error) => onEvent({ type: 'spawn-failed', error }));
    // 'close', not 'exit': the last output lines come before the exit report.
    closed = new Promise((resolve) =>
      proc.once('close', (code, signal) => {
        child = undefined;
        const ranMs = now() - startedAt;
        onEvent({ type: 'exited', code, signal, ranMs, expected: stopping });
        if (!stopping) {
          const decision = policy.onExit(ranMs);
          if (decision.restart) {
            onEvent({ type: 'restarting', attempt: decision.attempt, delayMs: decision.delayMs });
            restartTimer = setTimeout(launch, decision.delayMs);
          } else {
            onEvent({ type: 'gave-up', attempts: decision.attempts });
          }
        }
        resolve();
      }),
    );
  }

  return {
    start() {
      if (child !== undefined || stopping) return;
      launch();
    },
    async stop(graceMs) {
      stopping = true;
      clearTimeout(restartTimer);
      const proc = child;
      if (proc === undefined) return;
      proc.kill('SIGTERM');
      let grace: NodeJS.Timeout | undefined;
      const overdue = new Promise<'overdue'>((resolve) => {
        grace = setTimeout(() => resolve('overdue'), graceMs);
      });
      const outcome = await Promise.race([closed.then(() => 'closed' as const), overdue]);
      clearTimeout(grace);
      if (outcome === 'overdue') {
        onEvent({ type: 'killed', graceMs });
        proc.kill('SIGKILL');
        await closed;
      }
    },
    kill() {
      stopping = true;
      clearTimeout(restartTimer);
      child?.kill('SIGKILL');
    },
  };
}
