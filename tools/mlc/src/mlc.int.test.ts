import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { queryTrail } from '@mlc/audit';
import { migrate } from '@mlc/db';
import { MlcError } from '@mlc/errors';
import { DLQ_HEADERS, REPLAY_HEADERS, buildDlqHeaders, headerString } from '@mlc/kafka';
import { MIGRATIONS_DIR as POLLER_MIGRATIONS, listResyncRequests } from '@mlc/syspro-poller';
import { uniqueName, waitFor } from '@mlc/testing';
import { discard, listEntries, redrive, showEntry } from './dlq.js';
import { republish } from './republish.js';
import { resync } from './resync.js';
import { rewindGroup } from './rewind.js';
import { mlcHarness, supplier } from './test-support.js';

// mlc against the real stack: the audit service (a child process) fills the log from the test's
// own topics; the operations run as the CLI runs them, and bad input through the CLI itself.

const isCode = (code: string) => (e: unknown) => e instanceof MlcError && e.code === code;

test('republish: a selection reaches its topic again with the replay headers and nothing else; --dry-run publishes nothing', async (t) => {
  const h = await mlcHarness(t);
  const suppliersTopic = h.topic('syspro.suppliers.v1');
  const events = ['S-1', 'S-2', 'S-3'].map((key) => supplier(h.connection, key));
  await h.producer.publish(suppliersTopic, events);
  h.startAudit();
  await waitFor(async () => (await h.count('audit_events')) === 3, { message: 'three events in the log', timeoutMs: 60_000 });
  const originals = await h.read(suppliersTopic, 3);

  const selection = { connection: h.connection, entityType: 'supplier' as const, keys: ['S-1', 'S-2'], source: undefined, since: undefined, until: undefined, actor: 'tester' };
  const dry = await republish(h.deps, { ...selection, force: true, dryRun: true });
  assert.equal(dry.selected, 2);
  assert.equal(dry.published, 0);
  assert.equal(await h.size(suppliersTopic), 3);
  assert.equal(await h.count('audit_operator_actions'), 0);

  const result = await republish(h.deps, { ...selection, force: true, dryRun: false });
  assert.equal(result.published, 2);
  assert.equal(await h.size(suppliersTopic), 5);
  const all = await h.read(suppliersTopic, 5);
  const replayed = all.filter((m) => headerString(m.headers, REPLAY_HEADERS.replayId) !== undefined);
  assert.equal(replayed.length, 2);
  for (const message of replayed) {
    assert.equal(headerString(message.headers, REPLAY_HEADERS.replayId), result.actionId);
    assert.equal(headerString(message.headers, REPLAY_HEADERS.force), 'true');
    const original = originals.find((o) => headerString(o.headers, 'mlc-event-id') === headerString(message.headers, 'mlc-event-id'))!;
    assert.equal(message.key?.toString(), original.key?.toString(), 'the original record key');
    assert.deepEqual(await h.codec.decode(suppliersTopic, message.value), await h.codec.decode(suppliersTopic, original.value));
  }
  assert.deepEqual(replayed.map((m) => headerString(m.headers, 'mlc-event-id')).sort(), [events[0]!.id, events[1]!.id].sort());

  const { rows } = await h.pool.query<{ kind: string; record_count: number; details: { published: number } }>('select kind, record_count, details from audit_operator_actions');
  assert.deepEqual(rows.map((r) => [r.kind, r.record_count, r.details.published]), [['republish', 2, 2]]);
  const trail = await queryTrail(h.pool, { subject: { connection: h.connection, entityType: 'supplier', key: 'S-1' }, limit: 100 });
  assert.ok(trail.items.some((i) => i.kind === 'action' && i.action === 'republish' && String(i.actionId) === result.actionId));
  await waitFor(
    async () => (await queryTrail(h.pool, { subject: { connection: h.connection, entityType: 'supplier', key: 'S-1' }, limit: 100 })).items.some((i) => i.kind === 'event' && i.replayId === result.actionId),
    { message: 'the replayed event in the trail', timeoutMs: 60_000 },
  );
});

