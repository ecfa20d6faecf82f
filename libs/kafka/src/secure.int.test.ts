// Our Kafka client over TLS with authentication, against the real broker's secure listeners
// (`npm run stack -- up` starts them and lists them in .stack/stack.env): SASL_SSL with
// SCRAM-SHA-512 and PLAIN, SSL with a client certificate, and the refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { loadEnv } from '@mlc/config';
import { toMlcError } from '@mlc/errors';
import { createTestTopics, testInfra, uniqueName, waitFor } from '@mlc/testing';
import { kafkaClientFromEnv } from './client.js';
import { collect, testLogger } from './test-support.js';

const saslSsl = process.env.MLC_STACK_KAFKA_SASL_SSL;
const mtls = process.env.MLC_STACK_KAFKA_MTLS;
const dir = process.env.MLC_STACK_KAFKA_SECURE_DIR;
const skip =
  saslSsl && mtls && dir
    ? false
    : 'the secure listeners are not up: MLC_STACK_KAFKA_SASL_SSL, MLC_STACK_KAFKA_MTLS and MLC_STACK_KAFKA_SECURE_DIR are unset (`npm run stack -- up` lists them in .stack/stack.env; a broker started before they existed needs `down` and `up`)';

const file = (name: string) => join(dir!, name);

/** The client every service builds, from an environment as an operator would set it. */
function clientFor(variables: Record<string, string>, { refusal = false } = {}): Kafka {
  const infra = testInfra();
  const env = loadEnv({
    SCHEMA_REGISTRY_URL: infra.schemaRegistryUrl,
    DATABASE_URL: infra.databaseUrl,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: file('ca.pem'),
    ...variables,
  });
  // A refusal must surface as an error, and fast: few retries where one is expected. Round trips
  // keep kafkajs' retries (a fresh group coordinator answers "not available" for a moment).
  return kafkaClientFromEnv({ env, clientId: uniqueName('secure-test'), logger: testLogger(), ...(refusal ? { retry: { retries: 1, initialRetryTime: 100 } } : {}) });
}

/** Creates a topic, produces one record and reads it back with a consumer group, all through `kafka`. */
async function roundTrip(t: { after(fn: () => Promise<void>): void }, kafka: Kafka): Promise<void> {
  const topic = uniqueName('secure');
  const admin = kafka.admin();
  await admin.connect();
  t.after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
  await createTestTopics(admin, [topic]);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.after(() => producer.disconnect());
  const value = uniqueName('value');
  await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
  const collector = await collect(kafka, topic);
  t.after(() => collector.stop());
  await waitFor(() => collector.messages.some((m) => m.value?.toString() === value), { message: `${value} read back over ${topic}` });
}

async function connectError(kafka: Kafka): Promise<unknown> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (error) {
    return error;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  assert.fail('the broker accepted the connection');
}

test('SASL_SSL with SCRAM-SHA-512, the password read from a mounted file: produce and consume', { skip }, async (t) => {
  await roundTrip(
    t,
    clientFor({ KAFKA_BROKERS: saslSsl!, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'mlcscram', KAFKA_SASL_PASSWORD_FILE: file('mlcscram.password') }),
  );
});

test('SASL_SSL with PLAIN, the password from the environment: produce and consume', { skip }, async (t) => {
  const password = readFileSync(file('mlcplain.password'), 'utf8').trim();
  await roundTrip(t, clientFor({ KAFKA_BROKERS: saslSsl!, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'mlcplain', KAFKA_SASL_PASSWORD: password }));
});

test('SSL with a client certificate (mTLS): produce and consume', { skip }, async (t) => {
  await roundTrip(t, clientFor({ KAFKA_BROKERS: mtls!, KAFKA_SSL_CERT_FILE: file('client-cert.pem'), KAFKA_SSL_KEY_FILE: file('client-key.pem') }));
});

test('a wrong password is refused with MLC_AUTH_FAILED, without waiting on retries', { skip }, async () => {
  for (const mechanism of ['scram-sha-512', 'plain']) {
    const user = mechanism === 'plain' ? 'mlcplain' : 'mlcscram';
    const error = await connectError(clientFor({ KAFKA_BROKERS: saslSsl!, KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: user, KAFKA_SASL_PASSWORD: 'not-the-password' }, { refusal: true }));
    assert.equal(toMlcError(error).code, 'MLC_AUTH_FAILED', mechanism);
  }
});

test('the mTLS listener refuses a client without a certificate, and TLS refuses a broker the CA did not sign', { skip }, async () => {
  const withoutCert = await connectError(clientFor({ KAFKA_BROKERS: mtls! }, { refusal: true }));
  assert.equal(toMlcError(withoutCert).code, 'MLC_AUTH_FAILED');
  // Trusting only the client certificate (not a CA) makes the broker's certificate unverifiable.
  const untrusted = await connectError(
    clientFor({ KAFKA_BROKERS: saslSsl!, KAFKA_SSL_CA_FILE: file('client-cert.pem'), KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'mlcscram', KAFKA_SASL_PASSWORD_FILE: file('mlcscram.password') }, { refusal: true }),
  );
  assert.equal(toMlcError(untrusted).code, 'MLC_AUTH_FAILED');
});
