import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlcError } from '@mlc/errors';
import { buildEvent, mapped, unmappable, type MapResult, type SupplierData } from '@mlc/events';
import type { TargetRecord, TargetRecordStore, TargetRef } from './target-records.js';
import { createWritePath, unwrapMapped, type UpsertSteps } from './write-path.js';

// The Postgres store is covered by target-records.int.test.ts; the orchestration needs only get/remember.
function memoryRecords(): TargetRecordStore & { rows: Map<string, TargetRecord> } {
  const rows = new Map<string, TargetRecord>();
  const key = (ref: TargetRef) => JSON.stringify(ref);
  return {
    rows,
    get: async (ref) => rows.get(key(ref)),
    remember: async (ref, w) => {
      rows.set(key(ref), { targetId: w.targetId, contentHash: w.contentHash, sourceTime: new Date(w.sourceTime), eventId: w.eventId, writtenAt: new Date() });
    },
  };
}

/** A target keyed by number with ids it assigns itself, recording every call. */
function fakeTarget() {
  let nextId = 7;
  const byNumber = new Map<string, { id: number; name: string }>();
  const calls: string[] = [];
  const steps = {
    find: async (body: { number: string; name: string }) => (calls.push('find'), byNumber.get(body.number)),
    create: async (body: { number: string; name: string }) => {
      calls.push('create');
      const row = { id: nextId++, name: body.name };
      byNumber.set(body.number, row);
      return row;
    },
    update: async (id: string, body: { number: string; name: string }) => {
      calls.push(`update ${id}`);
      const row = [...byNumber.values()].find((r) => r.id === Number(id));
      if (!row) throw new MlcError('MLC_HTTP_CLIENT_ERROR', 'not found', { context: { status: 404 } });
      row.name = body.name;
      return row;
    },
  };
  return { byNumber, calls, steps };
}

const supplier = (name: string, occurredAt: string) =>
  buildEvent({ source: 'syspro', connection: 'acme', entity: 'supplier', key: 'S1', data: { number: 'S1', name, status: 'active' } satisfies SupplierData, occurredAt, observedAt: occurredAt, correlationId: 'c' });

function setup() {
  const records = memoryRecords();
  const target = fakeTarget();
  const path = createWritePath({ system: 'vendor', records });
  const upsert = (event: ReturnType<typeof supplier>, extra: Partial<UpsertSteps<{ number: string; name: string }>> = {}) =>
    path.upsert({ event, body: () => mapped({ number: event.data.number, name: event.data.name }), ...target.steps, ...extra });
  return { records, target, path, upsert };
}

test('created once, remembered; the same event again is unchanged without calling the target', async () => {
  const { target, upsert } = setup();
  assert.deepEqual(await upsert(supplier('Acme', '2026-01-01T00:00:00Z')), { status: 'created', target: { system: 'vendor', id: '7' } });
  assert.deepEqual(await upsert(supplier('Acme', '2026-01-01T00:00:00Z')), { status: 'unchanged', target: { system: 'vendor', id: '7' } });
  assert.deepEqual(target.calls, ['find', 'create']);
});

test('a change updates the remembered id directly; an older snapshot is skipped', async () => {
  const { target, upsert } = setup();
  await upsert(supplier('Acme', '2026-01-01T00:00:00Z'));
  assert.equal((await upsert(supplier('Acme 2', '2026-01-02T00:00:00Z'))).status, 'updated');
  assert.equal((await upsert(supplier('Acme 0', '2025-12-31T00:00:00Z'))).status, 'skipped');
  assert.deepEqual(target.calls, ['find', 'create', 'update 7']);
  assert.equal(target.byNumber.get('S1')?.name, 'Acme 2');
});

test('a record deleted in the target (404 on update) is found or created again', async () => {
  const { target, upsert } = setup();
  await upsert(supplier('Acme', '2026-01-01T00:00:00Z'));
  target.byNumber.clear();
  assert.deepEqual(await upsert(supplier('Acme 2', '2026-01-02T00:00:00Z')), { status: 'created', target: { system: 'vendor', id: '8' } });
  assert.deepEqual(target.calls, ['find', 'create', 'update 7', 'find', 'create']);
});

test('a record already in the target is found by natural key and updated, not duplicated', async () => {
  const { target, upsert } = setup();
  target.byNumber.set('S1', { id: 3, name: 'by hand' });
  assert.deepEqual(await upsert(supplier('Acme', '2026-01-01T00:00:00Z')), { status: 'updated', target: { system: 'vendor', id: '3' } });
});

test('with updateRememberedId false, the target is asked by natural key every time', async () => {
  const { target, upsert } = setup();
  await upsert(supplier('Acme', '2026-01-01T00:00:00Z'), { updateRememberedId: false });
  await upsert(supplier('Acme 2', '2026-01-02T00:00:00Z'), { updateRememberedId: false });
  assert.deepEqual(target.calls, ['find', 'create', 'find', 'update 7']);
});

test('an error other than 404 on update is thrown, and nothing is remembered', async () => {
  const { records, upsert } = setup();
  await upsert(supplier('Acme', '2026-01-01T00:00:00Z'));
  const before = [...records.rows.values()][0];
  const timeout = new MlcError('MLC_HTTP_TIMEOUT', 'timed out');
  await assert.rejects(upsert(supplier('Acme 2', '2026-01-02T00:00:00Z'), { update: async () => { throw timeout; } }), (e) => e === timeout);
  assert.deepEqual([...records.rows.values()][0], before);
});

