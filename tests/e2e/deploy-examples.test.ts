import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConnections } from '@mlc/config';
import { CoupaMapping } from '@mlc/coupa';
import { InforMapping } from '@mlc/infor';
import { SysproMapping } from '@mlc/syspro';

// The connections file shipped with the Kubernetes manifests is what a platform team copies first:
// it must pass the same validation the services apply (every vendor mapping included).
test('deploy/k8s/base/connections.json is a valid connections file for every service', () => {
  const shipped = fileURLToPath(new URL('../../deploy/k8s/base/connections.json', import.meta.url));
  // As mounted in a pod: the file beside the secret files it refers to (`{ "file": "secrets/…" }`).
  const dir = mkdtempSync(join(tmpdir(), 'mlc-deploy-'));
  const path = join(dir, 'connections.json');
  copyFileSync(shipped, path);
  for (const [, file] of readFileSync(shipped, 'utf8').matchAll(/\{ "file": "([^"]+)" \}/g)) {
    mkdirSync(dirname(join(dir, file!)), { recursive: true });
    writeFileSync(join(dir, file!), 'a-secret-value-for-validation\n');
  }
  const env = new Proxy({}, { get: () => 'a-secret-value-for-validation' }) as NodeJS.ProcessEnv;
  const file = loadConnections(path, { env, mappings: { syspro: SysproMapping, coupa: CoupaMapping, infor: InforMapping } });
  assert.deepEqual(
    file.connections.map((c) => c.id),
    ['acme'],
  );
});
