import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InforMapping } from '@mlc/infor';
import { createTopicNamespace } from '@mlc/kafka';
import { CheckFailure } from './classify.js';
import { expectedTopics, formatChecks, m3ProgramsUsed, runChecks, type MlcConnection, type PlannedCheck } from './check.js';
import { formatAge, lagOf } from './status.js';

const planned = (check: string, run: () => Promise<string>): PlannedCheck => ({ connection: 'acme', system: 'coupa', check, run });

test('a group runs in order; after a blocking failure the rest are reported for the same reason without being tried', async () => {
  const tried: string[] = [];
  const lines = await runChecks(
    [
      [
        planned('token', async () => (tried.push('token'), Promise.reject(new CheckFailure('credentials', 'HTTP 401')))),
        planned('read suppliers', async () => (tried.push('read'), 'read 1 record')),
      ],
      [planned('scopes', () => Promise.reject(new CheckFailure('scope', 'not granted: core.supplier.write'))), planned('read invoices', async () => 'read 0 records')],
    ],
    { timeoutMs: 1000 },
  );
  assert.deepEqual(tried, ['token']);
  assert.deepEqual(
    lines.map((l) => [l.check, l.ok, l.reason]),
    [
      ['token', false, 'credentials'],
      ['read suppliers', false, 'credentials'],
      ['scopes', false, 'scope'],
      ['read invoices', true, undefined],
    ],
  );
  assert.match(lines[1]!.detail, /not tried: token failed/);
});

test('a check that does not answer fails as a timeout', async () => {
  const [line] = await runChecks([[planned('token', () => new Promise(() => undefined))]], { timeoutMs: 20 });
  assert.equal(line!.reason, 'timeout');
});

test('the report is one aligned line per check, failures with their reason', () => {
  const text = formatChecks({
    ok: false,
    checks: [
      { connection: 'acme', system: 'coupa', check: 'token', ok: true, detail: 'client x, 10 scopes granted' },
      { connection: null, system: 'postgres', check: 'migrations', ok: false, reason: 'missing', detail: 'not applied: writer/004_parking.sql' },
    ],
  });
  const lines = text.split('\n');
  const column = lines[0]!.indexOf('RESULT');
  assert.equal(lines[1]!.slice(column, column + 3), 'ok ');
  assert.equal(lines[2]!.slice(column, column + 4), 'FAIL');
  assert.match(lines[2]!, /missing: not applied: writer\/004_parking\.sql/);
  assert.match(text, /1 of 2 checks failed$/);
});

test('M3 programs used come from the mapping, each with its transactions once', () => {
  const programs = m3ProgramsUsed(InforMapping.parse(undefined));
  assert.deepEqual(programs.get('CRS620MI'), ['GetBasicData', 'AddSupplier', 'UpdSupplier']);
  assert.deepEqual([...programs.keys()].sort(), ['APS450MI', 'APS455MI', 'CRS620MI', 'EXT620MI', 'PPS200MI', 'PPS370MI']);
});

test('expected topics follow the sections configured, under the topic prefix', () => {
  const namespace = createTopicNamespace('t1.');
  const coupaOnly = [{ id: 'a', coupa: {} } as unknown as MlcConnection];
  const topics = expectedTopics(coupaOnly, namespace);
  assert.ok(topics.includes('t1.coupa-writer.dlq.v1'));
  assert.ok(topics.includes('t1.syspro.suppliers.v1'));
  assert.ok(!topics.some((t) => t.includes('syspro-writer') || t.includes('cursors')));
  const syspro = expectedTopics([{ id: 'b', syspro: { enet: {} } } as unknown as MlcConnection], namespace);
  assert.ok(syspro.includes('t1.syspro-writer.dlq.v1') && syspro.includes('t1.mlc.syspro-poller.cursors.v1'));
});

test('lag: end offset minus committed, everything retained when nothing is committed', () => {
  const ends = new Map([['t', [{ partition: 0, high: '10', low: '0' }, { partition: 1, high: '7', low: '2' }]]]);
  assert.deepEqual(lagOf([{ topic: 't', partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '-1' }] }], ends), [{ topic: 't', lag: 11 }]);
});

test('ages read as people say them', () => {
  assert.deepEqual([5, 95, 3700, 90_000].map(formatAge), ['5s', '1m35s', '1h01m', '1d01h']);
});
