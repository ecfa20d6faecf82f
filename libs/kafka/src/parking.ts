import type { IHeaders } from 'kafkajs';
import { z } from 'zod';
import type { MlcError } from '@mlc/errors';
import { CircuitOptions, type CircuitSnapshot } from './circuit.js';

/**
 * Parking: how a writer keeps a connection's records, in order, while that connection's target is
 * down, so other connections' records on the same partitions keep flowing and nothing is
 * dead-lettered for being transient.
 *
 * A lane is (topic, partition, connection) of one consumer group. A record is parked when its
 * connection's circuit is not closed, or when its lane already holds parked records (order: a
 * later record never overtakes a parked one). The park row is committed in PostgreSQL before the
 * record's Kafka offset is, so a kill -9 at any point loses nothing (a record parked twice is one
 * row: the key is group, topic, partition, offset). A drainer replays a lane's rows in offset order
 * through the same handler once the circuit lets it (a probe while open), one drainer per lane at a
 * time (a PostgreSQL advisory lock), deleting each row once its outcome is recorded.
 */
export interface ParkedRecord {
  topic: string;
  partition: number;
  offset: string;
  connection: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** Attempts counted towards maxAttempts while draining (non-outage retriable failures). */
  attempts: number;
  /** Why it was parked (an error code, or behind parked records). */
  reason: string;
  parkedAt: Date;
}

export interface ParkingLane {
  topic: string;
  partition: number;
  connection: string;
  /** Rows in the lane. */
  count: number;
}

/** What became of a drained record: done (its outcome recorded; the row goes) or kept. */
export type DrainVerdict = { done: true } | { done: false; attempts: number };

export interface ParkingStore {
  /** Connections with parked records on a partition. */
  connectionsParkedOn(topic: string, partition: number): Promise<Set<string>>;
  /**
   * Parks a record unless its connection already has `cap` rows: 'parked' (also when it was parked
   * before, a redelivery) or 'full'.
   */
  park(record: Omit<ParkedRecord, 'attempts' | 'parkedAt'>, cap: number): Promise<'parked' | 'full'>;
  /** Every non-empty lane of the group. */
  lanes(): Promise<ParkingLane[]>;
  /**
   * Takes the lane's lock (without waiting: 'locked' when another drainer has it) and hands its
   * oldest record to `work`; deletes it when done, else stores its attempts. 'empty' when the lane
   * has no rows. An error from `work` leaves the row as it was.
   */
  drainOne(lane: Omit<ParkingLane, 'count'>, work: (record: ParkedRecord) => Promise<DrainVerdict>): Promise<'empty' | 'locked' | 'done' | 'kept'>;
  /** Records a circuit's state for tools (`mlc status`); best effort. */
  saveCircuit(connection: string, target: string, snapshot: CircuitSnapshot): Promise<void>;
}

/** A runtime's outage handling: circuits per connection and `target`, and where records are parked. */
export const OutageSettings = z.object({
  /** The target system the writer calls (e.g. `coupa`); circuits are per connection and target. */
  target: z.string().min(1),
  circuit: CircuitOptions,
  /** Parked rows per connection and group beyond which the partition waits instead (backpressure). */
  maxParkedPerConnection: z.number().int().positive(),
  /** How often the drainer looks for lanes to drain and probes open circuits. */
  drainIntervalMs: z.number().int().positive(),
});
export type OutageSettings = z.infer<typeof OutageSettings>;

/**
 * What to do with a handler's failure, from the error table's flags only:
 * - `dead-letter`: permanent, or a record's own retriable failure past maxAttempts.
 * - `wait`: an outage of our own infrastructure (database, Kafka, registry): retried for as long as
 *   it lasts, never counted.
 * - `park`: a target outage with the connection's circuit open (only when the runtime parks).
 * - `retry`: retry in place, counted towards maxAttempts (a target outage below the circuit's
 *   threshold, a missing dependency, a database conflict).
 * `counted` includes the attempt that just failed.
 */
export type FailureDecision = 'dead-letter' | 'wait' | 'park' | 'retry';

export function decideFailure(error: Pick<MlcError, 'retriable' | 'outage'>, { counted, maxAttempts, circuitOpen }: { counted: number; maxAttempts: number; circuitOpen?: boolean | undefined }): FailureDecision {
  if (!error.retriable) return 'dead-letter';
  if (error.outage === 'infrastructure') return 'wait';
  if (error.outage === 'target' && circuitOpen === true) return 'park';
  return counted >= maxAttempts ? 'dead-letter' : 'retry';
}

/**
 * What to do with a parked record's failure while draining: target and infrastructure outages
 * keep it (uncounted: it was parked for one); a record's own retriable failure is counted and
 * dead-lettered past maxAttempts; a permanent one is dead-lettered.
 */
export function decideDrainFailure(error: Pick<MlcError, 'retriable' | 'outage'>, { counted, maxAttempts }: { counted: number; maxAttempts: number }): 'dead-letter' | 'keep' | 'retry' {
  if (!error.retriable) return 'dead-letter';
  if (error.outage !== null) return 'keep';
  return counted >= maxAttempts ? 'dead-letter' : 'retry';
}

/** Kafka headers as JSON (values base64), so a parked record is replayed with its exact headers. */
export function headersToJson(headers: IHeaders | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    out[name] = values.map((v) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v).toString('base64'));
  }
  return out;
}

export function headersFromJson(json: unknown): IHeaders {
  const out: IHeaders = {};
  for (const [name, values] of Object.entries((json ?? {}) as Record<string, string[]>)) {
    const buffers = values.map((v) => Buffer.from(v, 'base64'));
    out[name] = buffers.length === 1 ? buffers[0] : buffers;
  }
  return out;
}
