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
 */
export function isRefusedData(error: MlcError): boolean {
  const sqlState = error.context.sqlState;
  return error.code === 'MLC_DB_QUERY_FAILED' && typeof sqlState === 'string' && (sqlState.startsWith('22') || sqlState.startsWith('23'));
}
