import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dlqTopicFor } from './dead-letter.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { envDocumentationGaps } from '@mlc/config';
import { ConsumerEnv, TopicEnv, createTopicNamespace } from './namespace.js';

test('a namespace prefixes topics, group ids and transactional ids', () => {
  const ns = createTopicNamespace('staging.');
  assert.equal(ns.prefix, 'staging.');
  assert.equal(ns.topic('syspro.suppliers.v1'), 'staging.syspro.suppliers.v1');
  assert.equal(ns.groupId('coupa-writer'), 'staging.coupa-writer');
  assert.equal(ns.transactionalId('syspro-poller', 'acme'), 'staging.syspro-poller:acme');
});

test('logical undoes topic, and leaves a topic outside the namespace as it is', () => {
  const ns = createTopicNamespace('e2e-1a2b.');
  assert.equal(ns.logical(ns.topic('coupa.invoices.v1')), 'coupa.invoices.v1');
  assert.equal(ns.logical('coupa.invoices.v1'), 'coupa.invoices.v1');
});

test('a writer DLQ named after its group id lies inside the namespace', () => {
  const ns = createTopicNamespace('t.');
  assert.equal(dlqTopicFor(ns.groupId('infor-writer')), ns.topic(dlqTopicFor('infor-writer')));
});

test('the empty namespace changes no name', () => {
  const ns = createTopicNamespace();
  assert.equal(ns.topic('mlc.outcomes.v1'), 'mlc.outcomes.v1');
  assert.equal(ns.logical('mlc.outcomes.v1'), 'mlc.outcomes.v1');
  assert.equal(ns.groupId('coupa-writer'), 'coupa-writer');
  assert.equal(ns.transactionalId('syspro-poller', 'acme'), 'syspro-poller:acme');
});

test('TopicEnv defaults to no prefix and six partitions, and refuses characters Kafka names cannot hold', () => {
  assert.deepEqual(TopicEnv.parse({}), { MLC_TOPIC_PREFIX: '', MLC_TOPIC_PARTITIONS: 6, MLC_CREATE_TOPICS: true });
  assert.deepEqual(TopicEnv.parse({ MLC_TOPIC_PREFIX: 'staging.', MLC_TOPIC_PARTITIONS: '3', MLC_CREATE_TOPICS: 'false' }), {
    MLC_TOPIC_PREFIX: 'staging.',
    MLC_TOPIC_PARTITIONS: 3,
    MLC_CREATE_TOPICS: false,
  });
  assert.equal(TopicEnv.safeParse({ MLC_CREATE_TOPICS: 'no' }).success, false);
  assert.equal(TopicEnv.safeParse({ MLC_TOPIC_PREFIX: 'a b' }).success, false);
});

test('docs/CONFIGURATION.md documents the record size limits with their defaults', () => {
  const doc = readFileSync(new URL('../../../docs/CONFIGURATION.md', import.meta.url), 'utf8');
  const { MLC_MAX_RECORD_BYTES, MLC_DLQ_TRUNCATED_VALUE_BYTES } = ConsumerEnv.shape;
  assert.deepEqual(envDocumentationGaps(z.object({ MLC_MAX_RECORD_BYTES, MLC_DLQ_TRUNCATED_VALUE_BYTES }), doc), []);
});
