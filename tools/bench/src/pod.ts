import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

// A service as its pod runs it: the memory limit and NODE_OPTIONS of its Deployment in
// deploy/k8s/base (the manifests are the one home of both), and a memory cgroup of that size
// around the child process where this machine lets the bench make one, so the service meets the
// limit as in its pod: Node sizes V8's heap from the cgroup, and going over is an OOM kill.

const ROOT = resolve(import.meta.dirname, '../../..');

export interface PodLimits {
  /** `resources.limits.memory` of the service's container, in bytes. */
  memoryLimitBytes: number;
  /** The container's NODE_OPTIONS, split on whitespace (empty when it sets none). */
  nodeOptions: string[];
}

const UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** A Kubernetes memory quantity (`256Mi`, `1G`, `134217728`) in bytes. */
export function parseMemoryQuantity(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(k|M|G|Ki|Mi|Gi)?$/.exec(quantity.trim());
  if (match === null) throw new Error(`not a memory quantity: ${JSON.stringify(quantity)} (expected e.g. 256Mi)`);
  return Math.round(Number(match[1]) * UNITS[match[2] ?? '']!);
}

interface Container {
  name?: string;
  env?: Array<{ name: string; value?: string }>;
  resources?: { limits?: { memory?: string } };
}

/** The limits of the Deployment's container named after the service in a manifest's text. */
export function podLimitsOf(manifest: string, service: string): PodLimits {
  for (const doc of parseAllDocuments(manifest)) {
    const o = doc.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: Container[] } } } } | null;
    if (o?.kind !== 'Deployment') continue;
    const container = o.spec?.template?.spec?.containers?.find((c) => c.name === service);
    if (container === undefined) continue;
    const memory = container.resources?.limits?.memory;
    if (memory === undefined) throw new Error(`${service}: its container sets no resources.limits.memory`);
    const nodeOptions = container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
    return { memoryLimitBytes: parseMemoryQuantity(memory), nodeOptions: nodeOptions.split(/\s+/).filter((s) => s !== '') };
  }
  throw new Error(`no Deployment with a container named ${service}`);
}

/** deploy/k8s/base/<service>.yaml's limits. */
export function podLimits(service: string): PodLimits {
  const file = join(ROOT, 'deploy/k8s/base', `${service}.yaml`);
  try {
    return podLimitsOf(readFileSync(file, 'utf8'), service);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}

/** A memory cgroup made for one child process; `procs` is the file its pid is written to. */
export interface MemoryCgroup {
  procs: string;
  /** Highest memory charged to the cgroup (anonymous and page cache), bytes. */
  peakBytes(): number | undefined;
  /** Processes the kernel killed for going over the limit. */
  oomKills(): number;
  remove(): void;
}

const V1 = '/sys/fs/cgroup/memory';
const V2 = '/sys/fs/cgroup';

const readNumber = (file: string): number | undefined => {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
};

/** `oom_kill N` of memory.oom_control (v1) or memory.events (v2). */
export function oomKillsOf(text: string): number {
  const match = /^oom_kill (\d+)$/m.exec(text);
  return match === null ? 0 : Number(match[1]);
}

/**
 * A fresh memory cgroup limited to `limitBytes`, under cgroup v1's memory hierarchy or cgroup v2's
 * root; undefined, with the reason, where neither can be written (no root, a read-only cgroupfs).
 */
export function makeMemoryCgroup(name: string, limitBytes: number): MemoryCgroup | { unavailable: string } {
  const leaf = `mlc-bench-${name}-${randomBytes(3).toString('hex')}`;
  const v1 = existsSync(join(V1, 'memory.limit_in_bytes'));
  const v2 = !v1 && existsSync(join(V2, 'cgroup.controllers')) && readFileSync(join(V2, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory');
  if (!v1 && !v2) return { unavailable: 'no memory cgroup controller on this machine' };
  const dir = join(v1 ? V1 : V2, leaf);
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, v1 ? 'memory.limit_in_bytes' : 'memory.max'), String(limitBytes));
    // No swap to hide the limit behind (v1 only where the kernel accounts swap).
    if (!v1) writeFileSync(join(dir, 'memory.swap.max'), '0');
  } catch (error) {
    try {
      rmdirSync(dir);
    } catch {
      // never made
    }
    return { unavailable: `cannot make a memory cgroup (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  return {
    procs: join(dir, 'cgroup.procs'),
    peakBytes: () => readNumber(join(dir, v1 ? 'memory.max_usage_in_bytes' : 'memory.peak')),
    oomKills: () => {
      try {
        return oomKillsOf(readFileSync(join(dir, v1 ? 'memory.oom_control' : 'memory.events'), 'utf8'));
      } catch {
        return 0;
      }
    },
    remove: () => {
      try {
        rmdirSync(dir);
      } catch {
        // a process still in it (the kernel frees it once that exits); leave it
      }
    },
  };
}
