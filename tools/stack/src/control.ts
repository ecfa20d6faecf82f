// Taking parts of a running stack away and bringing them back: what a chaos runner (tools/chaos)
// and `npm run stack -- broker kill 2` / `rolling-restart` / `registry restart` need. Works on the
// single broker (id 1) and on a cluster started with `up --brokers 3`.
import { readFileSync, rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { brokerIds, brokerPorts, type StackConfig } from './config.js';
import { brokerAddress, kafkaPaths, partitionStates } from './kafka.js';
import { isAlive, portInUse, runningPid, stopProcess } from './process.js';
import { FIRST_START_TIMEOUT_MS, kafkaPart, partTag, registryPart, upPart, type Part, type Say } from './stack.js';

/** SIGTERM: a controlled shutdown (leaders move first, logs flushed). SIGKILL: a crash. */
export type StopSignal = 'SIGTERM' | 'SIGKILL';

/** What a stop did: `killed` also when a SIGTERM did not end the process within its grace time. */
export type StopResult = 'stopped' | 'killed' | 'not-running';

export interface ControlOptions {
  /** Progress lines (the CLI prints them with a `[stack]` prefix). Default: silent. */
  say?: Say;
  /** Upper bound of each wait (start, ISR recovery). Default 180 s. */
  timeoutMs?: number;
}

export interface StopOptions extends ControlOptions {
  /** Default SIGTERM. */
  signal?: StopSignal;
}

export interface BrokerInfo {
  /** 1-based; also the KRaft node id. */
  id: number;
  /** PLAINTEXT `127.0.0.1:<port>`. */
  address: string;
  /** The process while it runs (pid file + command line checked), else undefined. */
  pid: number | undefined;
  dataDir: string;
  /** The broker's own log (rolling); `outFile` has the JVM's stdout/stderr. */
  logFile: string;
  outFile: string;
}

/** Every broker of the stack in `config.stackDir`, running or not. */
export function listBrokers(config: StackConfig): BrokerInfo[] {
  return brokerIds(config).map((id) => {
    const paths = kafkaPaths(config, id);
    const part = kafkaPart(config, id);
    return { id, address: brokerAddress(config, id), pid: runningPid(part.pidFile, part.marker), dataDir: paths.data, logFile: paths.logFile, outFile: paths.outFile };
  });
}

/**
 * Stops broker `id` (SIGTERM by default, escalating to SIGKILL after 30 s; SIGKILL at once with
 * `signal: 'SIGKILL'`) and resolves once its process is gone. Does not wait for the cluster to
 * notice (leader election, ISR shrink): `waitForLeaders` does.
 */
export async function stopBroker(config: StackConfig, id: number, options: StopOptions = {}): Promise<StopResult> {
  brokerPorts(config, id); // an unknown id fails here, with the ids there are
  return stopPart(kafkaPart(config, id), options);
}

/** `stopBroker` with SIGKILL: the crash case. */
export async function killBroker(config: StackConfig, id: number, options: ControlOptions = {}): Promise<StopResult> {
  return stopBroker(config, id, { ...options, signal: 'SIGKILL' });
}

/**
 * Starts broker `id` (no-op when it runs) and resolves once it is back in the cluster: it answers,
 * every partition has a leader, and (with more than one broker) every partition's ISR holds all its
 * replicas again, so stopping another broker next cannot take a partition below min.insync.replicas.
 */
export async function startBroker(config: StackConfig, id: number, options: ControlOptions = {}): Promise<void> {
  const say = options.say ?? quiet;
  const timeoutMs = options.timeoutMs ?? FIRST_START_TIMEOUT_MS;
  // The broker's config as `up` last wrote it, with or without the secure listeners.
  await startPart(kafkaPart(config, id, { secure: hasSecureListeners(config) }), say, timeoutMs);
  if (config.brokers > 1) {
    await waitForFullIsr(config, { say, timeoutMs });
    say(`kafka-${id}: back in sync (every partition's ISR complete)`);
  } else {
    await waitForLeaders(config, { say, timeoutMs });
  }
}

/** `stopBroker` then `startBroker`. */
export async function restartBroker(config: StackConfig, id: number, options: StopOptions = {}): Promise<void> {
  await stopBroker(config, id, options);
  await startBroker(config, id, options);
}

/**
 * Restarts every broker one at a time (a rolling upgrade), waiting for the ISR to be complete
 * before and after each, so the cluster keeps serving acks=all writes throughout (with 3 brokers,
 * RF 3 and min.insync.replicas 2).
 */
export async function rollingRestart(config: StackConfig, options: StopOptions = {}): Promise<void> {
  const say = options.say ?? quiet;
  const started = Date.now();
  await waitForFullIsr(config, options);
  for (const id of brokerIds(config)) {
    say(`rolling restart: broker ${id} of ${config.brokers}`);
    await restartBroker(config, id, options);
  }
  say(`rolling restart of ${config.brokers} broker(s) done in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** One partition whose in-sync replicas are fewer than its replicas, or that has no leader. */
export interface PartitionHealth {
  topic: string;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/** Partitions (internal topics included) that are leaderless or under-replicated right now. */
export async function unhealthyPartitions(config: StackConfig): Promise<PartitionHealth[]> {
  const states = await partitionStates(config);
  return states.filter((p) => p.leader < 0 || p.isr.length < p.replicas.length);
}

/**
 * Resolves once every partition has a leader that is up (brokers down or not). Right after a
 * SIGKILL the metadata still names the dead broker as leader until the controller fences it
 * (broker.session.timeout.ms, 9 s): a leader counts only while its listener accepts connections.
 */
export async function waitForLeaders(config: StackConfig, options: ControlOptions = {}): Promise<void> {
  await waitForPartitions(config, options, 'every partition has a live leader', (p, up) => up.has(p.leader));
}

/** Resolves once every partition has a leader and a complete ISR (needs every broker up). */
export async function waitForFullIsr(config: StackConfig, options: ControlOptions = {}): Promise<void> {
  await waitForPartitions(config, options, "every partition's ISR is complete", (p, up) => up.has(p.leader) && p.replicas.every((r) => p.isr.includes(r) && up.has(r)));
}

/** Stops the schema registry (SIGTERM, SIGKILL after 15 s, or SIGKILL at once). */
export async function stopSchemaRegistry(config: StackConfig, options: StopOptions = {}): Promise<StopResult> {
  return stopPart(registryPart(config), options);
}

/** Starts the schema registry (no-op when it runs) and resolves once it answers. */
export async function startSchemaRegistry(config: StackConfig, options: ControlOptions = {}): Promise<void> {
  await startPart(registryPart(config), options.say ?? quiet, options.timeoutMs ?? FIRST_START_TIMEOUT_MS);
}

/** `stopSchemaRegistry` then `startSchemaRegistry`; schemas persist (H2 file). */
export async function restartSchemaRegistry(config: StackConfig, options: StopOptions = {}): Promise<void> {
  await stopSchemaRegistry(config, options);
  await startSchemaRegistry(config, options);
}

const quiet: Say = () => undefined;

async function stopPart(part: Part, { signal = 'SIGTERM', say = quiet }: StopOptions): Promise<StopResult> {
  const pid = runningPid(part.pidFile, part.marker);
  let result: StopResult;
  if (pid === undefined) {
    result = 'not-running';
  } else if (signal === 'SIGKILL') {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
    while (isAlive(pid)) await delay(50);
    result = 'killed';
  } else {
    result = await stopProcess(pid, part.stopGraceMs);
  }
  rmSync(part.pidFile, { force: true });
  say(`${partTag(part)}: ${result === 'not-running' ? 'not running' : `${result} (pid ${pid}${signal === 'SIGKILL' ? ', SIGKILL' : ''})`}`);
  return result;
}

/** Like `up` for one part: refuses ports taken by strangers, prepares, starts, waits. */
async function startPart(part: Part, say: Say, timeoutMs: number): Promise<void> {
  if (runningPid(part.pidFile, part.marker) === undefined) {
    for (const { port, setting } of part.ports) {
      // A port still held by the process just stopped frees within moments; a stranger's does not.
      const deadline = Date.now() + 10_000;
      while ((await portInUse(port)) && Date.now() < deadline) await delay(200);
      if (await portInUse(port)) throw new Error(`${part.label}: port ${port} on 127.0.0.1 is taken by a process this stack did not start; free it or set ${setting}`);
    }
    await part.prepare();
  }
  await upPart(part, say, timeoutMs);
}

/** Whether `up` gave the brokers the secure listeners (their config names a SASL_SSL listener). */
function hasSecureListeners(config: StackConfig): boolean {
  try {
    return readFileSync(kafkaPaths(config, 1).serverProperties, 'utf8').includes('SASL_SSL\\://');
  } catch {
    return true;
  }
}

/** Ids of the brokers whose PLAINTEXT listener accepts connections now. */
async function listeningBrokers(config: StackConfig): Promise<Set<number>> {
  const ids = brokerIds(config);
  const listening = await Promise.all(ids.map((id) => portInUse(brokerPorts(config, id).port)));
  return new Set(ids.filter((_, i) => listening[i]));
}

async function waitForPartitions(
  config: StackConfig,
  { say = quiet, timeoutMs = FIRST_START_TIMEOUT_MS }: ControlOptions,
  what: string,
  healthy: (p: PartitionHealth, up: ReadonlySet<number>) => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  let last: PartitionHealth[] | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      const up = await listeningBrokers(config);
      last = (await partitionStates(config)).filter((p) => !healthy(p, up));
      if (last.length === 0) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const sample = (last ?? []).slice(0, 5).map((p) => `${p.topic}-${p.partition} leader ${p.leader} isr [${p.isr.join(',')}] of [${p.replicas.join(',')}]`);
      throw new Error(`Kafka: not ${what} within ${Math.round(timeoutMs / 1000)} s${sample.length > 0 ? `: ${sample.join('; ')}` : ''}`, { cause: lastError });
    }
    if (!told && last !== undefined) {
      say(`kafka: waiting until ${what} (${last.length} partition(s) not yet)`);
      told = true;
    }
    await delay(500);
  }
}
