// A small, strict kustomize: renders deploy/k8s's overlays without kubectl or a download, so CI can
// validate every rendered object offline. It implements the fields our kustomizations use, as
// kustomize v5 does them, and refuses any other field (a new one must be added here, or the test
// fails saying which). Where kubectl is installed, k8s.test.ts compares its output with
// `kubectl kustomize` object by object, so this cannot drift from the real thing unnoticed.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type K8sObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Dict = Record<string, unknown>;

interface Target {
  kind?: string;
  name?: string;
}

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'components', 'configMapGenerator', 'labels', 'namespace', 'replicas', 'patches', 'images', 'replacements']);

/** Every object of the kustomization in `dir` (a Kustomization or a Component), as `kubectl kustomize` renders it. */
export function kustomize(dir: string): K8sObject[] {
  return build(resolve(dir), 'Kustomization');
}

/** The YAML documents of a file, empty ones dropped. */
export function readYamlDocuments(path: string): unknown[] {
  // merge: YAML 1.1 `<<` merge keys, as Compose (and kubectl) read them.
  return parseAllDocuments(readFileSync(path, 'utf8'), { merge: true })
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as unknown;
    })
    .filter((doc) => doc !== null && doc !== undefined);
}

function build(dir: string, expectedKind: 'Kustomization' | 'Component', inherited: K8sObject[] = []): K8sObject[] {
  const [k] = readYamlDocuments(join(dir, 'kustomization.yaml')) as Dict[];
  if (k === undefined) throw new Error(`${dir}: empty kustomization.yaml`);
  const unknown = Object.keys(k).filter((key) => !KNOWN_FIELDS.has(key));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: fields this renderer does not implement: ${unknown.join(', ')}`);
  const kind = (k.kind as string | undefined) ?? 'Kustomization';
  if (kind !== expectedKind) throw new Error(`${dir}/kustomization.yaml: expected kind ${expectedKind}, found ${kind}`);

  let objects: K8sObject[] = [...inherited];
  for (const entry of (k.resources as string[] | undefined) ?? []) {
    const path = resolve(dir, entry);
    objects.push(...(statSync(path).isDirectory() ? build(path, 'Kustomization') : (readYamlDocuments(path) as K8sObject[])));
  }
  const generated = ((k.configMapGenerator as Dict[] | undefined) ?? []).map((spec) => generateConfigMap(dir, spec));
  objects.push(...generated.map((g) => g.object));
  // A component sees (and transforms) everything accumulated before it.
  for (const entry of (k.components as string[] | undefined) ?? []) objects = build(resolve(dir, entry), 'Component', objects);

  for (const { pairs } of (k.labels as { pairs: Record<string, string>; includeSelectors?: boolean }[] | undefined) ?? []) {
    for (const o of objects) o.metadata.labels = { ...o.metadata.labels, ...pairs };
  }
  for (const patch of (k.patches as Dict[] | undefined) ?? []) applyPatch(dir, objects, patch);
  for (const { name, count } of (k.replicas as { name: string; count: number }[] | undefined) ?? []) {
    const matches = objects.filter((o) => o.metadata.name === name && ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(o.kind));
    if (matches.length === 0) throw new Error(`${dir}: replicas names ${name}, which is not a workload here`);
    for (const o of matches) (o.spec as Dict).replicas = count;
  }
  for (const image of (k.images as { name: string; newName?: string; newTag?: string }[] | undefined) ?? []) setImage(objects, image);
  for (const replacement of (k.replacements as Dict[] | undefined) ?? []) replace(dir, objects, replacement);
  if (typeof k.namespace === 'string') for (const o of objects) o.metadata.namespace = k.namespace;
  // Generated names carry their content hash; references to them follow.
  for (const { logical, object } of generated) renameConfigMapReferences(objects, logical, object.metadata.name);
  return objects;
}

function generateConfigMap(dir: string, spec: Dict): { logical: string; object: K8sObject } {
  const unknown = Object.keys(spec).filter((key) => !['name', 'files'].includes(key));
  if (unknown.length > 0) throw new Error(`${dir}: configMapGenerator fields this renderer does not implement: ${unknown.join(', ')}`);
  const name = spec.name as string;
  const data: Record<string, string> = {};
  for (const entry of (spec.files as string[] | undefined) ?? []) {
    const [key, path] = entry.includes('=') ? (entry.split('=', 2) as [string, string]) : [basename(entry), entry];
    data[key] = readFileSync(resolve(dir, path), 'utf8');
  }
  return { logical: name, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-${configMapHash(data)}` }, data } };
}

/**
 * kustomize's name suffix: sha256 of the Go JSON of {data, kind, name}, 10 hex digits made
 * unambiguous. kustomize v5 hashes the generated object before it has its name: `name` is empty.
 */
export function configMapHash(data: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.keys(data).sort().map((key) => [key, data[key]]));
  // Go's json.Marshal escapes <, > and & (and U+2028/2029) and sorts map keys.
  const json = JSON.stringify({ data: sorted, kind: 'ConfigMap', name: '' }).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const hex = createHash('sha256').update(json).digest('hex').slice(0, 10);
  return hex.replace(/[013ae]/g, (c) => ({ '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' })[c]!);
}

function podSpecOf(o: K8sObject): Dict | undefined {
  const spec = o.spec as Dict | undefined;
  if (o.kind === 'Pod') return spec;
  // A CronJob's pods are one level further down: spec.jobTemplate.spec.template.
  const template = (o.kind === 'CronJob' ? ((spec?.jobTemplate as Dict | undefined)?.spec as Dict | undefined)?.template : spec?.template) as Dict | undefined;
  return template?.spec as Dict | undefined;
}

