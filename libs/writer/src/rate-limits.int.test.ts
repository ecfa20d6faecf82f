import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import pg from 'pg';
import { Registry } from 'prom-client';
import { createLogger } from '@mlc/log';
import { testInfra, uniqueName } from '@mlc/testing';
import { createRateLimiterFactory } from './rate-limits.js';
import { TARGET_RECORDS_MIGRATIONS } from './target-records.js';

async function dbNow(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ t: number }>('select extract(epoch from clock_timestamp())::float8 as t');
  return rows[0]!.t;
}

test('three limiters (separate pools, as three replicas; one joining late, one leaving early) together admit at most burst + rate × the elapsed database time, and each gets a share', async (t) => {
  const { databaseUrl } = testInfra();
  const pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: databaseUrl, max: 2 }));
  await pools[0]!.query(readFileSync(new URL('005_rate_limits.sql', TARGET_RECORDS_MIGRATIONS), 'utf8'));
  const connection = uniqueName('limit');
  t.after(async () => {
    await pools[0]!.query('delete from mlc_rate_limits where connection = $1', [connection]);
    await Promise.all(pools.map((p) => p.end()));
  });
  const limit = { ratePerSecond: 40, burst: 8 };
  const limiters = pools.map((db) => createRateLimiterFactory({ mode: 'shared', db, connection, target: 'coupa', fallbackReplicas: 3 })(limit));

  const wanted = 100; // about 2.3 s at 40/s after the burst
  const admitted = [0, 0, 0];
  let total = 0;
  let joined!: () => void;
  const third = new Promise<void>((resolve) => (joined = resolve));
  // Replica 0 leaves after 70 admissions, replica 2 joins after 30: no coordination, same bucket.
  const until = [70, wanted, wanted];
  const start = await dbNow(pools[0]!);
  // Four callers per replica, far more demand than the limit allows.
  await Promise.all(
    limiters.flatMap((limiter, i) =>
      [0, 1, 2, 3].map(async () => {
        if (i === 2) await third;
        while (total < until[i]!) {
          await limiter.take();
          admitted[i]! += 1;
          total += 1;
          if (total >= 30) joined();
        }
      }),
    ),
  );
  const elapsed = (await dbNow(pools[0]!)) - start;
  const sum = admitted.reduce((a, b) => a + b, 0);
  assert.ok(sum >= wanted);
  assert.ok(sum <= limit.burst + limit.ratePerSecond * elapsed, `${sum} admitted in ${elapsed.toFixed(3)} s of database time: more than ${limit.burst} + ${limit.ratePerSecond}/s allows`);
  for (const [i, n] of admitted.entries()) assert.ok(n > 0, `replica ${i} got no token`);

  // The bucket the replicas shared: one row, never negative.
  const { rows } = await pools[0]!.query<{ tokens: number }>('select tokens from mlc_rate_limits where connection = $1 and target_system = $2', [connection, 'coupa']);
  assert.equal(rows.length, 1);
  assert.ok(rows[0]!.tokens >= 0 && rows[0]!.tokens <= limit.burst);
});

test('PostgreSQL out of reach: callers are served by the local fallback, with one log line naming the bucket and no credentials', async () => {
  const lines: string[] = [];
  const logger = createLogger({
    name: 'rate-limit-test',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  });
  // Port 1 refuses at once; the password must not reach the log.
  const db = new pg.Pool({ connectionString: 'postgres://mlc:hunter2-not-logged@127.0.0.1:1/mlc', max: 1, connectionTimeoutMillis: 2_000 });
  db.on('error', () => undefined);
  try {
    const registry = new Registry();
    const limiter = createRateLimiterFactory({ mode: 'shared', db, connection: 'acme', target: 'coupa', fallbackReplicas: 2, logger, metrics: { registry, writer: 'coupa-writer' } })({ ratePerSecond: 1000, burst: 4 });
    for (let i = 0; i < 5; i += 1) await limiter.take();
    const warnings = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.limiter, 'acme/coupa');
    assert.equal(warnings[0]!.fallbackRatePerSecond, 500);
    assert.doesNotMatch(lines.join('\n'), /hunter2/);
    assert.match(await registry.getSingleMetricAsString('mlc_rate_limit_fallback'), /mlc_rate_limit_fallback\{writer="coupa-writer",connection="acme",target="coupa"\} 1/);
  } finally {
    await db.end();
  }
});

test('local mode: a plain token bucket, no database involved', async () => {
  const db = { query: () => Promise.reject(new Error('must not be called')) };
  const limiter = createRateLimiterFactory({ mode: 'local', db, connection: 'acme', target: 'coupa', fallbackReplicas: 3 })({ ratePerSecond: 1000, burst: 3 });
  for (let i = 0; i < 3; i += 1) await limiter.take();
});
