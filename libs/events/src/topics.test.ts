import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEvent } from './build-event.js';
import { ENTITY_TYPES, EVENT_SCHEMAS, SOURCES, topicFor } from './envelope.js';
import { OUTCOMES_TOPIC, Outcome } from './outcome.js';
import { supplierParams } from './test-support.js';
import { knownTopics, parseTopic, schemaForTopic, validateEvent, validateForTopic } from './topics.js';

test('every <source>.<plural>.v1 topic maps to its entity envelope', () => {
  for (const source of SOURCES) {
    for (const entity of ENTITY_TYPES) {
      const topic = topicFor(source, entity);
      assert.equal(schemaForTopic(topic), EVENT_SCHEMAS[entity]);
      assert.deepEqual(parseTopic(topic), { kind: 'entity', source, entity });
    }
  }
  assert.equal(schemaForTopic('coupa.purchase-orders.v1'), EVENT_SCHEMAS['purchase-order']);
  assert.equal(knownTopics().length, SOURCES.length * ENTITY_TYPES.length + 1);
});

test('mlc.outcomes.v1 maps to the Outcome schema', () => {
  assert.equal(schemaForTopic(OUTCOMES_TOPIC), Outcome);
});

test('an unknown topic is MLC_CONFIG_INVALID naming the topic', () => {
  for (const topic of ['syspro.widgets.v1', 'syspro.suppliers.v2', 'sap.suppliers.v1', 'coupa-writer.dlq.v1', '']) {
    assert.throws(() => schemaForTopic(topic), (error: { code?: string; context?: { topic?: string } }) => {
      assert.equal(error.code, 'MLC_CONFIG_INVALID');
      assert.equal(error.context?.topic, topic);
      return true;
    });
  }
});

test('validateEvent accepts a built event and names the paths of a broken one', () => {
  const event = buildEvent(supplierParams());
  assert.deepEqual(validateEvent(JSON.parse(JSON.stringify(event))), event);
  assert.throws(
    () => validateEvent({ ...event, contentHash: 'nope', data: { ...event.data, status: 'gone' } }),
    (error: { code?: string; context?: { paths?: string[]; key?: string } }) => {
      assert.equal(error.code, 'MLC_EVENT_INVALID');
      assert.deepEqual(error.context?.paths, ['contentHash', 'data.status']);
      assert.equal(error.context?.key, 'S-100');
      return true;
    },
  );
  assert.throws(() => validateEvent(null), { code: 'MLC_EVENT_INVALID' });
});

test('validateForTopic rejects an event of another entity on an entity topic', () => {
  const supplier = buildEvent(supplierParams());
  assert.deepEqual(validateForTopic('syspro.suppliers.v1', supplier), supplier);
  assert.throws(() => validateForTopic('syspro.invoices.v1', supplier), { code: 'MLC_EVENT_INVALID' });
});
