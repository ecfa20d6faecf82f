import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DLQ_STATUSES, parseDlqId, type DlqPosition, type DlqStatus } from '@mlc/audit';
import { EntityTypeSchema, Source, type EntityType } from '@mlc/events';
import { RECONCILED_ENTITIES, type ReconciledEntity } from './reconcile-compare.js';
import { MlcError } from '@mlc/errors';
import { parseDuration, parseTime } from './time.js';

export const USAGE = `mlc — operate ml-connector: record trails, replay, dead letters

usage:
  mlc trail --connection <id> --entity <type> --key <key> [--json]
  mlc trail --correlation-id <id> [--json]
  mlc replay rewind --group <writer> --to <time> [--topic <topic>]... [--dry-run] [--wait [--wait-timeout 10m]]
  mlc replay republish --connection <id> [--entity <type>] [--key <key>]... [--source <source>]
                       [--since <time>] [--until <time>] [--force] [--dry-run]
  mlc replay resync --connection <id> [--entity <type>] [--since <time>]
  mlc dlq list [--writer <writer>] [--code <error code>] [--connection <id>] [--since <time>] [--status open|redriven|discarded|all] [--limit 100]
  mlc dlq show <id> [--json]
  mlc dlq redrive <id>... | --filter [--writer …] [--code …] [--connection …] [--since …]   [--dry-run]
  mlc dlq discard <id>... --reason "<why>"
  mlc credentials set <name> [--from-file <path>]      the value from stdin (piped, or typed unseen) or the file
  mlc credentials rotate <name> [--from-file <path>]   a new value for a stored secret
  mlc credentials list                                 names, versions, master key ids, ages (never values)
  mlc credentials rewrap                               data keys re-wrapped under the current master key
  mlc check [--connection <id>] [--timeout 10s]        what works with the configured credentials, one line per check
  mlc status [--connection <id>] [--watch [seconds]]   lag, polls, circuits, DLQ depth and outcomes of the last hour
  mlc reconcile --connection <id> --entity supplier|purchase-order [--since <time>] [--repair] [--dry-run]
                                                       SYSPRO and Coupa compared in full: what differs, and its repair through the pipeline

Every command takes --json (machine-readable output) and the ones that change something --actor
<name> (default: $USER). Names are logical: topics and groups get MLC_TOPIC_PREFIX.
Times: ISO 8601 (2026-11-24, 2026-11-24T08:00Z; no zone = UTC), ago (30m, 2h, 7d) or a weekday (tuesday).
Exit codes: 0 done, 1 the operation failed (Kafka, Postgres, active group; a check failed), 2 bad input (nothing changed).`;

export type TrailSubjectArgs = { connection: string; entityType: EntityType; key: string } | { correlationId: string };

export interface DlqFilterArgs {
  writer?: string | undefined;
  code?: string | undefined;
  connection?: string | undefined;
  since?: Date | undefined;
}

export type Command =
  | { name: 'help' }
  | { name: 'trail'; subject: TrailSubjectArgs; json: boolean }
  | { name: 'rewind'; group: string; topics: string[]; to: Date; dryRun: boolean; wait: boolean; waitTimeoutMs: number; actor: string; json: boolean }
  | {
      name: 'republish';
      connection: string;
      entityType?: EntityType | undefined;
      keys: string[];
      source?: Source | undefined;
      since?: Date | undefined;
      until?: Date | undefined;
      force: boolean;
      dryRun: boolean;
      actor: string;
      json: boolean;
    }
  | { name: 'resync'; connection: string; entityType?: EntityType | undefined; since?: Date | undefined; actor: string; json: boolean }
  | { name: 'dlq-list'; filter: DlqFilterArgs; status?: DlqStatus | undefined; limit: number; json: boolean }
  | { name: 'dlq-show'; id: DlqPosition; json: boolean }
  | { name: 'dlq-redrive'; ids: DlqPosition[]; filter?: DlqFilterArgs | undefined; dryRun: boolean; actor: string; json: boolean }
  | { name: 'dlq-discard'; ids: DlqPosition[]; reason: string; actor: string; json: boolean }
  | { name: 'credentials-put'; mode: 'create' | 'replace'; credential: string; fromFile?: string | undefined; actor: string; json: boolean }
  | { name: 'credentials-list'; json: boolean }
  | { name: 'credentials-rewrap'; actor: string; json: boolean }
  | { name: 'check'; connection?: string | undefined; timeoutMs: number; json: boolean }
  | { name: 'status'; connection?: string | undefined; watchSeconds?: number | undefined; json: boolean }
  | { name: 'reconcile'; connection: string; entityType: ReconciledEntity; since?: Date | undefined; repair: boolean; dryRun: boolean; actor: string; json: boolean };

