import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareKeys, deadLetterProblem, failed, logDigest, type ScenarioResult } from './measure.js';

test('compareKeys counts records present, duplicate creates and lost records; other target records are ignored', () => {
  const c = compareKeys(['A', 'B', 'C', 'D'], ['A', 'B', 'B', 'B', 'X', 'D', 'Y']);
  assert.deepEqual(c, { inTarget: 5, duplicates: 2, lost: 1, lostKeys: ['C'] });
});

test('compareKeys of an empty target loses everything, of an empty source nothing', () => {
  assert.deepEqual(compareKeys(['A', 'B'], []), { inTarget: 0, duplicates: 0, lost: 2, lostKeys: ['A', 'B'] });
  assert.deepEqual(compareKeys([], ['A']), { inTarget: 0, duplicates: 0, lost: 0, lostKeys: [] });
});

const ok: ScenarioResult = { scenario: 's', sent: 3, inTarget: 3, duplicates: 0, lost: 0, deadLettered: 0, recoverMs: 10, trailGaps: 0, problems: [], seconds: 1 };

test('a row fails on lost, duplicates, trail gaps, other problems or an error; dead letters alone do not fail it', () => {
  assert.equal(failed(ok), false);
  assert.equal(failed({ ...ok, deadLettered: 2 }), false);
  assert.equal(failed({ ...ok, trailGaps: null }), false);
  assert.equal(failed({ ...ok, lost: 1 }), true);
  assert.equal(failed({ ...ok, duplicates: 1 }), true);
  assert.equal(failed({ ...ok, trailGaps: 1 }), true);
  assert.equal(failed({ ...ok, problems: ['stale'] }), true);
  assert.equal(failed({ ...ok, error: 'boom' }), true);
});

test('a dead letter fails a scenario of valid records and transient faults, naming its codes; one that expects dead letters does not fail on them', () => {
  assert.equal(deadLetterProblem(ok, false), undefined);
  assert.equal(
    deadLetterProblem({ deadLettered: 2, deadLetterCodes: { 'syspro-writer MLC_SCHEMA_INCOMPATIBLE': 1, 'infor-writer MLC_CONFIG_INVALID': 1 } }, false),
    '2 dead-lettered (1× infor-writer MLC_CONFIG_INVALID, 1× syspro-writer MLC_SCHEMA_INCOMPATIBLE): a transient fault must be retried, never dead-lettered',
  );
  assert.equal(deadLetterProblem({ deadLettered: 1 }, false), '1 dead-lettered: a transient fault must be retried, never dead-lettered');
  assert.equal(deadLetterProblem({ deadLettered: 3 }, true), undefined);
});

test('logDigest makes a crash loop a few counted lines, keeping the error that caused it', () => {
  const lines = ['{"level":50,"time":500,"msg":"registry unreachable","url":"http://r"}'];
  for (let i = 0; i < 20; i += 1) {
    lines.push(`[chaos] {"type":"started","pid":${1000 + i}}`);
    lines.push(`{"level":60,"time":${1000 + i * 3000},"pid":${1000 + i},"msg":"startup failed","err":{"type":"KafkaJSError","message":"broker 2 refused"}}`);
    lines.push(`[chaos] {"type":"exited","code":1,"signal":null,"ranMs":${1200 + i},"expected":false}`);
    if (i < 19) lines.push(`[chaos] {"type":"restarting","attempt":${i + 1},"delayMs":${Math.min(8000, 1000 * 2 ** i)}}`);
  }
  lines.push('[chaos] {"type":"gave-up","attempts":20}');
  assert.deepEqual(logDigest(lines.join('\n')), [
    '00:00:00.500 ERROR registry unreachable {"url":"http://r"}',
    '[chaos] {"type":"restarting","attempt":19,"delayMs":8000} (×19)',
    '[chaos] {"type":"started","pid":1019} (×20)',
    '00:00:58.000 FATAL startup failed {"err":{"type":"KafkaJSError","message":"broker 2 refused"}} (×20, first at 00:00:01.000)',
    '[chaos] {"type":"exited","code":1,"signal":null,"ranMs":1219,"expected":false} (×20)',
    '[chaos] {"type":"gave-up","attempts":20}',
  ]);
  // Lines differing in words stay apart; the last `max` distinct ones are kept.
  assert.deepEqual(logDigest(['[chaos] {"type":"started","pid":1}', '{"level":40,"time":0,"msg":"a"}', '{"level":40,"time":0,"msg":"b"}'].join('\n'), { max: 2 }), [
    '00:00:00.000 WARN a {}',
    '00:00:00.000 WARN b {}',
  ]);
});

test('logDigest keeps warnings, errors and supervisor lines, the last ones, cut to width', () => {
  const text = [
    '{"level":30,"time":0,"pid":1,"hostname":"h","msg":"started"}',
    '{"level":40,"time":1000,"pid":1,"hostname":"h","msg":"retrying","topic":"t"}',
    '[chaos] {"type":"exited","expected":false}',
    'not json at all',
    '{"level":50,"time":2000,"pid":1,"hostname":"h","msg":"' + 'x'.repeat(500) + '"}',
    '{"level":60,"time":3000,"msg":"gone"',
    '{"level":"info","time":"2026-11-29T23:52:44.000Z","service":"w","msg":"fine"}',
    '{"level":"error","time":"2026-11-29T23:52:44.109Z","service":"w","name":"w","msg":"kafkajs consumer crashed","restart":true,"err":{"type":"E","stack":"E\\n at x"},"stack":"s","logger":"kafkajs","timestamp":"t"}',
  ].join('\n');
  assert.deepEqual(logDigest(text, { width: 90 }), [
    '00:00:01.000 WARN retrying {"topic":"t"}',
    '[chaos] {"type":"exited","expected":false}',
    `00:00:02.000 ERROR ${'x'.repeat(70)}…`,
    '23:52:44.109 ERROR kafkajs consumer crashed {"restart":true,"err":{"type":"E"}}',
  ]);
  assert.deepEqual(logDigest(text, { max: 2, width: 1000 }), [`00:00:02.000 ERROR ${'x'.repeat(500)} {}`, '23:52:44.109 ERROR kafkajs consumer crashed {"restart":true,"err":{"type":"E"}}']);
});
