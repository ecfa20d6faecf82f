import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditTopicPattern, classifyTopic } from './topics.js';

test('the pattern takes every source topic, outcomes and DLQs under the prefix, nothing else', () => {
  const pattern = auditTopicPattern('staging.');
  for (const topic of ['staging.syspro.suppliers.v1', 'staging.coupa.invoices.v1', 'staging.infor.purchase-orders.v1', 'staging.mlc.outcomes.v1', 'staging.coupa-writer.dlq.v1']) {
    assert.ok(pattern.test(topic), topic);
  }
  for (const topic of ['syspro.suppliers.v1', 'staging.syspro.widgets.v1', 'staging.syspro.suppliers.v2', 'stagingXsyspro.suppliers.v1', 'staging.a.b.dlq.v1', 'staging.syspro.suppliers.v1.x', '__consumer_offsets']) {
    assert.ok(!pattern.test(topic), topic);
  }
});

test('without a prefix, prefixed deployments sharing the cluster are not read', () => {
  const pattern = auditTopicPattern('');
  assert.ok(pattern.test('coupa-writer.dlq.v1'));
  assert.ok(pattern.test('mlc.outcomes.v1'));
  assert.ok(!pattern.test('staging.coupa-writer.dlq.v1'));
  assert.ok(!pattern.test('staging.mlc.outcomes.v1'));
});

test('classifyTopic says what a topic carries', () => {
  assert.deepEqual(classifyTopic('p.syspro.suppliers.v1', 'p.'), { kind: 'event', source: 'syspro', entity: 'supplier' });
  assert.deepEqual(classifyTopic('p.mlc.outcomes.v1', 'p.'), { kind: 'outcome' });
  assert.deepEqual(classifyTopic('p.infor-writer.dlq.v1', 'p.'), { kind: 'dlq', component: 'infor-writer' });
  assert.equal(classifyTopic('q.mlc.outcomes.v1', 'p.'), undefined);
  assert.equal(classifyTopic('p.other.v1', 'p.'), undefined);
});
