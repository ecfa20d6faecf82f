import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlcError } from '@mlc/errors';
import { InfraEnv, kafkaSecurity, loadEnv, registrySecurity } from './index.js';

const INFRA = { KAFKA_BROKERS: '127.0.0.1:19094', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7', DATABASE_URL: 'postgres://postgres@127.0.0.1/mlc' };
const dir = mkdtempSync(join(tmpdir(), 'transport-security-'));
const file = (name: string, content = `${name}-content\n`) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

function paths(env: Record<string, string>): string[] {
  try {
    loadEnv({ ...INFRA, ...env }, InfraEnv);
  } catch (error) {
    assert.ok(error instanceof MlcError);
    assert.equal(error.code, 'MLC_CONFIG_INVALID');
    return (error.context.issues as { path: string }[]).map((i) => i.path);
  }
  return [];
}

test('plaintext without settings, as today', () => {
  const env = loadEnv(INFRA);
  assert.deepEqual(kafkaSecurity(env), { connectionTimeoutMs: 5_000, authenticationTimeoutMs: 10_000 });
  assert.deepEqual(registrySecurity(env), {});
});

test('half-configured combinations are refused, naming the variable', () => {
  assert.deepEqual(paths({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }), ['KAFKA_SASL_MECHANISM']);
  assert.deepEqual(paths({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: file('cert.pem') }), ['KAFKA_SSL_KEY_FILE']);
  assert.deepEqual(paths({ KAFKA_SSL_CA_FILE: file('ca.pem') }), ['KAFKA_SSL']);
  assert.deepEqual(paths({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' }), ['KAFKA_SASL_PASSWORD']);
  assert.deepEqual(paths({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SASL_PASSWORD_FILE: file('pw') }), ['KAFKA_SASL_PASSWORD_FILE']);
  // PLAIN and OAUTHBEARER send the credential as it is: never without TLS.
  assert.deepEqual(paths({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }), ['KAFKA_SSL']);
  assert.deepEqual(paths({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_SASL_USERNAME: 'u' }).sort(), ['KAFKA_SASL_OAUTH_CLIENT_ID', 'KAFKA_SASL_OAUTH_CLIENT_SECRET', 'KAFKA_SASL_OAUTH_TOKEN_URL', 'KAFKA_SASL_USERNAME']);
  assert.deepEqual(paths({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') }), ['KAFKA_SSL_CA_FILE']);
  assert.deepEqual(paths({ KAFKA_SASL_MECHANISM: 'kerberos' }), ['KAFKA_SASL_MECHANISM']);
  assert.deepEqual(paths({ SCHEMA_REGISTRY_USERNAME: 'u' }), ['SCHEMA_REGISTRY_PASSWORD']);
  assert.deepEqual(paths({ SCHEMA_REGISTRY_URL: 'http://registry.internal:8081', SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_PASSWORD: 'p' }), ['SCHEMA_REGISTRY_URL']);
  assert.deepEqual(paths({ SCHEMA_REGISTRY_CA_FILE: file('ca.pem') }), ['SCHEMA_REGISTRY_CA_FILE']);
});

test('a password never prints, and one from a file is read at each use (a rotated mounted Secret applies)', () => {
  const passwordFile = file('kafka-password', 'first\n');
  const env = loadEnv({ ...INFRA, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: file('ca.pem'), KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD_FILE: passwordFile });
  const security = kafkaSecurity(env);
  assert.equal(security.ssl?.ca, 'ca.pem-content\n');
  assert.ok(security.sasl?.mechanism === 'scram-sha-512');
  assert.equal(security.sasl.password().reveal(), 'first');
  writeFileSync(passwordFile, 'second\n');
  assert.equal(security.sasl.password().reveal(), 'second');

  const literal = loadEnv({ ...INFRA, KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'hunter22' });
  assert.ok(!JSON.stringify(literal).includes('hunter22'));
  const registry = registrySecurity(loadEnv({ ...INFRA, SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_PASSWORD: 'reg-pass' }));
  assert.equal(registry.auth?.password().reveal(), 'reg-pass');
  assert.ok(!JSON.stringify(registry).includes('reg-pass'));
});
