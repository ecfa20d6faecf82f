import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitOptions, createCircuit, createCircuits } from './circuit.js';

const options = { failureThreshold: 3, probeInitialMs: 1_000, probeMaxMs: 4_000 };
// random() = 1 - ε gives equal jitter's full ceiling, so probe times are exact.
const ceiling = () => 0.999_999_9;

test('closed until failureThreshold consecutive target outages; a success in between starts the count again', () => {
  const c = createCircuit(options, 0, ceiling);
  assert.equal(c.failed(1, 'MLC_HTTP_SERVER_ERROR'), undefined);
  assert.equal(c.failed(2, 'MLC_HTTP_SERVER_ERROR'), undefined);
  assert.equal(c.succeeded(3), undefined, 'closed stays closed: no transition');
  assert.equal(c.failed(4, 'MLC_HTTP_TIMEOUT'), undefined);
  assert.equal(c.failed(5, 'MLC_HTTP_TIMEOUT'), undefined);
  assert.equal(c.closed(), true);
  const opened = c.failed(6, 'MLC_HTTP_TIMEOUT');
  assert.deepEqual(opened, { from: 'closed', to: 'open', failures: 3, nextProbeAt: 6 + 999, code: 'MLC_HTTP_TIMEOUT' });
  assert.equal(c.closed(), false);
  assert.equal(c.snapshot().state, 'open');
});

test('open: no probe before its time; then one probe at a time (half-open)', () => {
  const c = createCircuit(options, 0, ceiling);
  for (let i = 0; i < 3; i++) c.failed(0, 'MLC_HTTP_CONNECTION');
  assert.equal(c.tryProbe(998), false);
  assert.equal(c.tryProbe(999), true);
  assert.equal(c.snapshot().state, 'half-open');
  assert.equal(c.closed(), false, 'the consumer still parks while the probe is out');
  assert.equal(c.tryProbe(5_000), false, 'one probe at a time');
  c.release(5_000);
  assert.equal(c.snapshot().state, 'open', 'a probe not sent gives the turn back');
  assert.equal(c.tryProbe(5_000), true, '...due at once');
});

test('failed probes back off, doubling up to probeMaxMs; a late failure while open keeps the schedule', () => {
  const c = createCircuit(options, 0, ceiling);
  for (let i = 0; i < 3; i++) c.failed(0, 'MLC_HTTP_SERVER_ERROR');
  const waits: number[] = [];
  let now = 0;
  for (let probe = 0; probe < 5; probe++) {
    const due = c.snapshot().nextProbeAt!;
    waits.push(due - now);
    now = due;
    assert.equal(c.tryProbe(now), true);
    const t = c.failed(now, 'MLC_HTTP_SERVER_ERROR');
    assert.equal(t?.from, 'half-open');
    assert.equal(t?.to, 'open');
  }
  assert.deepEqual(waits, [999, 1_999, 3_999, 3_999, 3_999]);
  const before = c.snapshot().nextProbeAt;
  assert.equal(c.failed(now + 1, 'MLC_HTTP_SERVER_ERROR'), undefined);
  assert.equal(c.snapshot().nextProbeAt, before);
});

test('a successful probe closes the circuit and forgets the outage, whatever its length', () => {
  const c = createCircuit(options, 0, ceiling);
  for (let i = 0; i < 3; i++) c.failed(0, 'MLC_HTTP_SERVER_ERROR');
  const hours = 6 * 3_600_000;
  assert.equal(c.tryProbe(hours), true);
  assert.deepEqual(c.succeeded(hours), { from: 'half-open', to: 'closed', failures: 0 });
  assert.deepEqual(c.snapshot(), { state: 'closed', failures: 0, probes: 0, since: hours });
  // A new outage needs the full threshold again and starts at the first probe delay.
  c.failed(hours, 'MLC_HTTP_TIMEOUT');
  c.failed(hours, 'MLC_HTTP_TIMEOUT');
  assert.equal(c.closed(), true);
  assert.equal(c.failed(hours, 'MLC_HTTP_TIMEOUT')?.nextProbeAt, hours + 999);
});

test('circuits are per connection and target', () => {
  const circuits = createCircuits(options, () => 0);
  for (let i = 0; i < 3; i++) circuits.get('acme', 'coupa').failed(0, 'MLC_HTTP_SERVER_ERROR');
  assert.equal(circuits.get('acme', 'coupa').closed(), false);
  assert.equal(circuits.get('globex', 'coupa').closed(), true);
  assert.equal(circuits.get('acme', 'infor').closed(), true);
  assert.equal(circuits.get('acme', 'coupa'), circuits.get('acme', 'coupa'));
  assert.equal(circuits.entries().length, 3);
});

test('options: a probe cap below the first probe is refused', () => {
  assert.equal(CircuitOptions.safeParse({ failureThreshold: 1, probeInitialMs: 10, probeMaxMs: 5 }).success, false);
  assert.equal(CircuitOptions.safeParse(options).success, true);
});
