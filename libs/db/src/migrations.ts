import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { MlcError, toMlcError } from '@mlc/errors';
import { queryTimeoutFor } from './pool.js';
import type { Logger } from '@mlc/log';

export interface MigrateOptions {
  /** Owner of the migrations (a service name); files are tracked per component. */
  component: string;
  /** Folder of `*.sql` files, applied in file-name order (`0001_create_events.sql`, …). */
  dir: URL | string;
  logger?: Pick<Logger, 'info'>;
  /**
   * Statement timeout of the migration session, in place of the pool's (an index on a big table
   * takes longer than any query a service runs); also bounds the wait for another replica's
   * migrations. Default 15 minutes.
   */
  timeoutMs?: number;
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

// First key of every advisory lock we take, so ours never collide with another tool's.
const LOCK_NAMESPACE = 0x6d6c63; // "mlc"

export async function readMigrations(dir: URL | string): Promise<MigrationFile[]> {
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const names = (await readdir(path)).filter((n) => n.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(path, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * Applies the component's migrations that are not applied yet, each in its own transaction, and
 * records them in `mlc_migrations`. A session advisory lock per component makes concurrent
 * replicas safe: the second waits, then finds nothing left to do. An applied file whose content
 * changed fails with MLC_MIGRATION_FAILED (reason `checksum-mismatch`) before anything runs;
 * applied names without a file are ignored (an older replica may start after a newer one migrated).
 */
export async function migrate(pool: pg.Pool, { component, dir, logger, timeoutMs = DEFAULT_MIGRATION_TIMEOUT_MS }: MigrateOptions): Promise<{ applied: string[] }> {
  const files = await readMigrations(dir);
  const pooled = await pool.connect();
  const client = withQueryTimeout(pooled, queryTimeoutFor(timeoutMs));
  try {
    await client.query(`set statement_timeout = ${Math.trunc(timeoutMs)}`);
    await client.query('set lock_timeout = 0');
    await ensureTable(client);
    await client.query('select pg_advisory_lock($1, hashtext($2))', [LOCK_NAMESPACE, component]);
    try {
      return { applied: await applyPending(client, component, files, logger) };
    } finally {
      await client.query('select pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, component]);
    }
  } catch (error) {
    throw error instanceof MlcError ? error : toMlcError(error, { component, call: 'migrate' });
  } finally {
    // The session's own timeouts must not go back to the pool with it: the connection is discarded.
    pooled.release(true);
  }
}

const DEFAULT_MIGRATION_TIMEOUT_MS = 15 * 60_000;

/** The part of a pg client the migrations use. */
type MigrationClient = Pick<pg.PoolClient, 'query'>;

/** `client`, its queries waiting for an answer up to `queryTimeoutMs` (the pool's read timeout is for short statements). */
function withQueryTimeout(client: pg.PoolClient, queryTimeoutMs: number): MigrationClient {
  return {
    query: ((text: string, values?: unknown[]) => client.query({ text, values, query_timeout: queryTimeoutMs } as pg.QueryConfig)) as MigrationClient['query'],
  };
}

async function ensureTable(client: MigrationClient): Promise<void> {
  // `create table if not exists` is not safe against a concurrent create (duplicate pg_type
  // row), so the first migration of every component serialises on one lock.
  await client.query('select pg_advisory_lock($1, 0)', [LOCK_NAMESPACE]);
  try {
    await client.query(`
      create table if not exists mlc_migrations (
        component text not null,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now(),
        primary key (component, name)
      )`);
  } finally {
    await client.query('select pg_advisory_unlock($1, 0)', [LOCK_NAMESPACE]);
  }
}

async function applyPending(
  client: MigrationClient,
  component: string,
  files: readonly MigrationFile[],
  logger: MigrateOptions['logger'],
): Promise<string[]> {
  const { rows } = await client.query<{ name: string; checksum: string }>(
    'select name, checksum from mlc_migrations where component = $1',
    [component],
  );
  const applied = new Map(rows.map((r) => [r.name, r.checksum]));
  for (const file of files) {
    const checksum = applied.get(file.name);
    if (checksum !== undefined && checksum !== file.checksum) {
      throw new MlcError('MLC_MIGRATION_FAILED', `migration ${component}/${file.name} changed after it was applied`, {
        context: { component, migration: file.name, reason: 'checksum-mismatch', applied: checksum, current: file.checksum },
      });
    }
  }

  const done: string[] = [];
  for (const file of files.filter((f) => !applied.has(f.name))) {
    await client.query('begin');
    try {
      await client.query(file.sql);
      await client.query('insert into mlc_migrations (component, name, checksum) values ($1, $2, $3)', [
        component,
        file.name,
        file.checksum,
      ]);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      const classified = toMlcError(error, { component, migration: file.name });
      // A lost connection is worth a retry; a broken migration is not.
      if (classified.retriable) throw classified;
      const sqlState = (error as { code?: unknown }).code;
      throw new MlcError('MLC_MIGRATION_FAILED', `migration ${component}/${file.name} failed: ${(error as Error).message}`, {
        cause: error,
        context: { component, migration: file.name, reason: 'sql-error', sqlState },
      });
    }
    logger?.info({ component, migration: file.name }, 'migration applied');
    done.push(file.name);
  }
  return done;
}

/** How far a component's migrations are applied in a database (`mlc check`). */
export interface MigrationStatus {
  component: string;
  /** Files recorded as applied. */
  applied: string[];
  /** Files not applied yet: the component's service has not started against this database since they were added. */
  pending: string[];
  /** Applied files whose content differs from the file now (the service would refuse to start). */
  changed: string[];
}

/**
 * Compares a component's migration files with what `mlc_migrations` records, changing nothing
 * (no table is created): a database no service has migrated has every file pending.
 */
export async function migrationStatus(db: Pick<pg.Pool, 'query'>, { component, dir }: Pick<MigrateOptions, 'component' | 'dir'>): Promise<MigrationStatus> {
  const files = await readMigrations(dir);
  let rows: { name: string; checksum: string }[] = [];
  try {
    ({ rows } = await db.query<{ name: string; checksum: string }>('select name, checksum from mlc_migrations where component = $1', [component]));
  } catch (error) {
    // 42P01 undefined_table: nothing was ever migrated here.
    if ((error as { code?: unknown }).code !== '42P01') throw toMlcError(error, { component, call: 'migration status' });
  }
  const recorded = new Map(rows.map((r) => [r.name, r.checksum]));
  return {
    component,
    applied: files.filter((f) => recorded.has(f.name)).map((f) => f.name),
    pending: files.filter((f) => !recorded.has(f.name)).map((f) => f.name),
    changed: files.filter((f) => recorded.has(f.name) && recorded.get(f.name) !== f.checksum).map((f) => f.name),
  };
}
