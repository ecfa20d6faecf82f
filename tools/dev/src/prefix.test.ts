import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noticeLine, prefixLine } from './prefix.js';

test('a JSON line stays intact after the padded prefix', () => {
  const json = '{"level":30,"time":1,"msg":"a | b","nested":{"x":[1,2]}}';
  const line = prefixLine('coupa-writer', json, { width: 14, ansi: false });
  assert.equal(line, `coupa-writer   | ${json}`);
  assert.deepEqual(JSON.parse(line.slice(line.indexOf('| ') + 2)), JSON.parse(json));
});

test('prefixes of different names line up', () => {
  const a = prefixLine('audit', 'x', { width: 13, ansi: false });
  const b = prefixLine('syspro-poller', 'x', { width: 13, ansi: false });
  assert.equal(a.indexOf('|'), b.indexOf('|'));
});

test('a CRLF line loses only its CR; empty lines keep their prefix', () => {
  assert.equal(prefixLine('s', 'text\r', { width: 1, ansi: false }), 's | text');
  assert.equal(prefixLine('s', '', { width: 1, ansi: false }), 's | ');
});

test('colour wraps only the label and differs per service', () => {
  const first = prefixLine('a', '{"k":1}', { width: 1, colour: 0, ansi: true });
  const second = prefixLine('a', '{"k":1}', { width: 1, colour: 1, ansi: true });
  assert.notEqual(first, second);
  assert.ok(first.endsWith('\u001b[0m {"k":1}'));
  // The palette wraps instead of running out.
  assert.equal(prefixLine('a', 'x', { width: 1, colour: 10, ansi: true }), prefixLine('a', 'x', { width: 1, colour: 0, ansi: true }));
});

test('notices are told apart from service output', () => {
  assert.equal(noticeLine('coupa-writer', 'crashed', { width: 12, ansi: false }), 'coupa-writer * crashed');
  assert.notEqual(noticeLine('x', 'y', { width: 1, ansi: true, alarm: true }), noticeLine('x', 'y', { width: 1, ansi: true }));
});
