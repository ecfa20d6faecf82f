import { MlcError } from '@mlc/errors';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
// A date, optionally a time (minutes at least), optionally a zone. Stricter than Date.parse, which
// accepts "3" or "March" and reads a zone-less time in the machine's zone.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** A duration (`90s`, `30m`, `2h`, `7d`, `2w`) in milliseconds, or undefined when `text` is not one. */
function durationMs(text: string): number | undefined {
  const match = /^(\d{1,6})([smhdw])$/.exec(text.trim().toLowerCase());
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

/** A duration option (`--wait-timeout 10m`) in milliseconds, or MLC_CONFIG_INVALID naming the option. */
export function parseDuration(text: string, option: string): number {
  const ms = durationMs(text);
  if (ms === undefined || ms === 0) {
    throw new MlcError('MLC_CONFIG_INVALID', `--${option} ${JSON.stringify(text)} is not a duration: give a number and a unit, s, m, h, d or w (90s, 10m, 2h)`, { context: { option, value: text } });
  }
  return ms;
}

/**
 * A point in time from the command line: ISO 8601 (`2026-11-24`, `2026-11-24T08:00`,
 * `2026-11-24T08:00:00+02:00`; no zone means UTC), a duration ago (`90s`, `30m`, `2h`, `7d`,
 * `2w`) or a weekday (`tuesday`: its 00:00 UTC, today's when today is one). Pure: `now` is given.
 * Anything else is MLC_CONFIG_INVALID naming the option.
 */
export function parseTime(text: string, now: Date, option = 'time'): Date {
  const trimmed = text.trim().toLowerCase();
  const ago = durationMs(trimmed);
  if (ago !== undefined) return new Date(now.getTime() - ago);
  const weekday = WEEKDAYS.indexOf(trimmed);
  if (weekday !== -1) {
    const back = (now.getUTCDay() - weekday + 7) % 7;
    return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - back));
  }
  const iso = ISO.exec(text.trim());
  if (iso) {
    const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = iso;
    const z = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
    const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${z}`);
    // Date accepts 2026-02-31 (as 3 March); a calendar check keeps typos from meaning something else.
    const utcDay = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
    if (!Number.isNaN(date.getTime()) && utcDay.getUTCMonth() === Number(mo) - 1 && Number(h) < 24 && Number(mi) < 60 && Number(s) < 60) return date;
  }
  throw new MlcError(
    'MLC_CONFIG_INVALID',
    `--${option} ${JSON.stringify(text)} is not a time: give ISO 8601 (2026-11-24, 2026-11-24T08:00Z, 2026-11-24T08:00+02:00), a duration ago (30m, 2h, 7d) or a weekday (tuesday)`,
    { context: { option, value: text } },
  );
}
