import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { buildEvent } from './build-event.js';
import { createRegistryCodec, createSchemaRegistryClient } from './codec.js';
import { supplierParams } from './test-support.js';
import { encodeWire } from './wire-format.js';

// Outages cannot be produced with the real registry on demand, so these use a local server that
// answers 503 or never answers, and a port nothing listens on.

const event = buildEvent(supplierParams());
const topic = 'syspro.suppliers.v1';

async function registryStub(t: TestContext, handle: 'unavailable' | 'hang'): Promise<string> {
  const server: Server = createServer((_req, res) => {
    if (handle === 'unavailable') res.writeHead(503, { 'content-type': 'application/json' }).end('{"error_code":50301,"message":"down"}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPort(): Promise<string> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

async function assertUnavailable(codecUrl: { registryUrl: string } | { registry: ReturnType<typeof createSchemaRegistryClient> }) {
  const codec = createRegistryCodec(codecUrl);
  for (const call of [() => codec.encode(topic, event), () => codec.decode(topic, encodeWire(1, Buffer.from('{}')))]) {
    await assert.rejects(call(), (error: { code?: string; retriable?: boolean }) => {
      assert.equal(error.code, 'MLC_REGISTRY_UNAVAILABLE');
      assert.equal(error.retriable, true);
      return true;
    });
  }
}

test('a refused connection is MLC_REGISTRY_UNAVAILABLE', async () => {
  await assertUnavailable({ registryUrl: await closedPort() });
});

test('a 503 is MLC_REGISTRY_UNAVAILABLE', async (t) => {
  await assertUnavailable({ registryUrl: await registryStub(t, 'unavailable') });
});

test('a registry that never answers times out as MLC_REGISTRY_UNAVAILABLE', async (t) => {
  await assertUnavailable({ registry: createSchemaRegistryClient({ url: await registryStub(t, 'hang'), requestTimeoutMs: 50 }) });
});

test('the codec needs exactly one of registryUrl and registry', () => {
  assert.throws(() => createRegistryCodec({}), { code: 'MLC_CONFIG_INVALID' });
});

test('unknown topics are refused before any registry call', async () => {
  const codec = createRegistryCodec({ registryUrl: await closedPort() });
  await assert.rejects(codec.encode('syspro.widgets.v1', event), { code: 'MLC_CONFIG_INVALID' });
  await assert.rejects(codec.decode('syspro.widgets.v1', encodeWire(1, Buffer.from('{}'))), { code: 'MLC_CONFIG_INVALID' });
});
