import type pg from 'pg';
import { toMlcError } from '@mlc/errors';

/**
 * Deletes every row of `connection` from `tables` (each with a `connection text` column), in one
 * transaction; a table that does not exist yet (its service never ran its migrations) is skipped.
 * Returns the rows deleted per table. For state a component keeps about a connection's systems
 * that no longer holds: a dev sandbox started fresh (tools/dev). Table names are the caller's
 * constants, never input.
 */
export async function deleteConnectionRows(db: Pick<pg.Pool, 'connect'>, connection: string, tables: readonly string[]): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  const client = await db.connect();
  try {
    await client.query('begin');
    for (const table of tables) {
      if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`not a table name: ${table}`);
      const { rows } = await client.query<{ exists: boolean }>('select to_regclass($1) is not null as exists', [table]);
      if (!rows[0]!.exists) continue;
      const result = await client.query(`delete from ${table} where connection = $1`, [connection]);
      deleted[table] = result.rowCount ?? 0;
    }
    await client.query('commit');
    return deleted;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw toMlcError(error, { call: 'deleteConnectionRows', connection });
  } finally {
    client.release();
  }
}
