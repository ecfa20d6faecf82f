import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createRestartPolicy, createSupervisor, type Supervisor } from '@mlc/dev';
import { freePortBelowEphemeral } from '@mlc/stack';
import { REPO_ROOT } from './infra.js';

export const SERVICE_NAMES = ['syspro-poller', 'coupa-writer', 'coupa-gateway', 'infor-writer', 'syspro-writer', 'infor-poller', 'audit'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface RunningService {
  name: ServiceName;
  port: number;
  url: string;
  /** The pid of the current process (undefined between a crash and its restart). */
  pid(): number | undefined;
  /** Unexpected exits seen (kill -9 included), for the report. */
  crashes(): number;
}

export interface ServiceGroup {
  services: Map<ServiceName, RunningService>;
  /** kill -9 of the named services' current processes; the supervisor restarts them (1 s backoff), as a pod's restart policy would. */
  kill(names: readonly ServiceName[]): void;
  /** Resolves once every named service answers /readyz 200 (or throws at the deadline). */
  ready(names: readonly ServiceName[], timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
  /** SIGKILL to every process, no restart (the runner is being interrupted). */
  stopNow(): void;
}

const active = new Set<ServiceGroup>();

/** SIGKILL to every service process still running (Ctrl-C of the runner, a crash of it). */
export function killAllServices(): void {
  for (const group of [...active]) group.stopNow();
}

/**
 * Runs the real services as `npm start` does (`node --conditions=source --import tsx
 * services/<name>/src/main.ts`), each supervised (restarted after 1, 2, 4 … s when it exits on its
 * own, as Kubernetes would), output to `<logDir>/<name>.log`.
 */
export async function startServices({
  names,
  env,
  logDir,
  perService = {},
}: {
  names: readonly ServiceName[];
  env: NodeJS.ProcessEnv;
  logDir: string;
  perService?: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
}): Promise<ServiceGroup> {
  const services = new Map<ServiceName, RunningService>();
  const supervisors: Supervisor[] = [];
  const logs: WriteStream[] = [];
  for (const name of names) {
    const port = await freePortBelowEphemeral();
    const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
    logs.push(log);
    let pid: number | undefined;
    let crashes = 0;
    const supervisor = createSupervisor({
      command: process.execPath,
      args: ['--conditions=source', '--import', 'tsx', `services/${name}/src/main.ts`],
      cwd: REPO_ROOT,
      env: { ...env, ...perService[name], HOST: '127.0.0.1', PORT: String(port) },
      // A kill -9 every scenario must not exhaust it; long runs reset the count anyway.
      policy: createRestartPolicy({ maxRestarts: 20, initialDelayMs: 1_000, maxDelayMs: 8_000, stableAfterMs: 30_000 }),
      onLine: (line) => log.write(`${line}\n`),
      onEvent: (event) => {
        if (event.type === 'started') pid = event.pid;
        if (event.type === 'exited') {
          pid = undefined;
          if (!event.expected) crashes += 1;
        }
        log.write(`[chaos] ${JSON.stringify(event.type === 'spawn-failed' ? { type: event.type, error: event.error.message } : event)}\n`);
      },
    });
    supervisors.push(supervisor);
    services.set(name, { name, port, url: `http://127.0.0.1:${port}`, pid: () => pid, crashes: () => crashes });
    supervisor.start();
  }
  const group: ServiceGroup = {
    services,
    kill(killed) {
      for (const name of killed) {
        const pid = services.get(name)?.pid();
        if (pid !== undefined) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    },
    async ready(wanted, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (const name of wanted) {
        const service = services.get(name);
        if (service === undefined) continue;
        for (;;) {
          const ok = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
            (r) => r.ok,
            () => false,
          );
          if (ok) break;
          if (Date.now() > deadline) throw new Error(`${name} not ready within ${Math.round(timeoutMs / 1000)} s (log: ${join(logDir, `${name}.log`)})`);
          await delay(300);
        }
      }
    },
    async stop() {
      active.delete(group);
      await Promise.all(supervisors.map((s) => s.stop(10_000)));
      await Promise.all(logs.map((l) => new Promise<void>((done) => l.end(done))));
    },
    stopNow() {
      active.delete(group);
      for (const s of supervisors) s.kill();
    },
  };
  active.add(group);
  return group;
}
