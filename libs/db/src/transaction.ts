import type pg from 'pg';
import { toDbError, type ErrorContext, type MlcError } from '@mlc/errors';

/**
 * Runs `work` in one transaction on a client of `db`. On failure: rollback, and the client is
 * discarded rather than returned to the pool (it may be the broken connection); the error comes
 * out as an MlcError classified by the error table (SQLSTATE), with `context` added.
 */
export async function withTransaction<T>(db: Pick<pg.Pool, 'connect'>, context: ErrorContext, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
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
    throw toDbError(error, context);
  }
}

/**
 * Whether PostgreSQL refused the statement because of the data in it (SQLSTATE class 22, data
 * exception, e.g. a NUL in a string; class 23, integrity constraint), rather than because the
 * statement is wrong or the server is unavailable: the same statement with other rows can succeed.
 * Takes anything thrown by a query (a pg error is read as `toDbError` reads it), so it can be a
 * `coalesce` batch's `alone` as it is.
 */
export function isRefusedData(thrown: unknown): boolean {
  const error: MlcError = toDbError(thrown);
  const sqlState = error.context.sqlState;
  return error.code === 'MLC_DB_QUERY_FAILED' && typeof sqlState === 'string' && (sqlState.startsWith('22') || sqlState.startsWith('23'));
}
