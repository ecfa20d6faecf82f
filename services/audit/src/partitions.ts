import type { PoolClient } from 'pg';
import type { Logger } from '@mlc/log';
import { withTransaction } from '@mlc/db';
import type { Db } from './store.js';

/** The partitioned tables, by the name retention is configured with. */
export const PARTITIONED_TABLES = {
  events: 'audit_events',
  outcomes: 'audit_outcomes',
  dlq: 'audit_dlq',
  undecodable: 'audit_undecodable',
} as const;
export type PartitionedTable = keyof typeof PARTITIONED_TABLES;

/** Days to keep per table; a table without a number keeps everything. */
export type RetentionDays = Partial<Record<PartitionedTable, number>>;

export interface Month {
  year: number;
  /** 1–12. */
  month: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function monthOf(date: Date): Month {
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1 };
}

export function addMonths({ year, month }: Month, n: number): Month {
  const index = year * 12 + (month - 1) + n;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** `audit_events_p202611`: the month is in the name, so retention needs no catalog parsing. */
export function partitionName(table: string, m: Month): string {
  return `${table}_p${m.year}${pad(m.month)}`;
}

export function monthStart(m: Month): string {
  return `${m.year}-${pad(m.month)}-01T00:00:00Z`;
}

/** The month of a partition named by `partitionName`, or undefined (the default partition, others). */
export function monthOfPartition(table: string, name: string): Month | undefined {
  const match = new RegExp(`^${table}_p(\\d{4})(\\d{2})$`).exec(name);
  if (!match) return undefined;
  const month = Number(match[2]);
  return month >= 1 && month <= 12 ? { year: Number(match[1]), month } : undefined;
}

/** Months from the one before `now` (late records, clock skew) to `ahead` months after it. */
export function monthsToEnsure(now: Date, ahead: number): Month[] {
  const current = monthOf(now);
  return Array.from({ length: ahead + 2 }, (_, i) => addMonths(current, i - 1));
}

/** Partitions whose whole month ended before the retention cutoff. */
export function expiredPartitions(table: string, names: readonly string[], cutoff: Date): string[] {
  return names.filter((name) => {
    const m = monthOfPartition(table, name);
    return m !== undefined && Date.parse(monthStart(addMonths(m, 1))) <= cutoff.getTime();
  });
}

const DAY_MS = 86_400_000;
// One lock for all partition DDL, so replicas starting together do not race on the same month.
const LOCK = [0x6d6c63, 0x617564] as const; // "mlc", "aud"

export interface PartitionMaintenance {
  /** Creates the monthly partitions around `now` that are missing; returns their names. */
  ensure(now?: Date): Promise<string[]>;
  /** Drops partitions older than each table's retention, and such rows in the default partition; returns the dropped names. */
  dropExpired(now?: Date): Promise<string[]>;
}

export interface CreatePartitionMaintenanceParams {
  db: Db;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Months created ahead of the current one. */
  monthsAhead: number;
  retentionDays: RetentionDays;
}

export function createPartitionMaintenance({ db, logger, monthsAhead, retentionDays }: CreatePartitionMaintenanceParams): PartitionMaintenance {
  const locked = <T>(work: (client: PoolClient) => Promise<T>): Promise<T> =>
    withTransaction(db, { call: 'audit partition maintenance' }, async (client) => {
      await client.query('select pg_advisory_xact_lock($1, $2)', [...LOCK]);
      return work(client);
    });

  const partitionsOf = async (client: PoolClient, table: string): Promise<string[]> => {
    const { rows } = await client.query<{ name: string }>(
      'select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = $1::regclass',
      [table],
    );
    return rows.map((r) => r.name);
  };

  return {
    ensure: (now = new Date()) =>
      locked(async (client) => {
        const created: string[] = [];
        for (const table of Object.values(PARTITIONED_TABLES)) {
          const existing = new Set(await partitionsOf(client, table));
          for (const month of monthsToEnsure(now, monthsAhead)) {
            const name = partitionName(table, month);
            if (existing.has(name)) continue;
            const from = monthStart(month);
            const to = monthStart(addMonths(month, 1));
            // Rows of this month already in the default partition would make a plain
            // `partition of` fail; the new table takes them over before it is attached.
            await client.query(`create table ${name} (like ${table} including defaults)`);
            const moved = await client.query(`with moved as (delete from ${table}_default where kafka_ts >= $1 and kafka_ts < $2 returning *) insert into ${name} select * from moved`, [from, to]);
            await client.query(`alter table ${table} attach partition ${name} for values from ('${from}') to ('${to}')`);
            if ((moved.rowCount ?? 0) > 0) logger.warn({ partition: name, rows: moved.rowCount }, 'moved rows from the default partition');
            created.push(name);
          }
        }
        if (created.length > 0) logger.info({ created }, 'audit partitions created');
        return created;
      }),

    dropExpired: (now = new Date()) =>
      locked(async (client) => {
        const dropped: string[] = [];
        for (const [key, table] of Object.entries(PARTITIONED_TABLES) as [PartitionedTable, string][]) {
          const days = retentionDays[key];
          if (days === undefined) continue;
          const cutoff = new Date(now.getTime() - days * DAY_MS);
          for (const name of expiredPartitions(table, await partitionsOf(client, table), cutoff)) {
            await client.query(`drop table ${name}`);
            dropped.push(name);
          }
          await client.query(`delete from ${table}_default where kafka_ts < $1`, [cutoff.toISOString()]);
        }
        if (dropped.length > 0) logger.info({ dropped, retentionDays }, 'expired audit partitions dropped');
        return dropped;
      }),
  };
}