test('rewind: refused while the group has members, moves an empty group, unknown group changes nothing', async (t) => {
  const h = await mlcHarness(t);
  const suppliersTopic = h.topic('syspro.suppliers.v1');
  await h.producer.publish(suppliersTopic, ['S-1', 'S-2', 'S-3', 'S-4'].map((key) => supplier(h.connection, key)));
  const before = new Date(Date.now() - 60_000);
  const group = 'coupa-writer';
  const consumer = h.kafka.consumer({ groupId: `${h.prefix}${group}` });
  await consumer.connect();
  await consumer.subscribe({ topic: suppliersTopic, fromBeginning: true });
  let seen = 0;
  await consumer.run({ eachMessage: async () => void (seen += 1) });
  await waitFor(() => seen === 4, { message: 'the group consumed everything' });
  const committed = async () => {
    const [offsets] = await h.admin.fetchOffsets({ groupId: `${h.prefix}${group}`, topics: [suppliersTopic] });
    return offsets!.partitions.map((p) => p.offset).sort();
  };
  await waitFor(async () => (await committed()).reduce((sum, o) => sum + Math.max(0, Number(o)), 0) === 4, { message: 'offsets committed' });
  const end = await committed();

  const cmd = { group, topics: [], to: before, dryRun: false, wait: false, waitTimeoutMs: 1_000, actor: 'tester' };
  await assert.rejects(rewindGroup(h.deps, cmd), isCode('MLC_GROUP_ACTIVE'));
  assert.deepEqual(await committed(), end);

  await consumer.disconnect();
  const dry = await rewindGroup(h.deps, { ...cmd, dryRun: true });
  assert.deepEqual(dry.moves.map((m) => m.target), ['0', '0']);
  assert.deepEqual(await committed(), end);

  const done = await rewindGroup(h.deps, cmd);
  assert.ok(done.actionId);
  assert.deepEqual(await committed(), ['0', '0']);
  assert.equal(await h.count('audit_operator_actions', `kind = 'rewind'`), 1);

  await assert.rejects(rewindGroup(h.deps, { ...cmd, group: uniqueName('no-such-group') }), isCode('MLC_CONFIG_INVALID'));
  await assert.rejects(rewindGroup(h.deps, { ...cmd, topics: ['syspro.nothing.v1'] }), isCode('MLC_CONFIG_INVALID'));
  assert.equal(await h.count('audit_operator_actions'), 1);
});

test('DLQ: list, show, redrive (original bytes and headers to the source topic, once), discard with a reason; the trail shows both', async (t) => {
  const h = await mlcHarness(t);
  const suppliersTopic = h.topic('syspro.suppliers.v1');
  const dlqTopic = h.topic('coupa-writer.dlq.v1');
  const events = [supplier(h.connection, 'S-7'), supplier(h.connection, 'S-8')];
  const dead = await Promise.all(
    events.map(async (event, i) => {
      const originalHeaders = { 'mlc-event-id': event.id, 'mlc-correlation-id': event.correlationId, 'mlc-event-type': event.type };
      const value = await h.codec.encode(suppliersTopic, event);
      return {
        key: `${h.connection}:supplier:${event.entity.key}`,
        value,
        headers: buildDlqHeaders({
          error: new MlcError('MLC_MAPPING_FAILED', `no mapping for supplier ${i}`),
          group: `${h.prefix}coupa-writer`,
          topic: suppliersTopic,
          partition: 0,
          offset: String(i),
          attempts: 1,
          at: new Date(),
          originalHeaders,
        }),
      };
    }),
  );
  await h.raw.send({ topic: dlqTopic, messages: dead, acks: -1 });
  h.startAudit();
  await waitFor(async () => (await h.count('audit_dlq')) === 2, { message: 'two DLQ entries in the log', timeoutMs: 60_000 });

  const listed = await listEntries(h.deps, { filter: { writer: 'coupa-writer', connection: h.connection }, status: 'open', limit: 10 });
  assert.deepEqual(listed.map((e) => e.id), ['coupa-writer.dlq.v1:0:0', 'coupa-writer.dlq.v1:0:1']);
  assert.deepEqual(listed.map((e) => e.errorCode), ['MLC_MAPPING_FAILED', 'MLC_MAPPING_FAILED']);
  const [first, second] = listed.map((e) => ({ topic: 'coupa-writer.dlq.v1', partition: 0, offset: e.id.split(':')[2]! }));

  const shown = await showEntry(h.deps, first!);
  assert.equal(shown.original.decodedAs, 'registry');
  assert.equal((shown.original.value as { id: string }).id, events[0]!.id);
  assert.equal(shown.original.headers['mlc-event-id'], events[0]!.id);
  assert.equal(shown.attempts, 1);
  await assert.rejects(showEntry(h.deps, { ...first!, offset: '99' }), isCode('MLC_CONFIG_INVALID'));

  const before = await h.size(suppliersTopic);
  const redriven = await redrive(h.deps, { ids: [first!], filter: undefined, dryRun: false, actor: 'tester' });
  assert.equal(await h.size(suppliersTopic), before + 1);
  const [message] = await h.read(suppliersTopic, 1);
  assert.deepEqual(message!.value, dead[0]!.value, 'the original bytes');
  assert.equal(message!.key?.toString(), dead[0]!.key);
  assert.equal(headerString(message!.headers, 'mlc-event-id'), events[0]!.id);
  assert.equal(headerString(message!.headers, REPLAY_HEADERS.replayId), redriven.actionId);
  assert.equal(headerString(message!.headers, DLQ_HEADERS.code), undefined, 'no DLQ reason headers on the redriven record');
  await assert.rejects(redrive(h.deps, { ids: [first!], filter: undefined, dryRun: false, actor: 'tester' }), isCode('MLC_CONFIG_INVALID'));
  assert.equal(await h.size(suppliersTopic), before + 1, 'a second redrive sends nothing');

  const discarded = await discard(h.deps, { ids: [second!], reason: 'duplicate of S-7', actor: 'tester' });
  assert.deepEqual(discarded.ids, ['coupa-writer.dlq.v1:0:1']);
  await assert.rejects(discard(h.deps, { ids: [second!], reason: 'again', actor: 'tester' }), isCode('MLC_CONFIG_INVALID'));
  const statuses = await listEntries(h.deps, { filter: {}, status: undefined, limit: 10 });
  assert.deepEqual(statuses.map((e) => e.status), ['redriven', 'discarded']);
  assert.equal((await listEntries(h.deps, { filter: {}, status: 'open', limit: 10 })).length, 0);

  const trail = await queryTrail(h.pool, { subject: { connection: h.connection, entityType: 'supplier', key: 'S-8' }, limit: 100 });
  assert.deepEqual(trail.items.map((i) => [i.kind, i.kind === 'dlq' ? i.status : i.action]), [['dlq', 'discarded'], ['action', 'discard']]);
  assert.equal(trail.items[1]!.reason, 'duplicate of S-7');
  const redrivenTrail = await queryTrail(h.pool, { subject: { connection: h.connection, entityType: 'supplier', key: 'S-7' }, limit: 100 });
  assert.ok(redrivenTrail.items.some((i) => i.kind === 'action' && i.action === 'redrive'));
});

