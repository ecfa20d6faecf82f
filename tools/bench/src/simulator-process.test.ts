import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuSeconds } from './proc-cpu.js';
import { startSysproProcess } from './simulator-process.js';
import { percentile } from './syspro-to-coupa.js';

test('a simulator in its own process serves OData with its endpoint credentials and stops on close', async () => {
  const sim = await startSysproProcess({ seed: 3, sizes: { suppliers: 30, purchaseOrders: 0, invoices: 0, glAccounts: 1, costCentres: 1 } });
  try {
    assert.notEqual(sim.pid, process.pid);
    const { url, company, username, password } = sim.endpoint.odata;
    const res = await fetch(`${url}/${company}/ApSupplier?$top=3`, { headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { value: unknown[] }).value.length, 3);
  } finally {
    await sim.close();
  }
  if (process.platform === 'linux') assert.equal(cpuSeconds(sim.pid), undefined);
});

test('percentiles are nearest-rank over sorted values', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile([0.4, 2.5], 50), 0.4);
  assert.equal(percentile([0.4, 2.5], 99), 2.5);
  assert.throws(() => percentile([], 50), /no values/);
});
