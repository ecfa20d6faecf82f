import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlcError } from '@mlc/errors';
import { parseDuration, parseTime } from './time.js';

// A Thursday.
const now = new Date('2026-11-26T15:30:00Z');

test('ISO 8601 dates and times; no zone means UTC', () => {
  assert.equal(parseTime('2026-11-24', now).toISOString(), '2026-11-24T00:00:00.000Z');
  assert.equal(parseTime('2026-11-24T08:00', now).toISOString(), '2026-11-24T08:00:00.000Z');
  assert.equal(parseTime('2026-11-24T08:00:05.25Z', now).toISOString(), '2026-11-24T08:00:05.250Z');
  assert.equal(parseTime('2026-11-24T08:00:00+02:00', now).toISOString(), '2026-11-24T06:00:00.000Z');
  assert.equal(parseTime('2026-11-24 08:00-0130', now).toISOString(), '2026-11-24T09:30:00.000Z');
});

test('durations ago', () => {
  assert.equal(parseTime('90s', now).toISOString(), '2026-11-26T15:28:30.000Z');
  assert.equal(parseTime('2h', now).toISOString(), '2026-11-26T13:30:00.000Z');
  assert.equal(parseTime('7d', now).toISOString(), '2026-11-19T15:30:00.000Z');
  assert.equal(parseTime('1w', now).toISOString(), '2026-11-19T15:30:00.000Z');
});

test('weekdays: the most recent one at 00:00 UTC, today included', () => {
  assert.equal(parseTime('tuesday', now).toISOString(), '2026-11-24T00:00:00.000Z');
  assert.equal(parseTime('Thursday', now).toISOString(), '2026-11-26T00:00:00.000Z');
  assert.equal(parseTime('friday', now).toISOString(), '2026-11-20T00:00:00.000Z');
});

test('anything else is bad input naming the option', () => {
  for (const text of ['', 'yesterday', '3', '2h ago', '2026-02-31', '2026-11-24T25:00', '2026-13-01', 'March', '-2h']) {
    assert.throws(
      () => parseTime(text, now, 'since'),
      (e: unknown) => e instanceof MlcError && e.code === 'MLC_CONFIG_INVALID' && e.context.option === 'since',
      text,
    );
  }
});

test('durations for timeouts; zero or no unit is bad input', () => {
  assert.equal(parseDuration('10m', 'wait-timeout'), 600_000);
  assert.equal(parseDuration('45s', 'wait-timeout'), 45_000);
  for (const text of ['0s', '10', 'soon', '']) {
    assert.throws(() => parseDuration(text, 'wait-timeout'), (e: unknown) => e instanceof MlcError && e.code === 'MLC_CONFIG_INVALID', text);
  }
});
