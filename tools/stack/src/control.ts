// Taking parts of a running stack away and bringing them back: what a chaos runner (tools/chaos)
// and `npm run stack -- broker kill 2` / `rolling-restart` / `registry restart` need. Works on the
// single broker (id 1) and on a cluster started with `up --brokers 3`.
import type { StackConfig } from './config.js';
import type { Say } from './stack.js';

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
  void [config];
  throw new Error('not implemented yet');
}

/**
 * Stops broker `id` (SIGTERM by default, escalating to SIGKILL after 30 s; SIGKILL at once with
 * `signal: 'SIGKILL'`) and resolves once its process is gone. Does not wait for the cluster to
 * notice (leader election, ISR shrink): `waitForLeaders` does.
 */
export async function stopBroker(config: StackConfig, id: number, options: StopOptions = {}): Promise<StopResult> {
  void [config, id, options];
  throw new Error('not implemented yet');
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
  void [config, id, options];
  throw new Error('not implemented yet');
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
  void [config, options];
  throw new Error('not implemented yet');
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
  void [config];
  throw new Error('not implemented yet');
}

/** Resolves once every partition has a leader (brokers down or not). */
export async function waitForLeaders(config: StackConfig, options: ControlOptions = {}): Promise<void> {
  void [config, options];
  throw new Error('not implemented yet');
}

/** Resolves once every partition has a leader and a complete ISR (needs every broker up). */
export async function waitForFullIsr(config: StackConfig, options: ControlOptions = {}): Promise<void> {
  void [config, options];
  throw new Error('not implemented yet');
}

/** Stops the schema registry (SIGTERM, SIGKILL after 15 s, or SIGKILL at once). */
export async function stopSchemaRegistry(config: StackConfig, options: StopOptions = {}): Promise<StopResult> {
  void [config, options];
  throw new Error('not implemented yet');
}

/** Starts the schema registry (no-op when it runs) and resolves once it answers. */
export async function startSchemaRegistry(config: StackConfig, options: ControlOptions = {}): Promise<void> {
  void [config, options];
  throw new Error('not implemented yet');
}

/** `stopSchemaRegistry` then `startSchemaRegistry`; schemas persist (H2 file). */
export async function restartSchemaRegistry(config: StackConfig, options: StopOptions = {}): Promise<void> {
  await stopSchemaRegistry(config, options);
  await startSchemaRegistry(config, options);
}
