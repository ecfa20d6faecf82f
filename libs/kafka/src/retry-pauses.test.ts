import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRetryPauses, type Timers } from './retry-pauses.js';
import { testLogger } from './test-support.js';

// Timers run by hand: `advance(ms)` fires what is due, in order.
function manualTimers() {
  let now = 0;
  let nextId = 0;
  const due = new Map<number, { at: number; callback: () => void }>();
  const timers: Timers = {
    set(callback, ms) {
      nextId += 1;
      due.set(nextId, { at: now + ms, callback });
      return nextId;
    },
    clear(handle) {
      due.delete(handle as number);
    },
  };
  return {
    timers,
    pending: () => due.size,
    advance(ms: number) {
      now += ms;
      for (const [id, timer] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at > now) continue;
        due.delete(id);
        timer.callback();
      }
    },
  };
}

function setup() {
  const calls: string[] = [];
  const clock = manualTimers();
  let failResume = false;
  const pauses = createRetryPauses({
    partitions: {
      pause: (topic, partition) => void calls.push(`pause ${topic}/${partition}`),
      resume: (topic, partition) => {
        if (failResume) throw new Error('not in a group');
        calls.push(`resume ${topic}/${partition}`);
      },
    },
    logger: testLogger(),
    timers: clock.timers,
  });
  return { pauses, calls, clock, failResumes: () => (failResume = true) };
}

test('attempts count up for the failing offset and start again for any other', () => {
  const { pauses } = setup();
  assert.equal(pauses.attemptFor('t', 0, '5'), 1);
  pauses.failed('t', 0, '5', 1);
  assert.equal(pauses.attemptFor('t', 0, '5'), 2);
  pauses.failed('t', 0, '5', 2);
  assert.equal(pauses.attemptFor('t', 0, '5'), 3);
  assert.equal(pauses.attemptFor('t', 0, '6'), 1);
  assert.equal(pauses.attemptFor('t', 1, '5'), 1);
  assert.equal(pauses.attemptFor('u', 0, '5'), 1);
  pauses.succeeded('t', 0);
  assert.equal(pauses.attemptFor('t', 0, '5'), 1);
});

test('waits that do not count: calls go on counting, counted attempts stay where they were', () => {
  const { pauses } = setup();
  assert.equal(pauses.countedFor('t', 0, '5'), 0);
  pauses.failed('t', 0, '5', 1);
  assert.equal(pauses.countedFor('t', 0, '5'), 1, 'counted by default');
  pauses.failed('t', 0, '5', 2, 1);
  pauses.failed('t', 0, '5', 3, 1);
  assert.equal(pauses.attemptFor('t', 0, '5'), 4);
  assert.equal(pauses.countedFor('t', 0, '5'), 1);
  assert.equal(pauses.countedFor('t', 0, '6'), 0, 'another offset starts from nothing');
});

test('a failed partition is paused and resumed once its delay is over', () => {
  const { pauses, calls, clock } = setup();
  pauses.failed('t', 2, '7', 1);
  pauses.pause('t', 2, 100);
  assert.deepEqual(calls, ['pause t/2']);
  clock.advance(99);
  assert.deepEqual(calls, ['pause t/2']);
  clock.advance(1);
  assert.deepEqual(calls, ['pause t/2', 'resume t/2']);
  // The attempts outlive the pause: the redelivered message is attempt 2.
  assert.equal(pauses.attemptFor('t', 2, '7'), 2);
});

test('only a partition with a recorded failure is paused', () => {
  const { pauses, calls, clock } = setup();
  pauses.pause('t', 0, 100);
  assert.deepEqual(calls, []);
  assert.equal(clock.pending(), 0);
});

test('pausing again replaces the pending resume instead of adding one', () => {
  const { pauses, calls, clock } = setup();
  pauses.failed('t', 0, '1', 1);
  pauses.pause('t', 0, 100);
  pauses.failed('t', 0, '1', 2);
  pauses.pause('t', 0, 300);
  assert.equal(clock.pending(), 1);
  clock.advance(100);
  assert.deepEqual(calls, ['pause t/0', 'pause t/0']);
  clock.advance(200);
  assert.deepEqual(calls, ['pause t/0', 'pause t/0', 'resume t/0']);
});

test('a rebalance lifts every pause at once and forgets partitions no longer assigned', () => {
  const { pauses, calls, clock } = setup();
  pauses.failed('t', 0, '1', 2);
  pauses.failed('t', 1, '9', 1);
  pauses.pause('t', 0, 1000);
  pauses.pause('t', 1, 1000);
  calls.length = 0;
  pauses.rebalanced({ t: [0] });
  assert.deepEqual(calls.sort(), ['resume t/0', 'resume t/1']);
  // The old generation's timers never lift a pause of the new one.
  assert.equal(clock.pending(), 0);
  assert.equal(pauses.attemptFor('t', 0, '1'), 3);
  assert.equal(pauses.attemptFor('t', 1, '9'), 1);
  pauses.rebalanced({});
  assert.equal(pauses.attemptFor('t', 0, '1'), 1);
});

test('a resume kafkajs refuses is logged, not thrown', () => {
  const { pauses, clock, failResumes } = setup();
  pauses.failed('t', 0, '1', 1);
  pauses.pause('t', 0, 10);
  failResumes();
  assert.doesNotThrow(() => clock.advance(10));
  pauses.pause('t', 0, 10);
  assert.doesNotThrow(() => pauses.rebalanced({ t: [0] }));
});

test('after close nothing is paused or resumed and every timer is gone', () => {
  const { pauses, calls, clock } = setup();
  pauses.failed('t', 0, '1', 1);
  pauses.pause('t', 0, 100);
  pauses.close();
  assert.equal(clock.pending(), 0);
  assert.equal(pauses.attemptFor('t', 0, '1'), 1);
  pauses.failed('t', 0, '1', 1);
  pauses.pause('t', 0, 100);
  clock.advance(1000);
  assert.deepEqual(calls, ['pause t/0']);
});

test('a resume still due when the runtime stops does not fire', () => {
  const { pauses, calls, clock } = setup();
  pauses.failed('t', 0, '1', 1);
  pauses.pause('t', 0, 100);
  // Handled meanwhile (a batch fetched before the pause): its entry goes, its timer stays due.
  pauses.succeeded('t', 0);
  pauses.close();
  clock.advance(100);
  assert.deepEqual(calls, ['pause t/0']);
});
