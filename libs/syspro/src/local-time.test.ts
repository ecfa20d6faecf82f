import { test } from 'node:test';
import assert from 'node:assert/strict';
import { earliestInstant, instantsOf, isTimeZone, latestInstant, lowestWallClockBetween, offsetAt, toWallClock } from './local-time.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

// Europe/London 2026: clocks go forward 29 Mar 01:00 GMT (→ 02:00 BST), back 25 Oct 02:00 BST (→ 01:00 GMT), both at 01:00Z.
// America/Chicago 2026: forward 8 Mar 02:00 CST (08:00Z → 03:00 CDT), back 1 Nov 02:00 CDT (07:00Z → 01:00 CST).
const INSTANTS: Array<{ zone: string; wall: string; instants: string[]; earliest: string; latest: string; case: string }> = [
  { case: 'summer', zone: 'Europe/London', wall: '2026-07-01T12:00:00', instants: ['2026-07-01T11:00:00.000Z'], earliest: '2026-07-01T11:00:00.000Z', latest: '2026-07-01T11:00:00.000Z' },
  { case: 'winter', zone: 'Europe/London', wall: '2026-12-01T12:00:00', instants: ['2026-12-01T12:00:00.000Z'], earliest: '2026-12-01T12:00:00.000Z', latest: '2026-12-01T12:00:00.000Z' },
  { case: 'repeated hour', zone: 'Europe/London', wall: '2026-10-25T01:30:00', instants: ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z'], earliest: '2026-10-25T00:30:00.000Z', latest: '2026-10-25T01:30:00.000Z' },
  { case: 'repeated hour, first second', zone: 'Europe/London', wall: '2026-10-25T01:00:00', instants: ['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z'], earliest: '2026-10-25T00:00:00.000Z', latest: '2026-10-25T01:00:00.000Z' },
  { case: 'after the repeated hour', zone: 'Europe/London', wall: '2026-10-25T02:00:00', instants: ['2026-10-25T02:00:00.000Z'], earliest: '2026-10-25T02:00:00.000Z', latest: '2026-10-25T02:00:00.000Z' },
  { case: 'gap', zone: 'Europe/London', wall: '2026-03-29T01:30:00', instants: [], earliest: '2026-03-29T00:30:00.000Z', latest: '2026-03-29T01:30:00.000Z' },
  { case: 'after the gap', zone: 'Europe/London', wall: '2026-03-29T02:00:00', instants: ['2026-03-29T01:00:00.000Z'], earliest: '2026-03-29T01:00:00.000Z', latest: '2026-03-29T01:00:00.000Z' },
  { case: 'repeated hour', zone: 'America/Chicago', wall: '2026-11-01T01:30:00', instants: ['2026-11-01T06:30:00.000Z', '2026-11-01T07:30:00.000Z'], earliest: '2026-11-01T06:30:00.000Z', latest: '2026-11-01T07:30:00.000Z' },
  { case: 'gap', zone: 'America/Chicago', wall: '2026-03-08T02:30:00', instants: [], earliest: '2026-03-08T07:30:00.000Z', latest: '2026-03-08T08:30:00.000Z' },
  { case: 'after the gap', zone: 'America/Chicago', wall: '2026-03-08T03:00:00', instants: ['2026-03-08T08:00:00.000Z'], earliest: '2026-03-08T08:00:00.000Z', latest: '2026-03-08T08:00:00.000Z' },
  { case: 'no DST', zone: 'UTC', wall: '2026-10-25T01:30:00', instants: ['2026-10-25T01:30:00.000Z'], earliest: '2026-10-25T01:30:00.000Z', latest: '2026-10-25T01:30:00.000Z' },
  { case: 'milliseconds kept', zone: 'Europe/London', wall: '2026-10-25T01:30:00.123', instants: ['2026-10-25T00:30:00.123Z', '2026-10-25T01:30:00.123Z'], earliest: '2026-10-25T00:30:00.123Z', latest: '2026-10-25T01:30:00.123Z' },
];

for (const c of INSTANTS) {
  test(`instants of a wall clock: ${c.zone} ${c.case} (${c.wall})`, () => {
    assert.deepEqual(instantsOf(c.wall, c.zone).map(iso), c.instants);
    assert.equal(iso(earliestInstant(c.wall, c.zone)), c.earliest);
    assert.equal(iso(latestInstant(c.wall, c.zone)), c.latest);
    // Every instant a wall clock stands for shows that wall clock again.
    for (const instant of c.instants) assert.equal(toWallClock(at(instant), c.zone), c.wall.includes('.') ? c.wall : `${c.wall}.000`);
  });
}

test('offsets and wall clocks of instants on both sides of a transition', () => {
  assert.equal(offsetAt(at('2026-10-25T00:59:59Z'), 'Europe/London'), 3_600_000);
  assert.equal(offsetAt(at('2026-10-25T01:00:00Z'), 'Europe/London'), 0);
  assert.equal(offsetAt(at('2026-11-01T06:59:59Z'), 'America/Chicago'), -5 * 3_600_000);
  assert.equal(offsetAt(at('2026-11-01T07:00:00Z'), 'America/Chicago'), -6 * 3_600_000);
  assert.equal(toWallClock(at('2026-03-29T00:59:59.500Z'), 'Europe/London'), '2026-03-29T00:59:59.500');
  assert.equal(toWallClock(at('2026-03-29T01:00:00Z'), 'Europe/London'), '2026-03-29T02:00:00.000');
  assert.equal(toWallClock(at('2026-10-25T01:30:00Z'), 'UTC'), '2026-10-25T01:30:00.000');
});

const LOWEST: Array<{ zone: string; from: string; to?: string; lowest: string; case: string }> = [
  { case: 'no transition: the wall clock at the start', zone: 'Europe/London', from: '2026-07-01T10:58:00Z', lowest: '2026-07-01T11:58:00.000' },
  { case: 'clocks go back after the start: right after the transition', zone: 'Europe/London', from: '2026-10-25T00:58:00Z', lowest: '2026-10-25T01:00:00.000' },
  { case: 'clocks go back, window ends before', zone: 'Europe/London', from: '2026-10-25T00:58:00Z', to: '2026-10-25T00:59:59Z', lowest: '2026-10-25T01:58:00.000' },
  { case: 'clocks go back over an hour after the start: not lower', zone: 'Europe/London', from: '2026-10-24T23:30:00Z', lowest: '2026-10-25T00:30:00.000' },
  { case: 'start after the transition', zone: 'Europe/London', from: '2026-10-25T01:05:00Z', lowest: '2026-10-25T01:05:00.000' },
  { case: 'clocks go forward: the start', zone: 'Europe/London', from: '2026-03-29T00:59:00Z', lowest: '2026-03-29T00:59:00.000' },
  { case: 'clocks go back after the start: right after the transition', zone: 'America/Chicago', from: '2026-11-01T06:57:00Z', lowest: '2026-11-01T01:00:00.000' },
  { case: 'start with milliseconds: the transition itself, to the millisecond', zone: 'America/Chicago', from: '2026-11-01T06:57:00.321Z', lowest: '2026-11-01T01:00:00.000' },
  { case: 'clocks go forward: the start', zone: 'America/Chicago', from: '2026-03-08T07:59:00Z', lowest: '2026-03-08T01:59:00.000' },
  { case: 'UTC', zone: 'UTC', from: '2026-10-25T00:58:00Z', lowest: '2026-10-25T00:58:00.000' },
];

for (const c of LOWEST) {
  test(`lowest wall clock from an instant on: ${c.zone} ${c.case}`, () => {
    assert.equal(lowestWallClockBetween(at(c.from), c.to === undefined ? Number.POSITIVE_INFINITY : at(c.to), c.zone), c.lowest);
  });
}

test('time zones are validated by Intl', () => {
  assert.equal(isTimeZone('Europe/London'), true);
  assert.equal(isTimeZone('UTC'), true);
  assert.equal(isTimeZone('Mars/Olympus_Mons'), false);
});
