import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logLevel } from 'kafkajs';
import { kafkajsLogLevel } from './kafkajs-log.js';

// The entries as kafkajs 2.2 logs them (network/connection.js, producer/sendMessages.js).
test('a protocol error kafkajs retries is a warning, as a broker answer and as a failed send', () => {
  assert.equal(kafkajsLogLevel(logLevel.ERROR, { message: 'Response InitProducerId(key: 22, version: 1)', error: "The coordinator is loading and hence can't process requests for this group" }), 'warn');
  assert.equal(
    kafkajsLogLevel(logLevel.ERROR, { message: 'Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing' }),
    'warn',
  );
  assert.equal(kafkajsLogLevel(logLevel.ERROR, { message: 'This server is not the leader for that topic-partition' }), 'warn');
});

test('a CreateTopics answer with errors is a warning: services starting together race to create the same topics, and ensureTopics reports a real failure', () => {
  assert.equal(kafkajsLogLevel(logLevel.ERROR, { message: 'Response CreateTopics(key: 19, version: 3)', error: 'Topic creation errors' }), 'warn');
  assert.equal(kafkajsLogLevel(logLevel.ERROR, { message: 'Response CreatePartitions(key: 37, version: 0)', error: 'Invalid partition count' }), 'error');
});

test('every other kafkajs error stays an error; other levels keep theirs', () => {
  assert.equal(kafkajsLogLevel(logLevel.ERROR, { message: 'Failed to send messages: The request included a message larger than the max message size the server will accept' }), 'error');
  assert.equal(kafkajsLogLevel(logLevel.ERROR, { message: 'Response Produce(key: 0, version: 7)', error: 'The request included a message larger than the max message size the server will accept' }), 'error');
  assert.equal(kafkajsLogLevel(logLevel.ERROR, { message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' }), 'error');
  assert.equal(kafkajsLogLevel(logLevel.ERROR, { message: 'Crash: KafkaJSNumberOfRetriesExceeded: This server is not the leader for that topic-partition' }), 'error');
  assert.equal(kafkajsLogLevel(logLevel.WARN, { message: 'anything' }), 'warn');
  assert.equal(kafkajsLogLevel(logLevel.INFO, { message: 'Consumer has joined the group' }), 'info');
  assert.equal(kafkajsLogLevel(logLevel.DEBUG, { message: 'Request Fetch' }), 'debug');
});
