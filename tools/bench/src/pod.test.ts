import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oomKillsOf, parseMemoryQuantity, podLimits, podLimitsOf } from './pod.js';

test('memory quantities as Kubernetes writes them, in bytes; anything else is refused by name', () => {
  assert.equal(parseMemoryQuantity('256Mi'), 256 * 1024 * 1024);
  assert.equal(parseMemoryQuantity('1Gi'), 1024 ** 3);
  assert.equal(parseMemoryQuantity('500M'), 500e6);
  assert.equal(parseMemoryQuantity('134217728'), 134_217_728);
  assert.throws(() => parseMemoryQuantity('256 MB'), /not a memory quantity: "256 MB"/);
});

const MANIFEST = `
apiVersion: v1
kind: Service
metadata: { name: coupa-writer }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: coupa-writer }
spec:
  template:
    spec:
      containers:
        - name: sidecar
          resources: { limits: { memory: 64Mi } }
        - name: coupa-writer
          env:
            - { name: SHUTDOWN_TIMEOUT_MS, value: "40000" }
            - { name: NODE_OPTIONS, value: "--max-old-space-size=160  --enable-source-maps" }
          resources:
            requests: { cpu: 250m, memory: 256Mi }
            limits: { memory: 256Mi }
`;

test("the service's container in its Deployment gives the limit and NODE_OPTIONS; a missing container or limit is named", () => {
  assert.deepEqual(podLimitsOf(MANIFEST, 'coupa-writer'), { memoryLimitBytes: 256 * 1024 * 1024, nodeOptions: ['--max-old-space-size=160', '--enable-source-maps'] });
  assert.deepEqual(podLimitsOf(MANIFEST, 'sidecar'), { memoryLimitBytes: 64 * 1024 * 1024, nodeOptions: [] });
  assert.throws(() => podLimitsOf(MANIFEST, 'audit'), /no Deployment with a container named audit/);
  assert.throws(() => podLimitsOf(MANIFEST.replace('limits: { memory: 256Mi }', 'limits: {}'), 'coupa-writer'), /coupa-writer: its container sets no resources.limits.memory/);
});

test('the benched services read their limits from deploy/k8s/base', () => {
  for (const service of ['syspro-poller', 'coupa-writer', 'audit']) {
    const limits = podLimits(service);
    assert.ok(limits.memoryLimitBytes >= 256 * 1024 * 1024, service);
    assert.ok(limits.nodeOptions.some((o) => o.startsWith('--max-old-space-size=')), `${service}: ${limits.nodeOptions.join(' ')}`);
  }
});

test("OOM kills are read from memory.oom_control (v1) or memory.events (v2)", () => {
  assert.equal(oomKillsOf('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n'), 2);
  assert.equal(oomKillsOf('low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n'), 1);
  assert.equal(oomKillsOf('oom_kill_disable 0\nunder_oom 0\n'), 0);
});
