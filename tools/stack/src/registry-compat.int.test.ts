// Proves that @kafkajs/confluent-schema-registry works against the registry the local stack runs
// (Apicurio through its Confluent-compatible API): JSON Schema registration, the Confluent wire
// format round trip, and BACKWARD compatibility enforcement (see ../README.md, "Schema registry").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { testInfra, uniqueName } from '@mlc/testing';

const infra = testInfra();
const registry = new SchemaRegistry({ host: infra.schemaRegistryUrl });

const supplierV1 = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { number: { type: 'string' }, name: { type: 'string' } },
  required: ['number', 'name'],
  additionalProperties: false,
};

function register(subject: string, schema: object): Promise<{ id: number }> {
  return registry.register({ type: SchemaType.JSON, schema: JSON.stringify(schema) }, { subject });
}

async function deleteSubject(subject: string): Promise<void> {
  // Soft delete: the library has no call for it, and leftover subjects would pile up otherwise.
  await fetch(`${infra.schemaRegistryUrl}/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE' });
}

test('register, encode and decode a JSON schema in the Confluent wire format', async (t) => {
  const subject = uniqueName('compat-supplier-value');
  t.after(() => deleteSubject(subject));

  const { id } = await register(subject, supplierV1);
  assert.equal(await registry.getLatestSchemaId(subject), id);

  const payload = { number: 'S-1', name: 'Acme' };
  const encoded = await registry.encode(id, payload);
  assert.equal(encoded.readUInt8(0), 0, 'magic byte');
  assert.equal(encoded.readInt32BE(1), id, 'schema id');
  assert.deepEqual(await registry.decode(encoded), payload);

  // Registering the same schema again must return the same id, not a new version.
  assert.equal((await register(subject, supplierV1)).id, id);
});

test('a BACKWARD-compatible change is accepted and an incompatible one rejected', async (t) => {
  const subject = uniqueName('compat-supplier-value');
  t.after(() => deleteSubject(subject));
  const { id: v1 } = await register(subject, supplierV1);

  const withOptionalField = {
    ...supplierV1,
    properties: { ...supplierV1.properties, email: { type: 'string' } },
  };
  const { id: v2 } = await register(subject, withOptionalField);
  assert.notEqual(v2, v1);

  // A new required field cannot read data written with the old schema.
  const withRequiredField = {
    ...withOptionalField,
    properties: { ...withOptionalField.properties, taxId: { type: 'string' } },
    required: [...supplierV1.required, 'taxId'],
  };
  await assert.rejects(register(subject, withRequiredField), (error: unknown) => {
    assert.equal((error as { status?: unknown }).status, 409);
    return true;
  });
  assert.equal(await registry.getLatestSchemaId(subject), v2);
});