function renameConfigMapReferences(objects: K8sObject[], from: string, to: string): void {
  for (const o of objects) {
    const pod = podSpecOf(o);
    if (pod === undefined) continue;
    for (const volume of (pod.volumes as Dict[] | undefined) ?? []) {
      const cm = volume.configMap as Dict | undefined;
      if (cm?.name === from) cm.name = to;
      for (const source of ((volume.projected as Dict | undefined)?.sources as Dict[] | undefined) ?? []) {
        const pcm = source.configMap as Dict | undefined;
        if (pcm?.name === from) pcm.name = to;
      }
    }
    for (const c of [...((pod.containers as Dict[] | undefined) ?? []), ...((pod.initContainers as Dict[] | undefined) ?? [])]) {
      for (const e of (c.envFrom as Dict[] | undefined) ?? []) {
        const ref = e.configMapRef as Dict | undefined;
        if (ref?.name === from) ref.name = to;
      }
      for (const e of (c.env as Dict[] | undefined) ?? []) {
        const ref = (e.valueFrom as Dict | undefined)?.configMapKeyRef as Dict | undefined;
        if (ref?.name === from) ref.name = to;
      }
    }
  }
}

function matches(o: K8sObject, target: Target): boolean {
  return (target.kind === undefined || o.kind === target.kind) && (target.name === undefined || o.metadata.name === target.name);
}

function applyPatch(dir: string, objects: K8sObject[], spec: Dict): void {
  const unknown = Object.keys(spec).filter((key) => !['target', 'patch', 'path'].includes(key));
  if (unknown.length > 0) throw new Error(`${dir}: patch fields this renderer does not implement: ${unknown.join(', ')}`);
  const text = typeof spec.patch === 'string' ? spec.patch : readFileSync(resolve(dir, spec.path as string), 'utf8');
  const [ops] = parseAllDocuments(text).map((d) => d.toJS() as unknown);
  if (!Array.isArray(ops)) throw new Error(`${dir}: only JSON 6902 patches (a list of operations) are implemented here`);
  const target = spec.target as Target | undefined;
  if (target === undefined) throw new Error(`${dir}: a JSON 6902 patch needs a target`);
  const selected = objects.filter((o) => matches(o, target));
  if (selected.length === 0) throw new Error(`${dir}: patch target ${JSON.stringify(target)} matches nothing`);
  for (const o of selected) for (const op of ops as Dict[]) jsonPatch(o, op);
}

function pointer(path: string): string[] {
  return path
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function jsonPatch(o: K8sObject, op: Dict): void {
  const parts = pointer(op.path as string);
  const last = parts.pop()!;
  let parent: unknown = o;
  for (const p of parts) {
    parent = Array.isArray(parent) ? parent[Number(p)] : (parent as Dict)[p];
    if (parent === undefined) throw new Error(`${o.kind}/${o.metadata.name}: patch path ${op.path as string} does not exist`);
  }
  const value = structuredClone(op.value as Json);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (op.op === 'add') parent.splice(index, 0, value);
    else if (op.op === 'replace') parent[index] = value;
    else if (op.op === 'remove') parent.splice(index, 1);
    else throw new Error(`patch op ${String(op.op)} is not implemented here`);
    return;
  }
  const obj = parent as Dict;
  if (op.op === 'add') obj[last] = value;
  else if (op.op === 'replace') {
    if (!(last in obj)) throw new Error(`${o.kind}/${o.metadata.name}: replace of missing ${op.path as string}`);
    obj[last] = value;
  } else if (op.op === 'remove') delete obj[last];
  else throw new Error(`patch op ${String(op.op)} is not implemented here`);
}

function setImage(objects: K8sObject[], { name, newName, newTag }: { name: string; newName?: string; newTag?: string }): void {
  for (const o of objects) {
    const pod = podSpecOf(o);
    for (const c of [...((pod?.containers as Dict[] | undefined) ?? []), ...((pod?.initContainers as Dict[] | undefined) ?? [])]) {
      const image = c.image as string;
      const [repo] = image.split(/[:@]/);
      if (repo !== name) continue;
      c.image = `${newName ?? repo}${newTag === undefined ? image.slice(repo.length) : `:${newTag}`}`;
    }
  }
}

function getPath(o: Dict, fieldPath: string): unknown {
  return fieldPath.split('.').reduce<unknown>((v, key) => (v as Dict | undefined)?.[key], o);
}

function replace(dir: string, objects: K8sObject[], spec: Dict): void {
  const source = spec.source as Target & { fieldPath: string };
  const from = objects.filter((o) => matches(o, source));
  if (from.length !== 1) throw new Error(`${dir}: replacement source ${JSON.stringify(source)} matches ${from.length} objects`);
  const value = getPath(from[0]!, source.fieldPath);
  if (value === undefined) throw new Error(`${dir}: replacement source ${source.fieldPath} is unset`);
  for (const { select, fieldPaths } of spec.targets as { select: Target; fieldPaths: string[] }[]) {
    const selected = objects.filter((o) => matches(o, select));
    if (selected.length === 0) throw new Error(`${dir}: replacement target ${JSON.stringify(select)} matches nothing`);
    for (const o of selected) {
      for (const fieldPath of fieldPaths) {
        const keys = fieldPath.split('.');
        const last = keys.pop()!;
        const parent = getPath(o, keys.join('.')) as Dict | undefined;
        if (parent === undefined || !(last in parent)) throw new Error(`${o.kind}/${o.metadata.name}: replacement target ${fieldPath} does not exist`);
        // kustomize keeps the target's YAML type: "6" into an integer field stays an integer.
        parent[last] = typeof parent[last] === 'number' ? Number(value) : value;
      }
    }
  }
}
