import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MlcError } from '@mlc/errors';
import { planTopics, standardTopics, type ExistingTopic } from './topics.js';

const isCode = (code: string) => (e: unknown) => e instanceof MlcError && e.code === code;

test('standardTopics covers syspro, coupa and infor entities, outcomes and one DLQ per writer group', () => {
  const topics = standardTopics({ writerGroups: ['coupa-writer', 'infor-writer'] }).map((t) => t.topic);
  for (const t of ['syspro.suppliers.v1', 'syspro.purchase-orders.v1', 'syspro.invoices.v1', 'syspro.gl-accounts.v1', 'syspro.cost-centres.v1']) {
    assert.ok(topics.includes(t), t);
  }
  for (const t of ['coupa.suppliers.v1', 'coupa.cost-centres.v1', 'infor.suppliers.v1', 'mlc.outcomes.v1', 'coupa-writer.dlq.v1', 'infor-writer.dlq.v1']) {
    assert.ok(topics.includes(t), t);
  }
  assert.equal(topics.length, 18);
  assert.equal(new Set(topics).size, topics.length);
});

test('missing topics are created; matching ones are left alone', () => {
  const defs = [
    { topic: 'a.v1', partitions: 3, retentionMs: 1000 },
    { topic: 'b.v1', partitions: 3, retentionMs: 1000 },
  ];
  const existing = new Map<string, ExistingTopic>([['b.v1', { partitions: 3, configs: { 'retention.ms': '1000' } }]]);
  const plan = planTopics(defs, existing);
  assert.deepEqual(plan.create.map((d) => d.topic), ['a.v1']);
  assert.deepEqual(plan.addPartitions, []);
  assert.deepEqual(plan.configDifferences, []);
});

test('partitions are raised, never lowered', () => {
  const defs = [
    { topic: 'up.v1', partitions: 6 },
    { topic: 'down.v1', partitions: 2 },
  ];
  const existing = new Map<string, ExistingTopic>([
    ['up.v1', { partitions: 3, configs: {} }],
    ['down.v1', { partitions: 4, configs: {} }],
  ]);
  const plan = planTopics(defs, existing);
  assert.deepEqual(plan.addPartitions, [{ topic: 'up.v1', count: 6 }]);
  assert.deepEqual(plan.cannotShrink, [{ topic: 'down.v1', existing: 4, defined: 2 }]);
});

test('differing configs are reported one by one, with the value found', () => {
  const defs = [{ topic: 'c.v1', partitions: 1, retentionMs: 5000, cleanupPolicy: 'compact' as const, configs: { 'min.insync.replicas': '2' } }];
  const existing = new Map<string, ExistingTopic>([
    ['c.v1', { partitions: 1, configs: { 'retention.ms': '5000', 'cleanup.policy': 'delete', 'min.insync.replicas': undefined } }],
  ]);
  assert.deepEqual(planTopics(defs, existing).configDifferences, [
    { topic: 'c.v1', config: 'min.insync.replicas', defined: '2', actual: undefined },
    { topic: 'c.v1', config: 'cleanup.policy', defined: 'compact', actual: 'delete' },
  ]);
});

test('invalid or duplicate definitions are rejected as config errors', () => {
  assert.throws(() => planTopics([{ topic: 'bad topic', partitions: 1 }], new Map()), isCode('MLC_CONFIG_INVALID'));
  assert.throws(() => planTopics([{ topic: 'x.v1', partitions: 0 }], new Map()), isCode('MLC_CONFIG_INVALID'));
  assert.throws(
    () => planTopics([{ topic: 'x.v1', partitions: 1 }, { topic: 'x.v1', partitions: 2 }], new Map()),
    isCode('MLC_CONFIG_INVALID'),
  );
});
