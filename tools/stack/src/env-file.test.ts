import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvFile, renderStackEnv } from './env-file.js';
import { brokerPorts, loadStackConfig, stackAddresses } from './config.js';
import { secureAddresses } from './secure.js';

test('stack.env round-trips the three addresses', () => {
  const addresses = stackAddresses(loadStackConfig({ MLC_KAFKA_PORT: '29092', MLC_REGISTRY_PORT: '28081' }, '/repo'));
  assert.deepEqual(parseEnvFile(renderStackEnv(addresses)), {
    KAFKA_BROKERS: '127.0.0.1:29092',
    SCHEMA_REGISTRY_URL: 'http://127.0.0.1:28081/apis/ccompat/v7',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/mlc',
  });
});

test('stack.env lists the secure listeners only when given', () => {
  const config = loadStackConfig({ MLC_KAFKA_SASL_SSL_PORT: '29094', MLC_KAFKA_MTLS_PORT: '29095' }, '/repo');
  const env = parseEnvFile(renderStackEnv(stackAddresses(config), secureAddresses(config)));
  assert.equal(env.MLC_STACK_KAFKA_SASL_SSL, '127.0.0.1:29094');
  assert.equal(env.MLC_STACK_KAFKA_MTLS, '127.0.0.1:29095');
  assert.equal(env.MLC_STACK_KAFKA_SECURE_DIR, '/repo/.stack/kafka/secure');
  assert.throws(() => loadStackConfig({ MLC_KAFKA_MTLS_PORT: '19092' }, '/repo'), { code: 'MLC_CONFIG_INVALID' });
});

test('settings have defaults and reject bad ports', () => {
  const config = loadStackConfig({}, '/repo');
  assert.equal(config.stackDir, '/repo/.stack');
  assert.deepEqual([config.kafkaPort, config.controllerPort, config.registryPort], [19092, 19093, 18081]);
  assert.throws(() => loadStackConfig({ MLC_KAFKA_PORT: 'x' }, '/repo'), { code: 'MLC_CONFIG_INVALID' });
  assert.throws(() => loadStackConfig({ MLC_KAFKA_PORT: '18081' }, '/repo'), { code: 'MLC_CONFIG_INVALID' });
});

test('a cluster: broker n on each base port + 10(n-1), every broker in KAFKA_BROKERS and the secure lists, smaller heaps', () => {
  const config = loadStackConfig({ MLC_KAFKA_PORT: '29092', MLC_KAFKA_CONTROLLER_PORT: '29093', MLC_KAFKA_SASL_SSL_PORT: '29094', MLC_KAFKA_MTLS_PORT: '29095' }, '/repo', { brokers: 3 });
  assert.deepEqual(brokerPorts(config, 3), { port: 29112, controllerPort: 29113, saslSslPort: 29114, mtlsPort: 29115 });
  assert.equal(stackAddresses(config).kafkaBrokers, '127.0.0.1:29092,127.0.0.1:29102,127.0.0.1:29112');
  const env = parseEnvFile(renderStackEnv(stackAddresses(config), secureAddresses(config)));
  assert.equal(env.MLC_STACK_KAFKA_SASL_SSL, '127.0.0.1:29094,127.0.0.1:29104,127.0.0.1:29114');
  assert.equal(config.kafkaHeap, '384m');
  assert.equal(loadStackConfig({}, '/repo', { brokers: 1 }).kafkaHeap, '640m');
  assert.equal(loadStackConfig({ MLC_KAFKA_HEAP: '512m' }, '/repo', { brokers: 3 }).kafkaHeap, '512m');
  assert.throws(() => brokerPorts(config, 4), { code: 'MLC_CONFIG_INVALID' });
  assert.throws(() => loadStackConfig({}, '/repo', { brokers: 9 }), { code: 'MLC_CONFIG_INVALID' });
  // Broker 2's PLAINTEXT port would be broker 1's controller port + 10 = the registry's.
  assert.throws(() => loadStackConfig({ MLC_REGISTRY_PORT: '19102' }, '/repo', { brokers: 3 }), { code: 'MLC_CONFIG_INVALID' });
  assert.doesNotThrow(() => loadStackConfig({ MLC_REGISTRY_PORT: '19102' }, '/repo', { brokers: 1 }));
});
