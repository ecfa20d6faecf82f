import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaServerProperties, newClusterId, renderProperties } from './properties.js';

test('renderProperties escapes what Java properties treat specially', () => {
  const text = renderProperties({ 'log.dirs': 'C:\\kafka=data', port: 1, on: false }, 'generated');
  assert.equal(text, '# generated\nlog.dirs=C\\:\\\\kafka\\=data\nport=1\non=false\n');
});

test('cluster ids are 22 URL-safe base64 characters', () => {
  assert.equal(newClusterId(() => Buffer.alloc(16, 0xff)), '_____________________w');
  // 0xf8 encodes as '-' first: drawn again, never handed to kafka-storage as an option.
  const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0xff)];
  assert.equal(newClusterId(() => draws.shift()!), '_____________________w');
  assert.match(newClusterId(), /^[A-Za-z0-9_-]{22}$/);
});

test('the broker advertises and listens on the configured ports, internal topics at replication 1', () => {
  const props = kafkaServerProperties({ port: 29092, controllerPort: 29093, dataDir: '/d' });
  assert.equal(props['listeners'], 'PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093');
  assert.equal(props['advertised.listeners'], 'PLAINTEXT://127.0.0.1:29092');
  assert.equal(props['controller.quorum.voters'], '1@127.0.0.1:29093');
  for (const key of ['offsets.topic.replication.factor', 'transaction.state.log.replication.factor', 'transaction.state.log.min.isr']) {
    assert.equal(props[key], 1, key);
  }
});

test('the secure listeners sit beside PLAINTEXT, which stays the inter-broker listener', () => {
  const props = kafkaServerProperties({ port: 29092, controllerPort: 29093, dataDir: '/d', secure: { saslSslPort: 29094, mtlsPort: 29095, properties: { 'listener.name.ssl.ssl.client.auth': 'required' } } });
  assert.equal(props['listeners'], 'PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093,SASL_SSL://127.0.0.1:29094,SSL://127.0.0.1:29095');
  assert.equal(props['advertised.listeners'], 'PLAINTEXT://127.0.0.1:29092,SASL_SSL://127.0.0.1:29094,SSL://127.0.0.1:29095');
  assert.equal(props['listener.security.protocol.map'], 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL');
  assert.equal(props['inter.broker.listener.name'], 'PLAINTEXT');
  assert.equal(props['listener.name.ssl.ssl.client.auth'], 'required');
});

test('a cluster node: its own id, every node a voter, replication factor 3 and min.insync.replicas 2 everywhere', () => {
  const props = kafkaServerProperties({ port: 29102, controllerPort: 29103, dataDir: '/d', cluster: { nodeId: 2, controllerPorts: [29093, 29103, 29113] } });
  assert.equal(props['node.id'], 2);
  assert.equal(props['controller.quorum.voters'], '1@127.0.0.1:29093,2@127.0.0.1:29103,3@127.0.0.1:29113');
  assert.equal(props['listeners'], 'PLAINTEXT://127.0.0.1:29102,CONTROLLER://127.0.0.1:29103');
  for (const key of ['default.replication.factor', 'offsets.topic.replication.factor', 'transaction.state.log.replication.factor', 'share.coordinator.state.topic.replication.factor']) {
    assert.equal(props[key], 3, key);
  }
  for (const key of ['min.insync.replicas', 'transaction.state.log.min.isr', 'share.coordinator.state.topic.min.isr']) assert.equal(props[key], 2, key);
  assert.equal(props['unclean.leader.election.enable'], false);
});

test('the single broker has no cluster settings: the default stack is unchanged', () => {
  const props = kafkaServerProperties({ port: 29092, controllerPort: 29093, dataDir: '/d' });
  assert.equal(props['node.id'], 1);
  assert.equal(props['default.replication.factor'], undefined);
  assert.equal(props['min.insync.replicas'], undefined);
});
