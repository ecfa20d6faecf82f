/**
 * Wall-clock time in an IANA zone, for zone-less datetimes (SQL `datetime` read through SYSPRO
 * OData: the SYSPRO server's local time, no offset). Pure functions over epoch milliseconds and
 * zone-less ISO strings (`YYYY-MM-DDTHH:mm:ss(.fff)`); the zone's rules come from Intl.
 *
 * A wall-clock value names 0, 1 or 2 instants: none in a spring-forward gap (Europe/London
 * 2026-03-29 01:30), two in a fall-back repeated hour (Europe/London 2026-10-25 01:30 is both
 * 00:30Z and 01:30Z), one otherwise.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(timeZone);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    // A handful of zones per process; the bound only guards against a misuse.
    if (formatters.size > 64) formatters.clear();
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

/** Whether Intl knows the zone (an IANA name such as `Europe/London`, or `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

function fields(epochMs: number, timeZone: string): { date: string; time: string } {
  const parts = formatter(timeZone).formatToParts(new Date(epochMs));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}:${get('second')}` };
}

/** The zone's offset from UTC at the instant, in ms (Europe/London in summer: 3 600 000). */
export function offsetAt(epochMs: number, timeZone: string): number {
  const { date, time } = fields(epochMs, timeZone);
  const wholeSeconds = epochMs - (((epochMs % 1000) + 1000) % 1000);
  return Date.parse(`${date}T${time}Z`) - wholeSeconds;
}

/** The calendar date (YYYY-MM-DD) of the instant in the zone. */
export function localDate(epochMs: number, timeZone: string): string {
  return fields(epochMs, timeZone).date;
}

/** The zone-less wall-clock value of the instant in the zone, with milliseconds: `2026-10-25T01:30:00.000`. */
export function toWallClock(epochMs: number, timeZone: string): string {
  return new Date(epochMs + offsetAt(epochMs, timeZone)).toISOString().slice(0, -1);
}

/** The wall clock read as if it were UTC (its digits as epoch ms); NaN when it is not a date-time. */
function naiveMs(wallClock: string): number {
  return Date.parse(`${wallClock}Z`);
}

/**
 * Every instant whose wall clock in the zone is `wallClock`, earliest first: [] in a gap, two in
 * a repeated hour. Offsets are taken a day either side, which holds for every zone's rules (no
 * zone changes its offset twice within a day).
 */
export function instantsOf(wallClock: string, timeZone: string): number[] {
  const naive = naiveMs(wallClock);
  if (Number.isNaN(naive)) return [];
  const offsets = new Set([offsetAt(naive - DAY, timeZone), offsetAt(naive, timeZone), offsetAt(naive + DAY, timeZone)]);
  const found = new Set<number>();
  for (const offset of offsets) {
    const candidate = naive - offset;
    if (offsetAt(candidate, timeZone) === offset) found.add(candidate);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * The earliest instant the wall clock can stand for: the first of a repeated hour; in a gap (a
 * value no clock showed, e.g. typed in) the reading with the later offset, which is earlier.
 */
export function earliestInstant(wallClock: string, timeZone: string): number {
  const found = instantsOf(wallClock, timeZone);
  if (found.length > 0) return found[0]!;
  const naive = naiveMs(wallClock);
  return naive - Math.max(offsetAt(naive - DAY, timeZone), offsetAt(naive + DAY, timeZone));
}

/** The latest instant the wall clock can stand for: the second of a repeated hour; in a gap, the reading with the earlier offset. */
export function latestInstant(wallClock: string, timeZone: string): number {
  const found = instantsOf(wallClock, timeZone);
  if (found.length > 0) return found.at(-1)!;
  const naive = naiveMs(wallClock);
  return naive - Math.min(offsetAt(naive - DAY, timeZone), offsetAt(naive + DAY, timeZone));
}

// Offsets are sampled every half hour (the finest DST step in use, Australia/Lord_Howe); a
// transition is then located to the second (transitions fall on whole minutes).
const SAMPLE = HOUR / 2;

function firstWithOffset(from: number, to: number, offset: number, timeZone: string): number {
  let lo = Math.floor(from / 1000) * 1000; // offset here differs
  let hi = Math.ceil(to / 1000) * 1000; // offset here is `offset`
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(mid, timeZone) === offset) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The lowest wall clock any instant in [fromMs, toMs] shows in the zone. Wall clocks only go
 * down at a fall-back, so this is the wall clock at `fromMs` unless the clocks went back within
 * the window: then it may be the wall clock right after that transition (Europe/London, from
 * 00:58Z to 01:10Z on 2026-10-25: 01:00, not 01:58). Only a transition less than a day after
 * `fromMs` can go below (no zone moves its clocks back by a day).
 */
export function lowestWallClockBetween(fromMs: number, toMs: number, timeZone: string): string {
  let lowest = toWallClock(fromMs, timeZone);
  const end = Math.min(toMs, fromMs + DAY + HOUR);
  let at = fromMs;
  let offset = offsetAt(at, timeZone);
  while (at < end) {
    const next = Math.min(at + SAMPLE, end);
    const nextOffset = offsetAt(next, timeZone);
    if (nextOffset < offset) {
      const transition = firstWithOffset(at, next, nextOffset, timeZone);
      const wall = toWallClock(transition, timeZone);
      if (wall < lowest) lowest = wall;
    }
    at = next;
    offset = nextOffset;
  }
  return lowest;
}
