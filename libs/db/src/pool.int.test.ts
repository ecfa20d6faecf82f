import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testInfra } from '@mlc/testing';
import { createPool } from './index.js';

const { databaseUrl } = testInfra();

// A batch statement over arrays joined to a table by key, as the gateway's claims are: knowing
// the arrays' lengths, a custom plan for a batch of one looks cheaper than the generic one, so
// Postgres keeps planning it on every call.
const BATCH = {
  name: 'pool_test_batch',
  text: 'select x.n, c.oid from unnest($1::text[]) with ordinality as x(v, n) left join pg_class c on c.relname = x.v and c.relnamespace = 11 order by x.n',
};

async function plansOf(genericPlans: boolean): Promise<{ generic_plans: string; custom_plans: string; mode: string }> {
  const pool = createPool(databaseUrl, { max: 1, genericPlans });
  try {
    for (let i = 0; i < 8; i++) {
      const { rows } = await pool.query({ ...BATCH, values: [[i % 2 === 0 ? 'pg_class' : 'pg_type']] });
      assert.equal(rows.length, 1);
    }
    const { rows } = await pool.query(`select generic_plans::text, custom_plans::text, current_setting('plan_cache_mode') as mode from pg_prepared_statements where name = $1`, [BATCH.name]);
    return rows[0];
  } finally {
    await pool.end();
  }
}

test('by default Postgres plans a named batch statement over arrays on each call (custom plans)', async () => {
  const plans = await plansOf(false);
  assert.equal(plans.mode, 'auto');
  assert.equal(plans.custom_plans, '8');
});

test('genericPlans: a named statement is planned once per connection and its generic plan reused', async () => {
  const plans = await plansOf(true);
  assert.equal(plans.mode, 'force_generic_plan');
  assert.equal(plans.custom_plans, '0');
  assert.equal(plans.generic_plans, '8');
});

test('genericPlans keeps the options the URL already gives (a schema on the search path)', async (t) => {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', '-c search_path=pool_test_schema');
  const pool = createPool(url.toString(), { max: 1, genericPlans: true });
  t.after(() => pool.end());
  const { rows } = await pool.query(`select current_setting('search_path') as path, current_setting('plan_cache_mode') as mode`);
  assert.deepEqual(rows[0], { path: 'pool_test_schema', mode: 'force_generic_plan' });
});
