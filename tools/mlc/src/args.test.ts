import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlcError } from '@mlc/errors';
import { parseCommand, type Command } from './args.js';

const ctx = { now: new Date('2026-11-26T15:30:00Z'), user: 'thandi' };
const parse = (line: string): Command => parseCommand(line.split(' ').filter(Boolean), ctx);
const badInput = (line: string, context: { now: Date; user?: string | undefined } = ctx) =>
  assert.throws(() => parseCommand(line.split(' ').filter(Boolean), context), (e: unknown) => e instanceof MlcError && e.code === 'MLC_CONFIG_INVALID', line);

test('help without arguments or when asked', () => {
  assert.deepEqual(parse(''), { name: 'help' });
  assert.deepEqual(parse('--help'), { name: 'help' });
  assert.deepEqual(parse('dlq list -h'), { name: 'help' });
});

test('trail of a record or of a correlation id', () => {
  assert.deepEqual(parse('trail --connection acme --entity supplier --key S-1 --json'), {
    name: 'trail',
    subject: { connection: 'acme', entityType: 'supplier', key: 'S-1' },
    json: true,
  });
  assert.deepEqual(parse('trail --correlation-id c-1'), { name: 'trail', subject: { correlationId: 'c-1' }, json: false });
  badInput('trail --connection acme --entity supplier');
  badInput('trail --connection acme --entity vendor --key S-1');
  badInput('trail --correlation-id c-1 --key S-1');
  badInput('trail --conection acme');
});

test('replay rewind: group, time, topics; --wait-timeout only with --wait', () => {
  assert.deepEqual(parse('replay rewind --group coupa-writer --topic syspro.suppliers.v1 --to 2h --dry-run'), {
    name: 'rewind',
    group: 'coupa-writer',
    topics: ['syspro.suppliers.v1'],
    to: new Date('2026-11-26T13:30:00Z'),
    dryRun: true,
    wait: false,
    waitTimeoutMs: 600_000,
    actor: 'thandi',
    json: false,
  });
  const waiting = parse('replay rewind --group g --to tuesday --wait --wait-timeout 2m --actor ops');
  assert.equal(waiting.name === 'rewind' && waiting.waitTimeoutMs, 120_000);
  assert.equal(waiting.name === 'rewind' && waiting.actor, 'ops');
  badInput('replay rewind --group g');
  badInput('replay rewind --group g --to later');
  badInput('replay rewind --group g --to 2h --wait-timeout 2m');
  badInput('replay rewind --to 2h');
  badInput('replay rewind --group g --to 2h', { now: ctx.now, user: undefined });
  badInput('replay rewnd --group g --to 2h');
});

test('replay republish: the selection, checked', () => {
  assert.deepEqual(parse('replay republish --connection acme --entity supplier --key S-1 --key S-2 --source syspro --since 2026-11-24 --until 1h --force'), {
    name: 'republish',
    connection: 'acme',
    entityType: 'supplier',
    keys: ['S-1', 'S-2'],
    source: 'syspro',
    since: new Date('2026-11-24T00:00:00Z'),
    until: new Date('2026-11-26T14:30:00Z'),
    force: true,
    dryRun: false,
    actor: 'thandi',
    json: false,
  });
  badInput('replay republish --entity supplier');
  badInput('replay republish --connection acme --key S-1');
  badInput('replay republish --connection acme --source sap');
  badInput('replay republish --connection acme --since 1h --until 2h');
  badInput('replay republish --connection acme --since 2026-02-30');
});

test('dlq list, show, redrive, discard', () => {
  assert.deepEqual(parse('dlq list --writer coupa-writer --code MLC_MAPPING_FAILED --since 7d --status all --limit 5'), {
    name: 'dlq-list',
    filter: { writer: 'coupa-writer', code: 'MLC_MAPPING_FAILED', connection: undefined, since: new Date('2026-11-19T15:30:00Z') },
    status: undefined,
    limit: 5,
    json: false,
  });
  const list = parse('dlq list');
  assert.equal(list.name === 'dlq-list' && list.status, 'open');
  assert.deepEqual(parse('dlq show coupa-writer.dlq.v1:0:12 --json'), { name: 'dlq-show', id: { topic: 'coupa-writer.dlq.v1', partition: 0, offset: '12' }, json: true });
  const redrive = parse('dlq redrive coupa-writer.dlq.v1:0:12 coupa-writer.dlq.v1:1:3');
  assert.equal(redrive.name === 'dlq-redrive' && redrive.ids.length, 2);
  const filtered = parse('dlq redrive --filter --writer coupa-writer --dry-run');
  assert.equal(filtered.name === 'dlq-redrive' && filtered.filter?.writer, 'coupa-writer');
  assert.deepEqual(parse('dlq discard coupa-writer.dlq.v1:0:12 --reason duplicate'), {
    name: 'dlq-discard',
    ids: [{ topic: 'coupa-writer.dlq.v1', partition: 0, offset: '12' }],
    reason: 'duplicate',
    actor: 'thandi',
    json: false,
  });
  badInput('dlq list --status closed');
  badInput('dlq list --limit 0');
  badInput('dlq show');
  badInput('dlq show not-an-id');
  badInput('dlq redrive');
  badInput('dlq redrive a.dlq.v1:0:1 --filter');
  badInput('dlq redrive a.dlq.v1:0:1 --writer w');
  badInput('dlq discard a.dlq.v1:0:1');
  badInput('dlq discard --reason why');
  badInput('dlq purge');
});

