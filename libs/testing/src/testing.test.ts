import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testInfra, uniqueIdentifier, uniqueName, waitFor } from './index.js';

test('unique names differ and fit Kafka and SQL naming rules', () => {
  assert.notEqual(uniqueName('topic'), uniqueName('topic'));
  assert.match(uniqueName('syspro.suppliers'), /^syspro\.suppliers-[0-9a-f]{12}$/);
  assert.match(uniqueIdentifier('Audit-Test'), /^audit_test_[0-9a-f]{12}$/);
  assert.match(uniqueIdentifier('1x'), /^_1x_[0-9a-f]{12}$/);
});

test('waitFor returns the first truthy value and retries through throws', async () => {
  let calls = 0;
  const value = await waitFor(() => {
    calls += 1;
    if (calls === 1) throw new Error('not yet');
    return calls === 3 ? { calls } : false;
  }, { intervalMs: 1 });
  assert.deepEqual(value, { calls: 3 });
});

test('waitFor gives up with the last error as cause', async () => {
  const last = new Error('still down');
  await assert.rejects(
    waitFor(() => {
      throw last;
    }, { timeoutMs: 0, intervalMs: 1, message: 'broker up' }),
    (error: unknown) => (error as Error).cause === last,
  );
});

test('testInfra names every missing variable', () => {
  assert.throws(() => testInfra({ KAFKA_BROKERS: 'a:1', DATABASE_URL: ' ' }), {
    code: 'MLC_CONFIG_INVALID',
    context: { missing: ['SCHEMA_REGISTRY_URL', 'DATABASE_URL'] },
  });
  assert.deepEqual(testInfra({ KAFKA_BROKERS: 'a:1, b:2', SCHEMA_REGISTRY_URL: 'http://r', DATABASE_URL: 'postgres://d' }), {
    kafkaBrokers: ['a:1', 'b:2'],
    schemaRegistryUrl: 'http://r',
    databaseUrl: 'postgres://d',
  });
});
