import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Outcome } from '@mlc/events';
import { MlcError } from '@mlc/errors';
import { buildOutcome, encodeOutcomeWithin, identityFromDecodeError, identityOf, shrinkOutcome } from './outcome.js';
import { supplierEvent } from './test-support.js';

const source = { topic: 'syspro.suppliers.v1', partition: 0, offset: '7' };
const at = new Date('2025-01-01T00:00:00.000Z');

test('an outcome built from a handled event matches the Outcome schema', () => {
  const event = supplierEvent('S-1');
  const outcome = buildOutcome({ identity: identityOf(event), writer: 'coupa-writer', status: 'created', target: { system: 'coupa', id: '55' }, attempts: 2, source, at });
  assert.deepEqual(Outcome.parse(outcome), outcome);
  assert.equal(outcome.eventId, event.id);
  assert.deepEqual(outcome.target, { system: 'coupa', id: '55' });
});

test('a dead-lettered outcome carries the error code', () => {
  const error = new MlcError('MLC_MAPPING_FAILED', 'no mapping');
  const outcome = buildOutcome({ identity: identityOf(supplierEvent('S-2')), writer: 'w', status: 'dead-lettered', attempts: 1, error, source, at });
  assert.equal(Outcome.parse(outcome).error?.code, 'MLC_MAPPING_FAILED');
});

test('an outcome of a replayed record names the replay; an ordinary one has none', () => {
  const identity = identityOf(supplierEvent('S-4'));
  const replayed = buildOutcome({ identity, writer: 'w', status: 'updated', attempts: 1, source, replay: { id: 'act-9', force: true }, at });
  assert.deepEqual(Outcome.parse(replayed).replay, { id: 'act-9', force: true });
  const ordinary = buildOutcome({ identity, writer: 'w', status: 'unchanged', attempts: 1, source, at });
  assert.equal('replay' in ordinary, false);
});

test('a schema mismatch naming the event gives an identity, connection from the record key', () => {
  const error = new MlcError('MLC_EVENT_INVALID', 'bad', { context: { eventId: 'e-1', entityType: 'supplier', key: 'S:3' } });
  const identity = identityFromDecodeError(error, Buffer.from('acme:prod:supplier:S:3'), { 'mlc-correlation-id': Buffer.from('c-1') });
  assert.deepEqual(identity, {
    eventId: 'e-1',
    eventType: 'supplier.changed',
    connection: 'acme:prod',
    entity: { type: 'supplier', key: 'S:3' },
    correlationId: 'c-1',
  });
});

test('undecodable bytes or an unknown entity type give no identity', () => {
  assert.equal(identityFromDecodeError(new MlcError('MLC_DECODE_FAILED', 'magic'), null, undefined), undefined);
  const unknownType = new MlcError('MLC_EVENT_INVALID', 'bad', { context: { eventId: 'e-1', entityType: 'spaceship', key: 'k' } });
  assert.equal(identityFromDecodeError(unknownType, null, undefined), undefined);
});

test('an outcome carries at most 1000 characters of the error message, however long the error', () => {
  const error = new MlcError('MLC_VENDOR_REJECTED', `rejected: ${'x'.repeat(100_000)}`);
  const event = supplierEvent('S1');
  const outcome = buildOutcome({ identity: identityOf(event), writer: 'w', status: 'dead-lettered', attempts: 1, error, source: { topic: 't', partition: 0, offset: '1' }, at: new Date() });
  assert.ok(outcome.error !== undefined && outcome.error.message.length <= 1000);
  assert.ok(outcome.error.message.startsWith('rejected: x'));
});

test('an outcome whose reason is a runaway text is capped like an error message', () => {
  const outcome = buildOutcome({ identity: identityOf(supplierEvent('S-1')), writer: 'w', status: 'skipped', reason: 'r'.repeat(5_000), attempts: 1, source, at });
  assert.equal(outcome.reason?.length, 1000);
});

test('an outcome over the record limit is encoded with its texts cut; one that still does not fit is MLC_PAYLOAD_TOO_LARGE, not retriable', async () => {
  const error = new MlcError('MLC_VENDOR_REJECTED', 'e'.repeat(900));
  const outcome = buildOutcome({ identity: identityOf(supplierEvent('S-1')), writer: 'w', status: 'dead-lettered', error, reason: 'r'.repeat(900), attempts: 1, source, at });
  const encode = async (o: Outcome) => Buffer.from(JSON.stringify(o));
  const roomy = await encodeOutcomeWithin(outcome, encode, 1_000_000);
  assert.deepEqual(JSON.parse(roomy.toString()), outcome);
  const tight = await encodeOutcomeWithin(outcome, encode, 3_500);
  const shrunk = JSON.parse(tight.toString()) as Outcome;
  assert.deepEqual(shrunk, shrinkOutcome(outcome));
  assert.equal(shrunk.error?.message.length, 200);
  assert.equal(shrunk.reason?.length, 200);
  assert.equal(shrunk.eventId, outcome.eventId);
  await assert.rejects(encodeOutcomeWithin(outcome, encode, 2_100), (e: unknown) => {
    assert.equal((e as MlcError).code, 'MLC_PAYLOAD_TOO_LARGE');
    assert.equal((e as MlcError).retriable, false);
    assert.equal((e as MlcError).context.offset, '7');
    return true;
  });
});
