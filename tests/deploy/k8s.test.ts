// The Kubernetes manifests, offline: every overlay renders (tests/deploy/kustomize.ts, checked
// against `kubectl kustomize` where kubectl is installed) and every rendered object validates
// against the JSON schemas of its API (kubernetes-models: Kubernetes 1.30; its KEDA and
// prometheus-operator packages for the CRDs). Then what the manifests say about the code: KEDA's
// triggers are the topics each writer consumes, the topic list is the one the services define.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { coupaWriter } from '@mlc/coupa-writer';
import { createInforWriter } from '@mlc/infor-writer';
import { createSysproWriter } from '@mlc/syspro-writer';
import { CURSOR_TOPIC as INFOR_CURSOR_TOPIC, REJECT_TOPIC as INFOR_REJECT_TOPIC } from '@mlc/infor-poller';
import { CURSOR_TOPIC as SYSPRO_CURSOR_TOPIC, REJECT_TOPIC as SYSPRO_REJECT_TOPIC } from '@mlc/syspro-poller';
import { standardTopics } from '@mlc/kafka';
import { kustomize, type K8sObject } from './kustomize.js';

const root = join(import.meta.dirname, '../..');
const k8s = join(root, 'deploy/k8s');
const overlays = readdirSync(join(k8s, 'overlays')).map((name) => join(k8s, 'overlays', name));
const writers = [coupaWriter, createInforWriter(), createSysproWriter()];

// apiVersion → the package with its models; every class has `validate()` (ajv-compiled JSON schema).
const MODELS: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

async function validateObject(o: K8sObject): Promise<void> {
  const module = MODELS[o.apiVersion];
  assert.ok(module, `${o.kind}/${o.metadata.name}: no schema package for apiVersion ${o.apiVersion} (add one to MODELS)`);
  const models = (await import(module)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = models[o.kind];
  assert.ok(Model, `${o.kind}/${o.metadata.name}: ${module} has no kind ${o.kind}`);
  try {
    new Model(o).validate();
  } catch (error) {
    assert.fail(`${o.kind}/${o.metadata.name} does not validate: ${(error as Error).message}`);
  }
}

const rendered = new Map(overlays.map((dir) => [dir, kustomize(dir)]));
const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

test('every overlay renders and every object validates against its API schema', async () => {
  assert.deepEqual(
    overlays.map((d) => d.slice(k8s.length + 1)),
    ['overlays/dev', 'overlays/prod'],
  );
  for (const [dir, objects] of rendered) {
    assert.ok(objects.length > 20, `${dir}: rendered ${objects.length} objects`);
    for (const o of objects) await validateObject(o);
  }
});

test('an invalid object is refused by the schema check (the check can fail)', async () => {
  const [deployment] = byKind(rendered.get(overlays[0]!)!, 'Deployment');
  const broken = structuredClone(deployment!) as K8sObject & { spec: { template: { spec: { containers: { ports: unknown[] }[] } } } };
  broken.spec.template.spec.containers[0]!.ports = [{ containerPort: 'http' }];
  await assert.rejects(validateObject(broken), /containerPort must be integer/);
});

test('the renderer matches kubectl kustomize where kubectl is installed', (t) => {
  let kubectl = true;
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  } catch {
    kubectl = false;
  }
  if (!kubectl) return t.skip('no kubectl on this machine: the renderer alone is checked');
  for (const [dir, objects] of rendered) {
    const real = parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).map((d) => d.toJS() as K8sObject);
    const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
    assert.deepEqual(objects.map(key).sort(), real.map(key).sort(), dir);
    const mine = new Map(objects.map((o) => [key(o), JSON.parse(JSON.stringify(o)) as unknown]));
    for (const o of real) assert.ok(isDeepStrictEqual(mine.get(key(o)), o), `${dir}: ${key(o)} differs from kubectl kustomize`);
  }
});

