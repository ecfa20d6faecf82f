import { createHmac, randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { Pool } from 'undici';

/** Latencies of one load phase, in ms; rate in requests per second. */
export interface LoadResult {
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * What to send: `bare` posts supplier bodies to `/bare`; `callout` posts them as signed Coupa
 * supplier call-outs (a fresh event id and record each, so each is a new event) to the gateway.
 * Request `i` of a phase is supplier number `offset + i`.
 */
export type LoadTarget =
  | { kind: 'bare'; url: string; run: string; offset: number }
  | { kind: 'callout'; url: string; run: string; offset: number; connection: string; hmacSecret: string };

/** Closed loop: `count` requests over `concurrency` connections, each sending its next on the answer (the max rate). */
export interface ClosedLoop {
  mode: 'closed';
  count: number;
  concurrency: number;
}

/**
 * Open loop: `count` requests at a fixed arrival rate, whatever the answers do (up to
 * `connections` at once); latency from each request's scheduled time, so a stall counts for every
 * request that should have been sent during it.
 */
export interface OpenLoop {
  mode: 'open';
  count: number;
  perSecond: number;
  connections: number;
}

export type LoadJob = (ClosedLoop | OpenLoop) & { target: LoadTarget };

/** A Coupa supplier call-out body, different per `i` so every one is a new record and event; `number` is the supplier number. */
export function supplierBody(i: number, number: string): string {
  return JSON.stringify({
    id: i + 1,
    'created-at': '2026-11-01T00:00:00Z',
    'updated-at': '2026-11-23T10:00:00Z',
    name: `Bench Supplier ${i}`,
    'display-name': `Bench Supplier ${i}`,
    number,
    status: 'active',
    'payment-term': { code: 'Net 30' },
    'tax-id': null,
    'primary-contact': { email: `ap${i}@bench.example`, 'name-given': 'Ada', 'name-family': 'Bench', 'phone-work': '+27 31 555 0100' },
    'primary-address': { name: null, street1: `${i} Main Rd`, street2: null, city: 'Durban', state: 'KZN', 'postal-code': '4001', country: { code: 'ZA' } },
    'po-method': 'prompt',
    'payment-method': 'invoice',
    'invoice-matching-level': '3-way',
    'on-hold': false,
    currency: { code: 'ZAR' },
  });
}

/** Headers of a signed Coupa supplier call-out with a fresh event id. */
export function calloutHeaders(body: string, hmacSecret: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-coupa-event-id': randomUUID(),
    'x-coupa-event-type': 'supplier.updated',
    'x-coupa-signature': createHmac('sha256', hmacSecret).update(body).digest('hex'),
  };
}

function requestOf(target: LoadTarget, i: number): { path: string; body: string; headers: Record<string, string> } {
  const n = target.offset + i;
  const body = supplierBody(n, `B${target.run}-${n}`);
  if (target.kind === 'bare') return { path: '/bare', body, headers: { 'content-type': 'application/json' } };
  return { path: `/webhooks/coupa/${target.connection}`, body, headers: calloutHeaders(body, target.hmacSecret) };
}

export const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

export function summarize(latencies: number[], seconds: number): LoadResult {
  latencies.sort((a, b) => a - b);
  const count = latencies.length;
  return { count, seconds, perSecond: count / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 };
}

/**
 * Calls `op(i, due)` for i < count at `due` = started + i / perSecond (ms, performance.now()),
 * whatever the earlier calls are doing; resolves when all have, rejects with the first failure
 * (sending nothing more after it).
 */
export async function openLoop(count: number, perSecond: number, started: number, op: (i: number, due: number) => Promise<void>): Promise<void> {
  const interval = 1000 / perSecond;
  const calls: Promise<void>[] = [];
  let failed: unknown;
  for (let i = 0; i < count && failed === undefined; i += 1) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    else if (i % 8 === 0) await new Promise((resolve) => setImmediate(resolve)); // behind: still let answers in
    calls.push(op(i, due).catch((error: unknown) => void (failed ??= error)));
  }
  await Promise.all(calls);
  if (failed !== undefined) throw failed;
}

/** Latencies (ms from each call's scheduled time) of `op` called open loop at `perSecond`, on this thread. */
export async function openLoopLatency(count: number, perSecond: number, op: (i: number) => Promise<unknown>): Promise<LoadResult> {
  const latencies: number[] = [];
  const started = performance.now();
  await openLoop(count, perSecond, started, async (i, due) => {
    await op(i);
    latencies.push(performance.now() - due);
  });
  return summarize(latencies, (performance.now() - started) / 1000);
}

/** Runs one load phase on this thread (the worker's). */
export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const origin = new URL(job.target.url).origin;
  const pool = new Pool(origin, { connections: job.mode === 'closed' ? job.concurrency : job.connections, pipelining: 1, headersTimeout: 60_000, bodyTimeout: 60_000 });
  const latencies: number[] = [];
  const send = async (i: number, from: number) => {
    const { path, body, headers } = requestOf(job.target, i);
    const res = await pool.request({ origin, path, method: 'POST', body, headers });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`request ${i} to ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`);
    latencies.push(performance.now() - from);
  };
  const started = performance.now();
  try {
    if (job.mode === 'closed') {
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < job.count; i = next++) await send(i, performance.now());
      };
      await Promise.all(Array.from({ length: job.concurrency }, worker));
    } else {
      await openLoop(job.count, job.perSecond, started, send);
    }
    return summarize(latencies, (performance.now() - started) / 1000);
  } finally {
    await pool.close();
  }
}

/**
 * The bench's HTTP client in a worker thread, so its CPU is not on the thread that serves the
 * requests (the same for the gateway and the bare route). One job at a time.
 */
export function startLoadWorker(): { run(job: LoadJob): Promise<LoadResult>; close(): Promise<void> } {
  const self = import.meta.url;
  // Run from source (tsx), the worker registers tsx itself: Node 20 does not carry the main thread's loader hooks over.
  const worker = self.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./load-worker.ts', self).href)}); });`, { eval: true })
    : new Worker(new URL('./load-worker.js', self));
  let failure: Error | undefined;
  worker.on('error', (error) => (failure = error));
  return {
    run: (job) =>
      new Promise<LoadResult>((resolve, reject) => {
        if (failure) return reject(failure);
        const onError = (error: Error) => reject(error);
        worker.once('error', onError);
        worker.once('message', (answer: { ok: true; result: LoadResult } | { ok: false; error: string }) => {
          worker.off('error', onError);
          if (answer.ok) resolve(answer.result);
          else reject(new Error(`load worker: ${answer.error}`));
        });
        worker.postMessage(job);
      }),
    close: async () => void (await worker.terminate()),
  };
}
