// docker-compose.yml against the Compose Specification's JSON schema (vendored, schemas/README.md),
// offline; and against the repository: the infrastructure versions the tests run on, every service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { APICURIO_VERSION } from '@mlc/stack';
import { readYamlDocuments } from './kustomize.js';

const root = join(import.meta.dirname, '../..');
const compose = readYamlDocuments(join(root, 'docker-compose.yml'))[0] as { services: Record<string, { image?: string; build?: { args?: { SERVICE?: string } }; depends_on?: Record<string, unknown>; command?: string[] }> };

function validator() {
  // Its `$schema` names draft-07 by an https URL ajv does not know by that spelling; ajv's default is draft-07.
  const { $schema: _draft, ...schema } = JSON.parse(readFileSync(join(import.meta.dirname, 'schemas/compose-spec.json'), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

test('docker-compose.yml validates against the Compose Specification', () => {
  const validate = validator();
  assert.ok(validate(compose), JSON.stringify(validate.errors, null, 2));
  // The check can fail: a misspelt key is refused.
  const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
  broken.services.kafka!.restart_policy = 'always';
  assert.equal(validate(broken), false);
});

test('compose runs the Kafka and registry versions the tests prove (tools/stack)', () => {
  const pom = readFileSync(join(root, 'tools/stack/kafka/pom.xml'), 'utf8');
  const kafkaVersion = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)![1];
  assert.equal(compose.services.kafka!.image, `apache/kafka:${kafkaVersion}`);
  assert.equal(compose.services['schema-registry']!.image, `apicurio/apicurio-registry-mem:${APICURIO_VERSION}`);
});

test('compose runs every service, and registers the Coupa call-outs to the gateway', () => {
  const built = Object.values(compose.services).map((s) => s.build?.args?.SERVICE).filter((s) => s !== undefined);
  assert.deepEqual(built.sort(), readdirSync(join(root, 'services')).sort());
  const callouts = compose.services['coupa-callouts']!;
  assert.ok(callouts.depends_on?.['coupa-gateway']);
  assert.match(callouts.command!.join(' '), /_sandbox\/callouts[\s\S]*coupa-gateway:8080\/webhooks\/coupa\//);
});
