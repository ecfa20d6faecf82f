import type pg from 'pg';
import { MlcError } from '@mlc/errors';

// SQLSTATE classes that say "the server or the connection", not "this statement": connection
// exceptions, insufficient resources, operator intervention (shutdown, pg_terminate_backend),
// system errors, and transaction rollbacks (deadlock, serialization), which succeed when retried.
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57', '58']);

/**
 * An error from pg as an MlcError: MLC_DB_UNAVAILABLE (retriable, per the error table) when the
 * database or the connection failed, including pg's own errors without a SQLSTATE ("Connection
 * terminated unexpectedly", pool connect timeouts, ECONNREFUSED); MLC_EVENT_INVALID when
 * Postgres refused the statement's data (a NUL character in a string, a value out of range);
 * MLC_INTERNAL otherwise (a statement that is wrong).
 */
export function dbError(error: unknown, context: Record<string, unknown>): MlcError {
  if (error instanceof MlcError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const sqlState = (error as { code?: unknown } | null)?.code;
  const isSqlState = typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState);
  if (!isSqlState || TRANSIENT_CLASSES.has(sqlState.slice(0, 2))) {
    return new MlcError('MLC_DB_UNAVAILABLE', `database unavailable: ${message}`, { cause: error, context: { ...context, ...(isSqlState ? { sqlState } : {}) } });
  }
  // Data exceptions and integrity violations are about the rows; anything else is our bug.
  const code = ['22', '23'].includes(sqlState.slice(0, 2)) ? 'MLC_EVENT_INVALID' : 'MLC_INTERNAL';
  return new MlcError(code, `database refused the statement: ${message}`, { cause: error, context: { ...context, sqlState } });
}

/**
 * Runs `work` in one transaction on a client of `db`. On failure: rollback, the client is
 * discarded rather than returned to the pool (it may be the broken connection), and the error
 * comes out through `dbError`.
 */
export async function inTransaction<T>(db: Pick<pg.Pool, 'connect'>, call: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient | undefined;
  try {
    client = await db.connect();
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    client.release();
    return result;
  } catch (error) {
    if (client !== undefined) {
      await client.query('rollback').catch(() => undefined);
      client.release(true);
    }
    throw dbError(error, { call });
  }
}
