import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStageTimer, gatewayRows, machineNote, measureMachine, stagesNote } from './gateway.js';
import type { DeliveryLog } from '@mlc/coupa-gateway';
import type { LoadResult } from './load.js';

const load = (perSecond: number, p99: number): LoadResult => ({ count: 100, seconds: 100 / perSecond, perSecond, p50: p99 / 4, p95: p99 / 2, p99, max: p99 * 2 });
const half = { gateway: load(300, 12), bare: load(300, 2), kafkaAck: load(300, 4), postgres: load(300, 1), perSecond: 300 };

test('the gateway rows: the rate ratio and p99 at half rate carry the goals; CPU per request is context beside them', () => {
  const [rate, cpu, p99] = gatewayRows(load(4000, 3), load(600, 40), half, { bare: 80, gateway: 640 });
  assert.equal(rate!.ratio, 0.15);
  assert.equal(rate!.met, false);
  assert.equal(cpu!.unit, 'µs CPU/req');
  assert.equal(cpu!.ratio, 0.125);
  assert.equal(cpu!.goal, undefined);
  assert.equal(p99!.measured, 12);
  assert.equal(p99!.met, true);
});

test('without a CPU reading (no /proc) there is no CPU row', () => {
  assert.equal(gatewayRows(load(4000, 3), load(2500, 40), half, { bare: undefined, gateway: 640 }).length, 2);
  assert.equal(gatewayRows(load(4000, 3), load(2500, 40), half).length, 2);
});

test('with the floor route measured, a row of context: its rate against the bare route, no goal of its own', () => {
  const rows = gatewayRows(load(4000, 3), load(600, 40), half, { bare: 80, gateway: 640 }, { closed: load(1800, 9), cpuUs: 210, half: load(300, 15) });
  const floor = rows.at(-1)!;
  assert.equal(rows.length, 4);
  assert.equal(floor.measured, 1800);
  assert.equal(floor.ratio, 0.45);
  assert.equal(floor.goal, undefined);
  assert.equal(floor.met, undefined);
  assert.match(floor.note!, /CPU\/req 210 µs; open loop at the same half rate p99 15\.0 ms/);
});

test('with the kept floor measured, a second row of context after the floor: its ratio, CPU and half-rate p99, no goal', () => {
  const rows = gatewayRows(load(4000, 3), load(600, 40), half, { bare: 80, gateway: 640 }, { closed: load(1800, 9), cpuUs: 210, half: load(300, 15) }, { closed: load(1000, 20), cpuUs: 380, half: load(300, 18) });
  assert.equal(rows.length, 5);
  const [floor, kept] = rows.slice(-2);
  assert.match(floor!.path, /^gateway floor vs bare/);
  assert.match(kept!.path, /^gateway kept floor vs bare/);
  assert.equal(kept!.measured, 1000);
  assert.equal(kept!.ratio, 0.25);
  assert.equal(kept!.goal, undefined);
  assert.equal(kept!.met, undefined);
  assert.match(kept!.note!, /validates, deduplicates .*; CPU\/req 380 µs; open loop at the same half rate p99 18\.0 ms \(p50 4\.5\)$/);
  // The p99 row names it beside the other floors at that rate.
  assert.match(rows[2]!.note!, /floor p99: Kafka ack 4\.0, Postgres 1\.0 ms, kept floor route 18\.0 ms$/);
});

test('the p99 row notes how busy the machine was at half rate, and what a call-out cost it', () => {
  const machine = { busyShare: 0.8, machineUs: 1718.4, postgresUs: 390, jvmUs: undefined };
  const p99 = gatewayRows(load(4000, 3), load(600, 40), { ...half, machine }, { bare: 80, gateway: 640 })[2]!;
  assert.match(p99.note ?? '', /machine 80 % busy, CPU per call-out 1718 µs \(Postgres 390 µs, Kafka \+ registry \?\)$/);
  assert.equal(machineNote(machine), 'machine 80 % busy, CPU per call-out 1718 µs (Postgres 390 µs, Kafka + registry ?)');
});

test('measureMachine reads the machine over a phase: busy while this process spins', { skip: process.platform !== 'linux' }, async () => {
  const [result, load] = await measureMachine(10, async () => {
    const end = Date.now() + 200;
    while (Date.now() < end);
    return 'done';
  });
  assert.equal(result, 'done');
  assert.ok(load !== undefined);
  // 200 ms of one core's spinning, over 10 requests: at least ~10 ms each, and some share of the cores.
  assert.ok(load.machineUs >= 10_000, `${load.machineUs}`);
  assert.ok(load.busyShare > 0 && load.busyShare <= 1.05, `${load.busyShare}`);
});

test('the stage timer times the claim, the publish until its ack and the completion, only between start and stop', async () => {
  const after = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const log = {
    claim: async () => {
      await after(30);
      return { claimed: true, token: 't', latest: undefined };
    },
    complete: async () => {
      await after(5);
      return true;
    },
  } as unknown as DeliveryLog;
  const timer = createStageTimer();
  const deliveries = timer.deliveries(log);
  const publish = timer.publish(async () => after(15));
  const delivery = { connection: 'c', coupaEventId: 'e', eventType: 'supplier.created', entityType: 'supplier', entityKey: 'k', eventId: 'i', contentHash: 'h', occurredAt: new Date() };
  const callout = async () => {
    await deliveries.claim(delivery, 1000);
    await publish('topic', {} as never);
    return deliveries.complete('c', 'e', 't', 'published');
  };
  await callout(); // before start: not timed
  timer.start();
  assert.equal(await callout(), true, 'the wrapped log answers as the log does');
  await callout();
  const stages = timer.stop(2);
  assert.deepEqual([stages.claim.count, stages['kafka ack'].count, stages.completion.count], [2, 2, 2]);
  assert.ok(stages.claim.p50 >= 25, `claim ${stages.claim.p50} ms`);
  assert.ok(stages['kafka ack'].p50 >= 12 && stages['kafka ack'].p50 < stages.claim.p50, `ack ${stages['kafka ack'].p50} ms`);
  assert.ok(stages.completion.p50 < stages['kafka ack'].p50, `completion ${stages.completion.p50} ms`);
  await callout(); // after stop: not timed
  assert.equal(timer.stop(1).claim.count, 0);
  assert.match(stagesNote(stages), /^claim \d+\.\d \/ \d+\.\d, kafka ack \d+\.\d \/ \d+\.\d, completion \d+\.\d \/ \d+\.\d ms \(p50 \/ p99\)$/);
});

test("the p99 row names the gateway's own waits when they were timed", () => {
  const stage = (p50: number, p99: number): LoadResult => ({ ...load(300, p99), p50 });
  const stages = { claim: stage(1.6, 10.7), 'kafka ack': stage(1.2, 11.1), completion: stage(1.6, 8.3) };
  const p99 = gatewayRows(load(4000, 3), load(600, 40), { ...half, stages }, { bare: 80, gateway: 640 })[2]!;
  assert.match(p99.note ?? '', /the gateway's waits: claim 1\.6 \/ 10\.7, kafka ack 1\.2 \/ 11\.1, completion 1\.6 \/ 8\.3 ms \(p50 \/ p99\)/);
});
