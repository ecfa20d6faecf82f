import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvFile, renderStackEnv } from './env-file.js';
import { loadStackConfig, stackAddresses } from './config.js';

test('stack.env round-trips the three addresses', () => {
  const addresses = stackAddresses(loadStackConfig({ MLC_KAFKA_PORT: '29092', MLC_REGISTRY_PORT: '28081' }, '/repo'));
  assert.deepEqual(parseEnvFile(renderStackEnv(addresses)), {
    KAFKA_BROKERS: '127.0.0.1:29092',
    SCHEMA_REGISTRY_URL: 'http://127.0.0.1:28081/apis/ccompat/v7',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/mlc',
  });
});

test('settings have defaults and reject bad ports', () => {
  const config = loadStackConfig({}, '/repo');
  assert.equal(config.stackDir, '/repo/.stack');
  assert.deepEqual([config.kafkaPort, config.controllerPort, config.registryPort], [19092, 19093, 18081]);
  assert.throws(() => loadStackConfig({ MLC_KAFKA_PORT: 'x' }, '/repo'), { code: 'MLC_CONFIG_INVALID' });
  assert.throws(() => loadStackConfig({ MLC_KAFKA_PORT: '18081' }, '/repo'), { code: 'MLC_CONFIG_INVALID' });
});
