import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BenchUsageError, intOption, parseArgs } from './bench.js';
import { BENCHES } from './benches.js';

test('options parse as --name value, --name=value and bare flags', () => {
  assert.deepEqual(parseArgs(['--count', '500', '--partitions=3', '--json']), { count: '500', partitions: '3', json: 'true' });
});

test('stray arguments and bad numbers are usage errors', () => {
  assert.throws(() => parseArgs(['500']), BenchUsageError);
  assert.throws(() => intOption({ count: 'many' }, 'count', 1), BenchUsageError);
  assert.throws(() => intOption({ count: '0' }, 'count', 1), BenchUsageError);
  assert.equal(intOption({}, 'count', 20_000), 20_000);
});

test('every registered bench loads and describes itself', async () => {
  for (const [name, load] of Object.entries(BENCHES)) {
    const bench = (await load()).default;
    assert.equal(typeof bench.run, 'function', name);
    assert.ok(bench.description.length > 0, name);
  }
});