test('KEDA scales each lag-scaled writer on every topic it consumes, up to the partition count', () => {
  const prod = rendered.get(join(k8s, 'overlays/prod'))!;
  const infra = prod.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'mlc-infra') as K8sObject & { data: Record<string, string> };
  const partitions = Number(infra.data.MLC_TOPIC_PARTITIONS);
  assert.ok(partitions > 0);
  const scaled = byKind(prod, 'ScaledObject') as (K8sObject & { spec: { scaleTargetRef: { name: string }; maxReplicaCount: number; triggers: { type: string; metadata: { topic: string; consumerGroup: string } }[] } })[];
  // syspro-writer: e.net licences bound it, not lag (base/syspro-writer.yaml).
  assert.deepEqual(scaled.map((s) => s.spec.scaleTargetRef.name).sort(), ['coupa-writer', 'infor-writer']);
  for (const s of scaled) {
    const writer = writers.find((w) => w.name === s.spec.scaleTargetRef.name)!;
    assert.deepEqual(s.spec.triggers.map((tr) => tr.metadata.topic).sort(), [...writer.topics].sort(), `${writer.name}: one trigger per consumed topic`);
    for (const tr of s.spec.triggers) {
      assert.equal(tr.type, 'kafka');
      assert.equal(tr.metadata.consumerGroup, writer.name);
    }
    assert.equal(s.spec.maxReplicaCount, partitions, `${writer.name}: replicas capped at the partition count`);
  }
});

test('the topics Job creates exactly the topics the services define, and the services do not', () => {
  const lines = readFileSync(join(k8s, 'base/topics.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split(/\s+/));
  const listed = new Map(lines.map(([topic, policy, retention, partitions]) => [topic!, { policy, retention, partitions }]));
  const P = 'default';
  const expected = new Map<string, { policy: string; retention: string; partitions: string }>();
  for (const def of standardTopics({ partitions: 1, writerGroups: writers.map((w) => w.name) })) {
    expected.set(def.topic, { policy: def.cleanupPolicy ?? 'delete', retention: String(def.retentionMs), partitions: P });
  }
  // The pollers' own topics (services/*-poller/src/service.ts): rejects kept 30 days, cursors compacted on one partition.
  for (const reject of [SYSPRO_REJECT_TOPIC, INFOR_REJECT_TOPIC]) expected.set(reject, { policy: 'delete', retention: String(30 * 24 * 3600 * 1000), partitions: P });
  for (const cursor of [SYSPRO_CURSOR_TOPIC, INFOR_CURSOR_TOPIC]) expected.set(cursor, { policy: 'compact', retention: '-', partitions: '1' });
  assert.deepEqual(Object.fromEntries(listed), Object.fromEntries(expected));

  for (const objects of rendered.values()) {
    const infra = objects.find((o) => o.metadata.name === 'mlc-infra') as K8sObject & { data: Record<string, string> };
    assert.equal(infra.data.MLC_CREATE_TOPICS, 'false');
    for (const d of byKind(objects, 'Deployment') as (K8sObject & { spec: { template: { spec: { containers: { envFrom?: { configMapRef?: { name: string } }[] }[] } } } })[]) {
      assert.ok(d.spec.template.spec.containers[0]!.envFrom?.some((e) => e.configMapRef?.name === 'mlc-infra'), `${d.metadata.name} reads mlc-infra`);
    }
    assert.equal(byKind(objects, 'Job').length, 1);
  }
});

test('in prod every service logs in to Kafka as its own principal', () => {
  const prod = rendered.get(join(k8s, 'overlays/prod'))!;
  type Env = { name: string; value?: string };
  for (const d of byKind(prod, 'Deployment') as (K8sObject & { spec: { template: { spec: { containers: { env: Env[] }[]; volumes: { secret?: { secretName: string } }[] } } } })[]) {
    const env = Object.fromEntries(d.spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value]));
    assert.equal(env.KAFKA_SASL_USERNAME, d.metadata.name);
    assert.equal(env.KAFKA_SSL, 'true');
    assert.ok(d.spec.template.spec.volumes.some((v) => v.secret?.secretName === `mlc-kafka-${d.metadata.name}`), d.metadata.name);
  }
});

