import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadConnections } from '@mlc/config';
import { CoupaMapping } from '@mlc/coupa';
import { InforMapping } from '@mlc/infor';
import { SysproMapping } from '@mlc/syspro';

// The connections file shipped with the Kubernetes manifests is what a platform team copies first:
// it must pass the same validation the services apply (every vendor mapping included).
test('deploy/k8s/base/connections.json is a valid connections file for every service', () => {
  const path = fileURLToPath(new URL('../../deploy/k8s/base/connections.json', import.meta.url));
  const env = new Proxy({}, { get: () => 'a-secret-value-for-validation' }) as NodeJS.ProcessEnv;
  const file = loadConnections(path, { env, mappings: { syspro: SysproMapping, coupa: CoupaMapping, infor: InforMapping } });
  assert.deepEqual(
    file.connections.map((c) => c.id),
    ['acme'],
  );
});
