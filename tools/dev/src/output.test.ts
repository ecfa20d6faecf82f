import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrettyServiceLine, jsonNotice, jsonServiceLine, outputMode } from './output.js';

const now = new Date('2026-11-29T10:00:00.000Z');

test('outputMode: pretty on a terminal, JSON otherwise; --output wins', () => {
  assert.equal(outputMode({ requested: 'auto', isTTY: true }), 'pretty');
  assert.equal(outputMode({ requested: 'auto', isTTY: false }), 'json');
  assert.equal(outputMode({ requested: 'json', isTTY: true }), 'json');
  assert.equal(outputMode({ requested: 'pretty', isTTY: false }), 'pretty');
});

test('JSON mode: service JSON lines pass unchanged, anything else is wrapped; every line parses', () => {
  const pino = '{"level":"info","time":"2026-11-29T10:00:00.000Z","service":"coupa-writer","msg":"ready"}';
  assert.equal(jsonServiceLine('coupa-writer', `${pino}\r`, 'stdout', now), pino);
  assert.deepEqual(JSON.parse(jsonServiceLine('coupa-writer', 'Error: boom', 'stderr', now)), {
    level: 'error',
    time: '2026-11-29T10:00:00.000Z',
    service: 'coupa-writer',
    stream: 'stderr',
    msg: 'Error: boom',
  });
  assert.equal(JSON.parse(jsonServiceLine('x', '[1,2]', 'stdout', now)).msg, '[1,2]', 'only objects count as log lines');
  assert.deepEqual(JSON.parse(jsonNotice('coupa-writer', 'crashed: exit code 1', { alarm: true, now, fields: { pid: 3 } })), {
    level: 'warn',
    time: '2026-11-29T10:00:00.000Z',
    service: 'dev',
    component: 'coupa-writer',
    msg: 'crashed: exit code 1',
    pid: 3,
  });
});

test('pretty mode: a pino line becomes one readable line behind the prefix; other lines stay as they are', () => {
  const pretty = createPrettyServiceLine();
  const options = { width: 13, colour: 0, ansi: false };
  const [line, ...more] = pretty('coupa-writer', '{"level":"warn","time":1764410400000,"service":"coupa-writer","name":"coupa-writer","connection":"sandbox","msg":"token refused"}', options);
  assert.equal(more.length, 0);
  assert.match(line!, /^coupa-writer {2}\| \[\d\d:\d\d:\d\d\.\d{3}\] WARN: token refused \{"connection":"sandbox"\}$/);
  assert.deepEqual(pretty('coupa-writer', 'plain text', options), ['coupa-writer  | plain text']);
});
