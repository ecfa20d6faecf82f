import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux for every architecture we run on). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) from the text of /proc/<pid>/stat, children that were waited for
 * included. The command name (field 2) is in parentheses and may hold spaces, so fields are
 * counted after its closing parenthesis.
 */
export function cpuSecondsOfStat(stat: string): number {
  const end = stat.lastIndexOf(')');
  if (end === -1) throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
  // After ')': state (field 3), …; utime, stime, cutime, cstime are fields 14 to 17.
  const fields = stat.slice(end + 2).trim().split(/\s+/);
  const ticks = [11, 12, 13, 14].map((i) => Number(fields[i]));
  if (ticks.some((t) => !Number.isFinite(t))) throw new Error(`/proc/<pid>/stat has no CPU times: ${stat.slice(0, 80)}`);
  return ticks.reduce((a, b) => a + b, 0) / TICKS_PER_SECOND;
}

/** The command name of a /proc/<pid>/stat line (field 2, in parentheses, may hold spaces). */
export function commandOfStat(stat: string): string {
  return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
}

/**
 * CPU seconds used so far by every running process whose command name matches (`postgres`: the
 * server and its backends; `java`: Kafka and the registry), undefined without /proc. A process
 * that ends between two samples takes its CPU with it, so compare samples of long-lived processes
 * (a pool's backends, the brokers).
 */
export function commandCpuSeconds(command: RegExp): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (command.test(commandOfStat(stat))) total += cpuSecondsOfStat(stat);
    } catch {
      // Gone since the listing.
    }
  }
  return total;
}

/** CPU seconds of the stack's PostgreSQL (the server and every backend) so far. */
export const postgresCpuSeconds = (): number | undefined => commandCpuSeconds(/^postgres$/);

/** CPU seconds of the stack's JVMs (Kafka and the registry) so far. */
export const jvmCpuSeconds = (): number | undefined => commandCpuSeconds(/^java$/);

/** CPU seconds a running process has used so far; undefined when it is gone (or there is no /proc). */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return cpuSecondsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds this process's main thread has used so far (not its worker threads: a bench's load
 * generator runs in one); undefined without /proc.
 */
export function mainThreadCpuSeconds(): number | undefined {
  try {
    return cpuSecondsOfStat(readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds the whole machine has been busy so far, all cores (user, nice, system, irq, softirq
 * and steal of /proc/stat's first line), from the text of /proc/stat.
 */
export function machineBusySecondsOfStat(stat: string): number {
  const fields = (stat.split('\n')[0] ?? '').trim().split(/\s+/);
  if (fields[0] !== 'cpu') throw new Error(`not /proc/stat: ${stat.slice(0, 80)}`);
  const [user, nice, system, , , irq, softirq, steal] = fields.slice(1, 9).map((f) => Number(f) || 0);
  return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_SECOND;
}

/** CPU seconds the whole machine has been busy so far; undefined without /proc. */
export function machineBusySeconds(): number | undefined {
  try {
    return machineBusySecondsOfStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}
