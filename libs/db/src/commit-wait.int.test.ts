import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testInfra } from '@mlc/testing';
import { NO_COMMIT_WAIT, NO_COMMIT_WAIT_CTE } from './commit-wait.js';
import { createPool } from './pool.js';

test('NO_COMMIT_WAIT: the statement\'s own transaction commits without waiting for the flush; the session keeps its setting', async (t) => {
  const pool = createPool(testInfra().databaseUrl, { max: 1 });
  t.after(() => pool.end());
  await pool.query('create temp table commit_wait_probe (id int primary key, v int)');
  await pool.query('insert into commit_wait_probe values (1, 0)');
  const show = async () => (await pool.query<{ synchronous_commit: string }>('show synchronous_commit')).rows[0]!.synchronous_commit;
  const before = await show();
  assert.notEqual(before, 'off', 'the server default waits');

  // Inside a transaction: the setting holds from the statement to the commit.
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rowCount } = await client.query(`with ${NO_COMMIT_WAIT_CTE} update commit_wait_probe set v = v + 1 from ${NO_COMMIT_WAIT} where id = 1`);
    assert.equal(rowCount, 1, 'the statement did its work');
    assert.equal((await client.query<{ synchronous_commit: string }>('show synchronous_commit')).rows[0]!.synchronous_commit, 'off');
    await client.query('commit');
  } finally {
    client.release();
  }
  // After it, and after a statement on its own (its own transaction), the pooled session is as it was.
  assert.equal(await show(), before);
  await pool.query(`with ${NO_COMMIT_WAIT_CTE} update commit_wait_probe set v = v + 1 from ${NO_COMMIT_WAIT} where id = 1`);
  assert.equal(await show(), before);
  assert.equal((await pool.query<{ v: number }>('select v from commit_wait_probe')).rows[0]!.v, 2);
});