test('the CLI: bad input exits 2 and changes nothing; --json output for scripts', async (t) => {
  const h = await mlcHarness(t);
  const suppliersTopic = h.topic('syspro.suppliers.v1');
  await h.producer.publish(suppliersTopic, [supplier(h.connection, 'S-1')]);
  for (const args of [
    ['replay', 'rewind', '--group', uniqueName('nobody'), '--to', '1h'],
    ['replay', 'republish', '--connection', uniqueName('unknown')],
    ['replay', 'republish', '--connection', h.connection, '--since', 'last tuesday'],
    ['trail', '--connection', uniqueName('unknown'), '--entity', 'supplier', '--key', 'S-1'],
    ['dlq', 'discard', 'coupa-writer.dlq.v1:0:0'],
    ['dlq', 'show', 'coupa-writer.dlq.v1:0:0'],
    ['frobnicate'],
  ]) {
    const { code, stderr } = await h.cli(args);
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
  }
  assert.equal(await h.size(suppliersTopic), 1);
  assert.equal(await h.count('audit_operator_actions'), 0);

  const { code, stdout } = await h.cli(['dlq', 'list', '--json']);
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(stdout), { entries: [] });
});

test('resync: recorded as an operator action and handed to the poller as a request; an unknown connection changes nothing', async (t) => {
  const h = await mlcHarness(t);
  await migrate(h.deps.pollerDb() as pg.Pool, { component: 'syspro-poller', dir: POLLER_MIGRATIONS });
  // Before the harness closes its pools (after-hooks run in the order they were added).
  const cleanUp = () => h.deps.pollerDb().query('delete from syspro_poller_resync_requests where connection = $1', [h.connection]);
  await h.producer.publish(h.topic('syspro.suppliers.v1'), [supplier(h.connection, 'S-1')]);
  h.startAudit();
  await waitFor(async () => (await h.count('audit_events')) === 1, { message: 'the event in the log', timeoutMs: 60_000 });

  await assert.rejects(resync(h.deps, { connection: `${h.connection}-unknown`, entityType: 'supplier', since: undefined, actor: 'tester' }), isCode('MLC_CONFIG_INVALID'));
  await assert.rejects(resync(h.deps, { connection: h.connection, entityType: 'supplier', since: new Date(Date.now() + 3_600_000), actor: 'tester' }), isCode('MLC_CONFIG_INVALID'));
  assert.equal(await h.count('audit_operator_actions'), 0, 'bad input recorded nothing');

  const since = new Date('2026-11-01T00:00:00Z');
  const result = await resync(h.deps, { connection: h.connection, entityType: 'supplier', since, actor: 'tester' });
  const statuses = await listResyncRequests(h.deps.pollerDb(), { connection: h.connection });
  await cleanUp();
  assert.deepEqual(
    statuses.map((s) => [s.id, s.entity, s.since?.toISOString(), s.requestedBy, s.applied.length]),
    [[result.requestId, 'supplier', since.toISOString(), 'tester', 0]],
  );
  const { rows } = await h.pool.query<{ id: string; kind: string; actor: string }>('select id::text, kind, actor from audit_operator_actions');
  assert.deepEqual(rows, [{ id: result.actionId, kind: 'resync', actor: 'tester' }]);
});