test('the gateway has an Ingress with TLS from cert-manager', () => {
  for (const objects of rendered.values()) {
    const [ingress] = byKind(objects, 'Ingress') as (K8sObject & { metadata: { annotations: Record<string, string> }; spec: { tls: { hosts: string[]; secretName: string }[]; rules: { host: string }[] } })[];
    assert.ok(ingress);
    assert.match(Object.keys(ingress.metadata.annotations).join(','), /cert-manager\.io\/(cluster-)?issuer/);
    assert.deepEqual(ingress.spec.tls[0]!.hosts, ingress.spec.rules.map((r) => r.host));
  }
});

test('deploy/k8s/README.md exists and names every overlay', () => {
  const readme = join(k8s, 'README.md');
  assert.ok(existsSync(readme));
  const text = readFileSync(readme, 'utf8');
  for (const dir of overlays) assert.ok(text.includes(dir.slice(k8s.length + 1)), dir);
});

test('each connection with a reconcile schedule has its CronJob, with that schedule, repairing only when the connection says so', () => {
  const file = JSON.parse(readFileSync(join(k8s, 'base/connections.json'), 'utf8')) as {
    connections: { id: string; mappings?: { coupa?: { reconcile?: { schedule?: string; repair?: boolean } } } }[];
  };
  const scheduled = file.connections.filter((c) => c.mappings?.coupa?.reconcile?.schedule !== undefined);
  assert.ok(scheduled.length > 0, 'the example connection is scheduled');
  type CronJob = K8sObject & { spec: { schedule: string; concurrencyPolicy: string; jobTemplate: { spec: { template: { spec: { containers: { args: string[] }[] } } } } } };
  for (const objects of rendered.values()) {
    const jobs = byKind(objects, 'CronJob') as CronJob[];
    assert.deepEqual(jobs.map((j) => j.metadata.name).sort(), scheduled.map((c) => `mlc-reconcile-${c.id}`).sort());
    for (const c of scheduled) {
      const job = jobs.find((j) => j.metadata.name === `mlc-reconcile-${c.id}`)!;
      assert.equal(job.spec.schedule, c.mappings!.coupa!.reconcile!.schedule);
      assert.equal(job.spec.concurrencyPolicy, 'Forbid', 'never two runs at once');
      const script = job.spec.jobTemplate.spec.template.spec.containers[0]!.args.join('\n');
      assert.match(script, new RegExp(`mlc reconcile --connection ${c.id} `));
      assert.equal(script.includes('--repair'), c.mappings!.coupa!.reconcile!.repair === true);
    }
  }
});

test('every container with a memory limit caps V8 old space at least 96Mi under it, so the heap fails before the pod is killed', () => {
  type Container = { name: string; env?: { name: string; value?: string }[]; resources?: { limits?: { memory?: string } } };
  const podSpecOf = (o: K8sObject): { containers: Container[] } | undefined => {
    const spec = (o as K8sObject & { spec?: Record<string, unknown> }).spec as
      | { template?: { spec?: { containers: Container[] } }; jobTemplate?: { spec: { template: { spec: { containers: Container[] } } } } }
      | undefined;
    return spec?.jobTemplate?.spec.template.spec ?? spec?.template?.spec;
  };
  const mebibytes = (q: string) => {
    const m = /^(\d+)(Mi|Gi)$/.exec(q);
    assert.ok(m, `memory limit ${q}: expected Mi or Gi`);
    return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
  };
  let checked = 0;
  for (const [dir, objects] of rendered) {
    for (const o of objects) {
      for (const c of podSpecOf(o)?.containers ?? []) {
        const limit = c.resources?.limits?.memory;
        if (limit === undefined) continue;
        const options = c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
        const oldSpace = /--max-old-space-size=(\d+)/.exec(options);
        assert.ok(oldSpace, `${dir}: ${o.kind}/${o.metadata.name} container ${c.name} has a ${limit} limit but no --max-old-space-size in NODE_OPTIONS`);
        assert.ok(Number(oldSpace[1]) <= mebibytes(limit) - 96, `${dir}: ${o.kind}/${o.metadata.name} container ${c.name}: --max-old-space-size=${oldSpace[1]} leaves under 96Mi of its ${limit} limit`);
        checked += 1;
      }
    }
  }
  assert.ok(checked >= 20, `checked ${checked} containers`);
});
