/** What a scenario measured, one row of the table. */
export interface ScenarioResult {
  scenario: string;
  /** Records the sources hold that the pipeline must deliver. */
  sent: number;
  /** Target records whose natural key is one of them. */
  inTarget: number;
  /** Target records beyond the first per natural key (duplicate creates). */
  duplicates: number;
  /** Source records with no target record. */
  lost: number;
  /** Records on the run's DLQ topics. */
  deadLettered: number;
  /** The reasons of those records (`mlc-dlq-code` by DLQ topic), for the report. */
  deadLetterCodes?: Record<string, number>;
  /** Fault end → every record in its target; null when that never happened before the timeout. */
  recoverMs: number | null;
  /** Records without an event and a final outcome in the audit log; null when audit did not run. */
  trailGaps: number | null;
  /** Other failed checks of the scenario (stale content, forged records accepted, …). */
  problems: string[];
  /** Set when the scenario could not run to the end (infrastructure failed, a service never got ready). */
  error?: string;
  seconds: number;
  /** A failed row's service logs in brief (logDigest per service), for a run whose folder is gone. */
  logs?: Record<string, string[]>;
}

export interface Comparison {
  inTarget: number;
  duplicates: number;
  lost: number;
  /** Keys of the lost records (the first few go into the report). */
  lostKeys: string[];
}

/** Source natural keys against the natural keys of the target's records (one entry per record). */
export function compareKeys(source: Iterable<string>, target: Iterable<string>): Comparison {
  const wanted = new Set(source);
  const counts = new Map<string, number>();
  for (const key of target) if (wanted.has(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
  let inTarget = 0;
  let duplicates = 0;
  for (const n of counts.values()) {
    inTarget += n;
    duplicates += n - 1;
  }
  const lostKeys = [...wanted].filter((key) => !counts.has(key));
  return { inTarget, duplicates, lost: lostKeys.length, lostKeys };
}

/** Whether a row counts as failed: anything lost, duplicated, unexpected, or a run error. */
export function failed(result: ScenarioResult): boolean {
  return result.error !== undefined || result.lost > 0 || result.duplicates > 0 || result.problems.length > 0 || (result.trailGaps ?? 0) > 0;
}

/**
 * Dead letters of a scenario whose records are all valid and whose fault is transient (every
 * scenario so far): each one is a transient failure given up on, a bug, whatever else arrived.
 * `allowed`: the scenario makes records the pipeline must refuse (none does yet).
 */
export function deadLetterProblem(result: Pick<ScenarioResult, 'deadLettered' | 'deadLetterCodes'>, allowed: boolean): string | undefined {
  if (allowed || result.deadLettered === 0) return undefined;
  const codes = Object.entries(result.deadLetterCodes ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${n}× ${code}`)
    .join(', ');
  return `${result.deadLettered} dead-lettered${codes === '' ? '' : ` (${codes})`}: a transient fault must be retried, never dead-lettered`;
}

/** pino's levels from warn up, by number and by label (@mlc/log writes labels). */
const SHOWN_LEVELS: ReadonlyMap<unknown, string> = new Map<unknown, string>([
  [40, 'WARN'],
  [50, 'ERROR'],
  [60, 'FATAL'],
  ['warn', 'WARN'],
  ['error', 'ERROR'],
  ['fatal', 'FATAL'],
]);

/**
 * What of a service's log explains a failed scenario: its warnings and errors (pino lines at level
 * warn and above, without pid, hostname and the service's name) and the supervisor's `[chaos]` lines
 * (starts, exits, kills), each cut to `width` characters. Other lines are left out.
 *
 * Lines that say the same thing (the same text once the time and every number are set aside) are
 * one line: the last of them, with how many there were and when the first was, placed where the
 * last one was. So a crash loop's twenty restarts are a handful of lines with their counts, and the
 * error that made the service exit is kept beside them instead of being pushed out by them. Of what
 * is left, the last `max` lines.
 */
export function logDigest(text: string, { max = 60, width = 400 }: { max?: number; width?: number } = {}): string[] {
  const same = new Map<string, { line: string; count: number; first: string | undefined }>();
  for (const line of text.split('\n')) {
    let shown: string | undefined;
    if (line.startsWith('[chaos] ')) shown = line;
    else if (line.startsWith('{')) {
      try {
        // Left out: what every line of a service repeats, and stacks (the message names the error).
        const { level, time, pid: _pid, hostname: _hostname, service: _service, name: _name, timestamp: _timestamp, logger: _logger, stack: _stack, msg, ...rest } = JSON.parse(line) as Record<string, unknown>;
        if (typeof rest.err === 'object' && rest.err !== null) {
          const { stack: _errStack, ...err } = rest.err as Record<string, unknown>;
          rest.err = err;
        }
        const label = SHOWN_LEVELS.get(level);
        if (label !== undefined) {
          const at = typeof time === 'number' ? new Date(time).toISOString() : typeof time === 'string' ? time : '?';
          shown = `${at.slice(11, 23)} ${label} ${String(msg ?? '')} ${JSON.stringify(rest)}`;
        }
      } catch {
        // not a log record (a stack trace line, a partial write): left out
      }
    }
    if (shown === undefined) continue;
    const cut = shown.length > width ? `${shown.slice(0, width - 1)}…` : shown;
    const shape = (TIME_PREFIX.test(cut) ? cut.slice(13) : cut).replace(/\d+/g, '#');
    const seen = same.get(shape);
    same.delete(shape); // re-inserted last: a Map iterates in insertion order
    same.set(shape, { line: cut, count: (seen?.count ?? 0) + 1, first: seen?.first ?? (TIME_PREFIX.test(cut) ? cut.slice(0, 12) : undefined) });
    // Bounded: the line seen longest ago goes (it is past the last `max` already; should it come back, its count starts again).
    if (same.size > MAX_DISTINCT_LINES) same.delete(same.keys().next().value!);
  }
  const kept = [...same.values()].map(({ line, count, first }) =>
    count === 1 ? line : `${line} (×${count}${first === undefined ? '' : `, first at ${first}`})`,
  );
  return kept.slice(-max);
}

/** Distinct lines a digest remembers while it reads a log, at most. */
const MAX_DISTINCT_LINES = 1_000;

/** The `HH:MM:SS.mmm ` a pino line of the digest starts with. */
const TIME_PREFIX = /^\d\d:\d\d:\d\d\.\d\d\d /;