test('unknown commands are bad input', () => {
  badInput('replay');
  badInput('tail --connection acme');
});

test('credentials: set and rotate take a name, the value never from argv; list; rewrap', () => {
  assert.deepEqual(parse('credentials set acme-coupa'), { name: 'credentials-put', mode: 'create', credential: 'acme-coupa', fromFile: undefined, actor: 'thandi', json: false });
  assert.deepEqual(parse('credentials rotate acme-coupa --from-file /run/new --actor ops --json'), {
    name: 'credentials-put',
    mode: 'replace',
    credential: 'acme-coupa',
    fromFile: '/run/new',
    actor: 'ops',
    json: true,
  });
  assert.deepEqual(parse('credentials list'), { name: 'credentials-list', json: false });
  assert.deepEqual(parse('credentials rewrap'), { name: 'credentials-rewrap', actor: 'thandi', json: false });
  badInput('credentials set acme-coupa hunter2');
  badInput('credentials set acme-coupa --value hunter2');
  badInput('credentials set');
  badInput('credentials delete acme-coupa');
});

test('check: optional connection and timeout (a duration, 10s by default)', () => {
  assert.deepEqual(parse('check'), { name: 'check', connection: undefined, timeoutMs: 10_000, json: false });
  assert.deepEqual(parse('check --connection acme --timeout 30s --json'), { name: 'check', connection: 'acme', timeoutMs: 30_000, json: true });
  badInput('check --timeout soon');
  badInput('check acme');
});

test('status: --watch with or without seconds; not with --json', () => {
  assert.deepEqual(parse('status'), { name: 'status', connection: undefined, watchSeconds: undefined, json: false });
  assert.deepEqual(parse('status --watch'), { name: 'status', connection: undefined, watchSeconds: 5, json: false });
  assert.deepEqual(parse('status --watch --connection acme'), { name: 'status', connection: 'acme', watchSeconds: 5, json: false });
  assert.deepEqual(parse('status --connection acme --watch 2'), { name: 'status', connection: 'acme', watchSeconds: 2, json: false });
  assert.deepEqual(parse('status --json'), { name: 'status', connection: undefined, watchSeconds: undefined, json: true });
  badInput('status --watch 0');
  badInput('status --watch --json');
});

test('reconcile: connection and a reconciled entity; --dry-run only with --repair', () => {
  assert.deepEqual(parse('reconcile --connection acme --entity supplier'), {
    name: 'reconcile',
    connection: 'acme',
    entityType: 'supplier',
    since: undefined,
    repair: false,
    dryRun: false,
    actor: 'thandi',
    json: false,
  });
  assert.deepEqual(parse('reconcile --connection acme --entity purchase-order --repair --dry-run --json --actor ops'), {
    name: 'reconcile',
    connection: 'acme',
    entityType: 'purchase-order',
    since: undefined,
    repair: true,
    dryRun: true,
    actor: 'ops',
    json: true,
  });
  badInput('reconcile --entity supplier');
  badInput('reconcile --connection acme');
  badInput('reconcile --connection acme --entity invoice');
  badInput('reconcile --connection acme --entity supplier --dry-run');
});

test('reconcile --since: a time in the past (ISO, duration ago, weekday); unparseable or future is refused', () => {
  const since = (arg: string) => (parse(`reconcile --connection acme --entity supplier --since ${arg}`) as Extract<Command, { name: 'reconcile' }>).since;
  assert.deepEqual(since('2h'), new Date('2026-11-26T13:30:00Z'));
  assert.deepEqual(since('2026-11-24T08:00+02:00'), new Date('2026-11-24T06:00:00Z'));
  assert.deepEqual(since('2026-11-26T15:30Z'), ctx.now, 'now itself is not the future');
  badInput('reconcile --connection acme --entity supplier --since yesterday-ish');
  badInput('reconcile --connection acme --entity supplier --since 2026-02-30');
  badInput('reconcile --connection acme --entity supplier --since 2026-11-26T15:31Z');
  badInput('reconcile --connection acme --entity supplier --since 2027-01-01');
  assert.throws(
    () => parse('reconcile --connection acme --entity supplier --since 2027-01-01'),
    (e: unknown) => e instanceof MlcError && /--since 2027-01-01T00:00:00.000Z is in the future/.test(e.message) && e.context.option === 'since',
  );
});
