import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvFile, renderStackEnv } from './env-file.js';
import { loadStackConfig, stackAddresses } from './config.js';
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