/** `mlc status --watch` without a number redraws this often. */
export const DEFAULT_WATCH_SECONDS = 5;

/** What the parser needs from outside: the clock (relative times) and the operator's login name. */
export interface ParseContext {
  now: Date;
  user?: string | undefined;
}

const bad = (message: string, context: Record<string, unknown> = {}) => new MlcError('MLC_CONFIG_INVALID', message, { context });

type Options = NonNullable<ParseArgsConfig['options']>;
const str = { type: 'string' } as const;
const many = { type: 'string', multiple: true } as const;
const flag = { type: 'boolean' } as const;
const COMMON: Options = { json: flag, help: { type: 'boolean', short: 'h' } };
const ACTING: Options = { ...COMMON, actor: str };
const DLQ_FILTER: Options = { writer: str, code: str, connection: str, since: str };

type Values = Record<string, string | boolean | string[] | undefined>;

function parse(command: string, argv: readonly string[], options: Options, positionals = false): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: positionals });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (error) {
    // node's messages are good ("Unknown option '--grup'"); they only lack the command.
    throw bad(`mlc ${command}: ${(error as Error).message}`, { command });
  }
}

const text = (values: Values, name: string): string | undefined => {
  const value = values[name];
  if (typeof value !== 'string') return undefined;
  if (value.trim() === '') throw bad(`--${name} is empty`, { option: name });
  return value;
};
const required = (values: Values, name: string, command: string): string => {
  const value = text(values, name);
  if (value === undefined) throw bad(`mlc ${command} needs --${name}`, { option: name });
  return value;
};
const list = (values: Values, name: string): string[] => ((values[name] as string[] | undefined) ?? []).filter((v) => v.trim() !== '');
const bool = (values: Values, name: string) => values[name] === true;

function entity(values: Values): EntityType | undefined {
  const value = text(values, 'entity');
  if (value === undefined) return undefined;
  const parsed = EntityTypeSchema.safeParse(value);
  if (!parsed.success) throw bad(`--entity ${JSON.stringify(value)} is not an entity type (${EntityTypeSchema.options.join(', ')})`, { option: 'entity', value });
  return parsed.data;
}

function time(values: Values, name: string, ctx: ParseContext): Date | undefined {
  const value = text(values, name);
  return value === undefined ? undefined : parseTime(value, ctx.now, name);
}

function actor(values: Values, ctx: ParseContext): string {
  const name = text(values, 'actor') ?? ctx.user;
  if (name === undefined || name.trim() === '') throw bad('who is acting? give --actor <name> (or set USER)', { option: 'actor' });
  return name;
}