test('mapping fails before dependencies and writes, naming the event; dependencies run before any write', async () => {
  const { target, upsert } = setup();
  const event = supplier('Acme', '2026-01-01T00:00:00Z');
  let checked = false;
  await assert.rejects(
    upsert(event, { body: () => unmappable('no', { field: 'name' }), dependencies: async () => void (checked = true) }),
    (e: MlcError) => e.code === 'MLC_MAPPING_FAILED' && e.context.eventId === event.id && e.context.key === 'S1' && e.context.field === 'name',
  );
  assert.equal(checked, false);
  const missing = new MlcError('MLC_DEPENDENCY_MISSING', 'not yet');
  await assert.rejects(upsert(event, { dependencies: async () => { throw missing; } }), (e) => e === missing);
  assert.deepEqual(target.calls, []);
});

test('decide answers unchanged/skipped from what was remembered; result names the system', async () => {
  const { path } = setup();
  const event = supplier('Acme', '2026-01-01T00:00:00Z');
  const ref = { connection: 'acme', targetSystem: 'vendor', entityType: 'supplier', naturalKey: 'S1' };
  assert.deepEqual(await path.decide(event, ref), { write: true, previous: undefined });
  await path.remember(ref, event, 'X1');
  assert.deepEqual(await path.decide(event, ref), { write: false, result: { status: 'unchanged', target: { system: 'vendor', id: 'X1' } } });
  assert.deepEqual(path.result('skipped'), { status: 'skipped', target: { system: 'vendor' } });
});

test('a forced replay of the content last written updates the record in place; unforced it stays unchanged', async () => {
  const { target, upsert } = setup();
  const event = supplier('Acme', '2026-01-01T00:00:00Z');
  await upsert(event);
  assert.deepEqual(await upsert(event, { replay: { force: false } }), { status: 'unchanged', target: { system: 'vendor', id: '7' } });
  assert.deepEqual(await upsert(event, { replay: { force: true } }), { status: 'updated', target: { system: 'vendor', id: '7' } });
  assert.deepEqual(target.calls, ['find', 'create', 'update 7']);
});

test('a forced replay never creates a second record: without a remembered id it finds by natural key', async () => {
  const { records, target, upsert } = setup();
  const event = supplier('Acme', '2026-01-01T00:00:00Z');
  await upsert(event, { updateRememberedId: false });
  assert.deepEqual(await upsert(event, { updateRememberedId: false, replay: { force: true } }), { status: 'updated', target: { system: 'vendor', id: '7' } });
  // Deleted in the target since: the forced write falls through to find-or-create, once.
  target.byNumber.clear();
  assert.equal((await upsert(event, { replay: { force: true } })).status, 'created');
  assert.deepEqual(target.calls, ['find', 'create', 'find', 'update 7', 'update 7', 'find', 'create']);
  assert.equal([...records.rows.values()][0]?.targetId, '8');
});

test('a forced replay of an older snapshot with other content is still skipped', async () => {
  const { target, upsert } = setup();
  await upsert(supplier('Acme 2', '2026-01-02T00:00:00Z'));
  assert.equal((await upsert(supplier('Acme 1', '2026-01-01T00:00:00Z'), { replay: { force: true } })).status, 'skipped');
  assert.deepEqual(target.calls, ['find', 'create']);
  assert.equal(target.byNumber.get('S1')?.name, 'Acme 2');
});

test('decide with force answers write for the content last written', async () => {
  const { path } = setup();
  const event = supplier('Acme', '2026-01-01T00:00:00Z');
  const ref = { connection: 'acme', targetSystem: 'vendor', entityType: 'supplier', naturalKey: 'S1' };
  await path.remember(ref, event, 'X1');
  const decided = await path.decide(event, ref, { force: true });
  assert.equal(decided.write, true);
  assert.equal(decided.write && decided.previous?.targetId, 'X1');
});

test('unwrapMapped returns the value or throws the mapping error with event id and key', () => {
  const event = supplier('Acme', '2026-01-01T00:00:00Z');
  assert.equal(unwrapMapped(mapped(5), event), 5);
  const failed: MapResult<number> = unmappable('too long', { field: 'SUNO' });
  assert.throws(() => unwrapMapped(failed, event), (e: MlcError) => e.code === 'MLC_MAPPING_FAILED' && !e.retriable && e.context.eventId === event.id && e.context.field === 'SUNO');
});

test('a target record the caller already read is used as is: no second read, same decisions', async () => {
  const { records, target, upsert } = setup();
  let reads = 0;
  const get = records.get;
  records.get = async (ref) => ((reads += 1), get(ref));
  const stored = () => records.rows.values().next().value;
  const first = supplier('Acme', '2026-01-01T00:00:00Z');
  assert.deepEqual(await upsert(first, { previous: { record: undefined } }), { status: 'created', target: { system: 'vendor', id: '7' } });
  assert.deepEqual(await upsert(first, { previous: { record: stored() } }), { status: 'unchanged', target: { system: 'vendor', id: '7' } });
  const renamed = supplier('Acme Two', '2026-01-02T00:00:00Z');
  assert.deepEqual(await upsert(renamed, { previous: { record: stored() } }), { status: 'updated', target: { system: 'vendor', id: '7' } });
  assert.equal(reads, 0);
  assert.deepEqual(target.calls, ['find', 'create', 'update 7']);
});
