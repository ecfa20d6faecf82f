// The registry client over HTTPS with basic auth. Apicurio 2.6 authenticates only through an OIDC
// server (Keycloak), so the test puts a small HTTPS reverse proxy in front of the real registry
// that demands basic auth, with the local stack's certificate (signed by its CA).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadEnv } from '@mlc/config';
import { testInfra, uniqueName } from '@mlc/testing';
import { buildEvent } from './build-event.js';
import { createRegistryCodec, schemaRegistryClientFromEnv } from './codec.js';
import { supplierParams } from './test-support.js';

const dir = process.env.MLC_STACK_KAFKA_SECURE_DIR;
const skip = dir ? false : 'MLC_STACK_KAFKA_SECURE_DIR is unset: the test serves TLS with the local stack certificate (`npm run stack -- up` writes it to .stack/stack.env)';
const USER = 'registry-user';

/** An HTTPS proxy to the registry that answers 401 unless the basic-auth credentials match. */
async function authProxy(t: TestContext, password: string): Promise<string> {
  const upstream = new URL(testInfra().schemaRegistryUrl);
  const expected = `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}`;
  const server: Server = createServer({ cert: readFileSync(join(dir!, 'broker-cert.pem')), key: readFileSync(join(dir!, 'broker-key.pem')) }, (req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"', 'content-type': 'application/json' }).end('{"error_code":401,"message":"unauthorized"}');
      return;
    }
    const { authorization: _, host: __, ...headers } = req.headers;
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: `${upstream.pathname}${req.url}`, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return `https://127.0.0.1:${port}`;
}

function envFor(url: string, variables: Record<string, string>) {
  const infra = testInfra();
  return loadEnv({ KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl, SCHEMA_REGISTRY_URL: url, ...variables });
}

test('the codec registers and decodes through an HTTPS registry with basic auth (password file, private CA)', { skip }, async (t) => {
  const password = randomBytes(12).toString('hex');
  const url = await authProxy(t, password);
  const passwordFile = join(mkdtempSync(join(tmpdir(), 'registry-auth-')), 'password');
  writeFileSync(passwordFile, `${password}\n`);
  const topic = uniqueName('syspro.suppliers.v1');
  t.after(() => fetch(`${testInfra().schemaRegistryUrl}/subjects/${encodeURIComponent(`${topic}-value`)}`, { method: 'DELETE' }));
  const env = envFor(url, { SCHEMA_REGISTRY_USERNAME: USER, SCHEMA_REGISTRY_PASSWORD_FILE: passwordFile, SCHEMA_REGISTRY_CA_FILE: join(dir!, 'ca.pem') });
  const codec = createRegistryCodec({ registry: schemaRegistryClientFromEnv(env), logicalTopic: (name) => name.replace(/-[0-9a-f]{12}$/, '') });
  const event = buildEvent(supplierParams());
  const encoded = await codec.encode(topic, event);
  assert.deepEqual(await codec.decode(topic, encoded), event);
});

test('a wrong registry password is MLC_AUTH_FAILED; a registry whose CA is not trusted is refused', { skip }, async (t) => {
  const url = await authProxy(t, randomBytes(12).toString('hex'));
  const topic = uniqueName('syspro.suppliers.v1');
  const event = buildEvent(supplierParams());
  const wrong = createRegistryCodec({
    registry: schemaRegistryClientFromEnv(envFor(url, { SCHEMA_REGISTRY_USERNAME: USER, SCHEMA_REGISTRY_PASSWORD: 'not-the-password', SCHEMA_REGISTRY_CA_FILE: join(dir!, 'ca.pem') })),
  });
  await assert.rejects(wrong.encode(topic.replace(/-[0-9a-f]{12}$/, ''), event), { code: 'MLC_AUTH_FAILED' });
  const untrusted = createRegistryCodec({ registry: schemaRegistryClientFromEnv(envFor(url, { SCHEMA_REGISTRY_USERNAME: USER, SCHEMA_REGISTRY_PASSWORD: 'x' })) });
  await assert.rejects(untrusted.encode('syspro.suppliers.v1', event));
});