function positiveInt(values: Values, name: string, fallback: number): number {
  const value = text(values, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw bad(`--${name} must be a positive integer, got ${JSON.stringify(value)}`, { option: name, value });
  return n;
}

function dlqFilter(values: Values, ctx: ParseContext): DlqFilterArgs {
  return { writer: text(values, 'writer'), code: text(values, 'code'), connection: text(values, 'connection'), since: time(values, 'since', ctx) };
}

function ids(positionals: readonly string[]): DlqPosition[] {
  return positionals.map(parseDlqId);
}

/**
 * The command `argv` (after `mlc`) asks for, with every value checked: times parsed, entity types
 * and sources known, required options present. Pure; bad input is MLC_CONFIG_INVALID (exit 2)
 * before anything is touched.
 */
export function parseCommand(argv: readonly string[], ctx: ParseContext): Command {
  const [group, sub] = argv;
  if (group === undefined || group === 'help' || group === '--help' || group === '-h') return { name: 'help' };
  if (group === 'trail') {
    const { values } = parse('trail', argv.slice(1), { ...COMMON, connection: str, entity: str, key: str, 'correlation-id': str });
    if (bool(values, 'help')) return { name: 'help' };
    const correlationId = text(values, 'correlation-id');
    const record = ['connection', 'entity', 'key'].filter((n) => values[n] !== undefined);
    if (correlationId !== undefined) {
      if (record.length > 0) throw bad('mlc trail: give either --correlation-id or --connection, --entity and --key, not both');
      return { name: 'trail', subject: { correlationId }, json: bool(values, 'json') };
    }
    const missing = ['connection', 'entity', 'key'].filter((n) => values[n] === undefined);
    if (missing.length > 0) throw bad(`mlc trail needs ${missing.map((n) => `--${n}`).join(', ')} (or --correlation-id)`, { missing });
    return {
      name: 'trail',
      subject: { connection: required(values, 'connection', 'trail'), entityType: entity(values)!, key: required(values, 'key', 'trail') },
      json: bool(values, 'json'),
    };
  }
  if (group === 'replay') {
    const args = argv.slice(2);
    if (sub === 'rewind') {
      const { values } = parse('replay rewind', args, { ...ACTING, group: str, topic: many, to: str, 'dry-run': flag, wait: flag, 'wait-timeout': str });
      if (bool(values, 'help')) return { name: 'help' };
      const waitTimeout = text(values, 'wait-timeout');
      if (waitTimeout !== undefined && !bool(values, 'wait')) throw bad('--wait-timeout goes with --wait', { option: 'wait-timeout' });
      return {
        name: 'rewind',
        group: required(values, 'group', 'replay rewind'),
        topics: list(values, 'topic'),
        to: parseTime(required(values, 'to', 'replay rewind'), ctx.now, 'to'),
        dryRun: bool(values, 'dry-run'),
        wait: bool(values, 'wait'),
        waitTimeoutMs: waitTimeout === undefined ? 600_000 : parseDuration(waitTimeout, 'wait-timeout'),
        actor: actor(values, ctx),
        json: bool(values, 'json'),
      };
    }
    if (sub === 'republish') {
      const { values } = parse('replay republish', args, {
        ...ACTING,
        connection: str,
        entity: str,
        key: many,
        source: str,
        since: str,
        until: str,
        force: flag,
        'dry-run': flag,
      });
      if (bool(values, 'help')) return { name: 'help' };
      const keys = list(values, 'key');
      const entityType = entity(values);
      if (keys.length > 0 && entityType === undefined) throw bad('--key needs --entity (keys are per entity type)', { option: 'key' });
      const sourceText = text(values, 'source');
      const source = sourceText === undefined ? undefined : Source.safeParse(sourceText);
      if (source !== undefined && !source.success) throw bad(`--source ${JSON.stringify(sourceText)} is not a source (${Source.options.join(', ')})`, { option: 'source' });
      const since = time(values, 'since', ctx);
      const until = time(values, 'until', ctx);
      if (since !== undefined && until !== undefined && since >= until) throw bad('--since must be before --until', { option: 'since' });
      return {
        name: 'republish',
        connection: required(values, 'connection', 'replay republish'),
        entityType,
        keys,
        source: source?.data,
        since,
        until,
        force: bool(values, 'force'),
        dryRun: bool(values, 'dry-run'),
        actor: actor(values, ctx),
        json: bool(values, 'json'),
      };
    }
    if (sub === 'resync') {
      const { values } = parse('replay resync', args, { ...ACTING, connection: str, entity: str, since: str });
      if (bool(values, 'help')) return { name: 'help' };
      return {
        name: 'resync',
        connection: required(values, 'connection', 'replay resync'),
        entityType: entity(values),
        since: time(values, 'since', ctx),
        actor: actor(values, ctx),
        json: bool(values, 'json'),
      };
    }
    throw bad(`mlc replay: expected rewind, republish or resync, got ${JSON.stringify(sub ?? '')}`, { command: sub });
  }
  if (group === 'credentials') {
    const args = argv.slice(2);
    if (sub === 'set' || sub === 'rotate') {
      // No option carries the value: argv shows in `ps` and in shell history.
      const { values, positionals } = parse(`credentials ${sub}`, args, { ...ACTING, 'from-file': str }, true);
      if (bool(values, 'help')) return { name: 'help' };
      if (positionals.length !== 1) throw bad(`mlc credentials ${sub} takes one name; the value comes from stdin or --from-file, never the command line`);
      return {
        name: 'credentials-put',
        mode: sub === 'set' ? 'create' : 'replace',
        credential: positionals[0]!,
        fromFile: text(values, 'from-file'),
        actor: actor(values, ctx),
        json: bool(values, 'json'),
      };
    }
    if (sub === 'list') {
      const { values } = parse('credentials list', args, COMMON);
      if (bool(values, 'help')) return { name: 'help' };
      return { name: 'credentials-list', json: bool(values, 'json') };
    }
    if (sub === 'rewrap') {
      const { values } = parse('credentials rewrap', args, ACTING);
      if (bool(values, 'help')) return { name: 'help' };
      return { name: 'credentials-rewrap', actor: actor(values, ctx), json: bool(values, 'json') };
    }
    throw bad(`mlc credentials: expected set, rotate, list or rewrap, got ${JSON.stringify(sub ?? '')}`, { command: sub });
  }
  if (group === 'dlq') {
    const args = argv.slice(2);
    if (sub === 'list') {
      const { values } = parse('dlq list', args, { ...COMMON, ...DLQ_FILTER, status: str, limit: str });
      if (bool(values, 'help')) return { name: 'help' };
      const status = text(values, 'status') ?? 'open';
      if (status !== 'all' && !(DLQ_STATUSES as readonly string[]).includes(status)) {
        throw bad(`--status ${JSON.stringify(status)} is not one of ${[...DLQ_STATUSES, 'all'].join(', ')}`, { option: 'status' });
      }
      return {
        name: 'dlq-list',
        filter: dlqFilter(values, ctx),
        status: status === 'all' ? undefined : (status as DlqStatus),
        limit: positiveInt(values, 'limit', 100),
        json: bool(values, 'json'),
      };
    }
    if (sub === 'show') {
      const { values, positionals } = parse('dlq show', args, COMMON, true);
      if (bool(values, 'help')) return { name: 'help' };
      if (positionals.length !== 1) throw bad('mlc dlq show takes one entry id (<topic>:<partition>:<offset>)');
      return { name: 'dlq-show', id: parseDlqId(positionals[0]!), json: bool(values, 'json') };
    }
    if (sub === 'redrive') {
      const { values, positionals } = parse('dlq redrive', args, { ...ACTING, ...DLQ_FILTER, filter: flag, 'dry-run': flag }, true);
      if (bool(values, 'help')) return { name: 'help' };
      const filtered = bool(values, 'filter');
      const filter = dlqFilter(values, ctx);
      const filterGiven = Object.values(filter).some((v) => v !== undefined);
      if (filtered === positionals.length > 0) throw bad('mlc dlq redrive takes entry ids or --filter with filter options, one of the two');
      if (!filtered && filterGiven) throw bad('--writer, --code, --connection and --since go with --filter');
      return {
        name: 'dlq-redrive',
        ids: ids(positionals),
        filter: filtered ? filter : undefined,
        dryRun: bool(values, 'dry-run'),
        actor: actor(values, ctx),
        json: bool(values, 'json'),
      };
    }
    if (sub === 'discard') {
      const { values, positionals } = parse('dlq discard', args, { ...ACTING, reason: str }, true);
      if (bool(values, 'help')) return { name: 'help' };
      if (positionals.length === 0) throw bad('mlc dlq discard needs entry ids');
      return { name: 'dlq-discard', ids: ids(positionals), reason: required(values, 'reason', 'dlq discard'), actor: actor(values, ctx), json: bool(values, 'json') };
    }
    throw bad(`mlc dlq: expected list, show, redrive or discard, got ${JSON.stringify(sub ?? '')}`, { command: sub });
  }
  if (group === 'check') {
    const { values } = parse('check', argv.slice(1), { ...COMMON, connection: str, timeout: str });
    if (bool(values, 'help')) return { name: 'help' };
    const timeout = text(values, 'timeout');
    return { name: 'check', connection: text(values, 'connection'), timeoutMs: timeout === undefined ? 10_000 : parseDuration(timeout, 'timeout'), json: bool(values, 'json') };
  }
  if (group === 'status') {
    // `--watch` takes an optional number of seconds: given without one, it gets the default.
    const args = argv.slice(1).flatMap((arg, i, all) => (arg === '--watch' && !/^\d+(\.\d+)?$/.test(all[i + 1] ?? '') ? [`--watch=${DEFAULT_WATCH_SECONDS}`] : [arg]));
    const { values } = parse('status', args, { ...COMMON, connection: str, watch: str });
    if (bool(values, 'help')) return { name: 'help' };
    const watch = text(values, 'watch');
    const watchSeconds = watch === undefined ? undefined : Number(watch);
    if (watchSeconds !== undefined && !(watchSeconds >= 1 && watchSeconds <= 3600)) throw bad(`--watch takes seconds between 1 and 3600, got ${JSON.stringify(watch)}`, { option: 'watch' });
    if (watchSeconds !== undefined && bool(values, 'json')) throw bad('--watch redraws for people; --json prints once (run it in a loop)', { option: 'watch' });
    return { name: 'status', connection: text(values, 'connection'), watchSeconds, json: bool(values, 'json') };
  }
  if (group === 'reconcile') {
    const { values } = parse('reconcile', argv.slice(1), { ...ACTING, connection: str, entity: str, since: str, repair: flag, 'dry-run': flag });
    if (bool(values, 'help')) return { name: 'help' };
    const entityType = required(values, 'entity', 'reconcile');
    if (!(RECONCILED_ENTITIES as readonly string[]).includes(entityType)) {
      throw bad(`mlc reconcile: --entity ${JSON.stringify(entityType)} is not reconciled (${RECONCILED_ENTITIES.join(', ')})`, { option: 'entity', value: entityType });
    }
    if (bool(values, 'dry-run') && !bool(values, 'repair')) throw bad('mlc reconcile: --dry-run shows what --repair would publish; give both', { option: 'dry-run' });
    const since = time(values, 'since', ctx);
    if (since !== undefined && since > ctx.now) throw bad(`mlc reconcile: --since ${since.toISOString()} is in the future (now ${ctx.now.toISOString()}): nothing has changed since then`, { option: 'since', value: text(values, 'since') });
    return {
      name: 'reconcile',
      connection: required(values, 'connection', 'reconcile'),
      entityType: entityType as ReconciledEntity,
      since,
      repair: bool(values, 'repair'),
      dryRun: bool(values, 'dry-run'),
      actor: actor(values, ctx),
      json: bool(values, 'json'),
    };
  }
  throw bad(`unknown command ${JSON.stringify(group)}: expected trail, replay, dlq, credentials, check, status or reconcile (mlc help)`, { command: group });
}
