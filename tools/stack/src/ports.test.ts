import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { PICKED_PORT_LOW, ephemeralPortLow, freePortBelowEphemeral, freePortBlock } from './ports.js';

test('free ports are picked below the ephemeral range, bindable, and never twice, even when asked for at once', async () => {
  const high = ephemeralPortLow();
  const ports = await Promise.all(Array.from({ length: 40 }, () => freePortBelowEphemeral()));
  assert.equal(new Set(ports).size, ports.length);
  for (const port of ports) assert.ok(port >= PICKED_PORT_LOW && port < high - 100, `${port} outside ${PICKED_PORT_LOW}..${high - 100}`);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ports[0], '127.0.0.1', resolve);
  });
  server.close();
});

test('the ephemeral range starts above the picked ports', { skip: process.platform !== 'linux' }, () => {
  assert.ok(ephemeralPortLow() > PICKED_PORT_LOW + 1_000);
});

test('a block of ports: each offset from the base free and below the ephemeral range, none handed out before', async () => {
  const offsets = [0, 1, 2, 3, 10, 11, 12, 13, 50];
  const single = await freePortBelowEphemeral();
  const [a, b] = await Promise.all([freePortBlock(offsets), freePortBlock(offsets)]);
  const ports = [a!, b!].flatMap((base) => offsets.map((offset) => base + offset));
  assert.equal(new Set(ports).size, ports.length, 'two blocks asked for at once do not overlap');
  assert.ok(!ports.includes(single), 'a block does not reuse a port handed out singly');
  for (const port of ports) assert.ok(port >= PICKED_PORT_LOW && port < ephemeralPortLow() - 100, `${port}`);
});
