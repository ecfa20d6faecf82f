import { z } from 'zod';
import { backoffDelay } from '@mlc/errors';

/**
 * A circuit per connection and target system: the writer's memory of whether the target answers.
 *
 *   closed ──(failureThreshold consecutive target outages)──▶ open
 *   open ──(probe due: probeInitialMs, doubling up to probeMaxMs)──▶ half-open (one call, the probe)
 *   half-open ──(the probe succeeds)──▶ closed        half-open ──(the probe fails)──▶ open (next probe later)
 *
 * Only failures whose error-table `outage` is `target` are counted (see libs/errors); any success
 * closes it. Pure: the caller passes the time, so tests drive it with a hand-set clock.
 */
export const CircuitOptions = z
  .object({
    /** Consecutive target outages (across the connection's records) that open the circuit. */
    failureThreshold: z.number().int().positive(),
    /** Wait before the first probe of an open circuit; doubles per failed probe... */
    probeInitialMs: z.number().int().positive(),
    /** ...up to this. */
    probeMaxMs: z.number().int().positive(),
  })
  .refine((o) => o.probeMaxMs >= o.probeInitialMs, { message: 'probeMaxMs must be >= probeInitialMs', path: ['probeMaxMs'] });
export type CircuitOptions = z.infer<typeof CircuitOptions>;

export type CircuitState = 'closed' | 'half-open' | 'open';

/** The gauge value of a state: 0 closed, 1 half-open, 2 open. */
export const CIRCUIT_GAUGE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface CircuitTransition {
  from: CircuitState;
  to: CircuitState;
  /** Consecutive target outages so far (0 once closed). */
  failures: number;
  /** When open: the time of the next probe (ms since the epoch). */
  nextProbeAt?: number;
  /** The error code that opened it or kept it open. */
  code?: string;
}

export interface CircuitSnapshot {
  state: CircuitState;
  failures: number;
  /** Failed probes since it opened (0 while closed). */
  probes: number;
  nextProbeAt?: number;
  lastCode?: string;
  since: number;
}

export interface Circuit {
  snapshot(): CircuitSnapshot;
  /** Whether the consumer may call the target: only while closed (half-open belongs to the probe). */
  closed(): boolean;
  /**
   * Whether a probe may be sent now: true while closed, and once an open circuit's probe is due
   * (it turns half-open). False while a probe is out (half-open) or before the next probe time.
   */
  tryProbe(now: number): boolean;
  /** A probe that was let through but not sent (nothing to send, another replica draining): due again at once. */
  release(now: number): void;
  /** A call to the target answered (whatever the record's outcome): closes the circuit. */
  succeeded(now: number): CircuitTransition | undefined;
  /** A call failed with a target outage. */
  failed(now: number, code: string): CircuitTransition | undefined;
}

export function createCircuit(options: CircuitOptions, start: number, random: () => number = Math.random): Circuit {
  let state: CircuitState = 'closed';
  let failures = 0;
  let probes = 0;
  let nextProbeAt: number | undefined;
  let lastCode: string | undefined;
  let since = start;
  const backoff = { initialMs: options.probeInitialMs, maxMs: options.probeMaxMs };

  function move(to: CircuitState, now: number): CircuitTransition {
    const from = state;
    state = to;
    since = now;
    const t: CircuitTransition = { from, to, failures };
    if (to === 'open' && nextProbeAt !== undefined) t.nextProbeAt = nextProbeAt;
    if (lastCode !== undefined && to !== 'closed') t.code = lastCode;
    return t;
  }

  return {
    snapshot() {
      const s: CircuitSnapshot = { state, failures, probes, since };
      if (nextProbeAt !== undefined && state === 'open') s.nextProbeAt = nextProbeAt;
      if (lastCode !== undefined) s.lastCode = lastCode;
      return s;
    },
    closed: () => state === 'closed',
    tryProbe(now) {
      if (state === 'closed') return true;
      if (state === 'half-open' || nextProbeAt === undefined || now < nextProbeAt) return false;
      move('half-open', now);
      return true;
    },
    release(now) {
      if (state !== 'half-open') return;
      nextProbeAt = now;
      state = 'open';
    },
    succeeded(now) {
      failures = 0;
      probes = 0;
      nextProbeAt = undefined;
      if (state === 'closed') return undefined;
      const t = move('closed', now);
      lastCode = undefined;
      return t;
    },
    failed(now, code) {
      failures += 1;
      lastCode = code;
      if (state === 'closed') {
        if (failures < options.failureThreshold) return undefined;
        probes = 1;
        nextProbeAt = now + backoffDelay(probes, backoff, random);
        return move('open', now);
      }
      if (state === 'half-open') {
        probes += 1;
        nextProbeAt = now + backoffDelay(probes, backoff, random);
        return move('open', now);
      }
      // Open already: a call that was out when it opened. The probe schedule stands.
      return undefined;
    },
  };
}

/** One circuit per key (connection and target), made on first use. */
export interface Circuits {
  get(connection: string, target: string): Circuit;
  entries(): Array<{ connection: string; target: string; circuit: Circuit }>;
}

export function createCircuits(options: CircuitOptions, now: () => number = Date.now): Circuits {
  const map = new Map<string, { connection: string; target: string; circuit: Circuit }>();
  return {
    get(connection, target) {
      const key = `${connection}\u0000${target}`;
      let entry = map.get(key);
      if (entry === undefined) {
        entry = { connection, target, circuit: createCircuit(options, now()) };
        map.set(key, entry);
      }
      return entry.circuit;
    },
    entries: () => [...map.values()],
  };
}
