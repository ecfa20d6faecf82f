import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from './index.js';
import { lazyChild } from './lazy-child.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { destination, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** The parent, counting the children made of it. */
function counted(logger: Logger): { logger: Logger; made: () => number } {
  let made = 0;
  const child = logger.child;
  // Children inherit this method: they count too, and `this` makes grandchildren of them.
  logger.child = function countingChild(this: Logger, bindings, options) {
    made += 1;
    return child.call(this, bindings, options);
  } as Logger['child'];
  return { logger, made: () => made };
}

test('a lazy child logs with its bindings, and makes the child only when a line is written', () => {
  const out = capture();
  const { logger, made } = counted(createLogger({ name: 't', level: 'warn', destination: out.destination }));
  const log = lazyChild(logger, { reqId: 'req-1' });
  log.info({ a: 1 }, 'below the level');
  log.debug('below the level');
  assert.equal(log.isLevelEnabled('info'), false);
  assert.equal(log.level, 'warn');
  assert.equal(made(), 0);
  log.warn({ a: 2 }, 'written');
  log.error('also written');
  assert.equal(made(), 1);
  assert.deepEqual(
    out.records().map((r) => [r.reqId, r.msg, r.a]),
    [
      ['req-1', 'written', 2],
      ['req-1', 'also written', undefined],
    ],
  );
});

test('the parent level at the time of the call decides; bindings are redacted as a child\'s are', () => {
  const out = capture();
  const { logger, made } = counted(createLogger({ name: 't', level: 'error', destination: out.destination }));
  const log = lazyChild(logger, { reqId: 'req-2', password: 'hunter2' });
  log.info('dropped');
  logger.level = 'info';
  log.info('kept');
  assert.equal(made(), 1);
  const [record] = out.records();
  assert.equal(record?.msg, 'kept');
  assert.equal(record?.reqId, 'req-2');
  assert.equal(record?.password, '[redacted]');
});

test('child, bindings and an own level make the child; grandchildren keep every binding', () => {
  const out = capture();
  const { logger, made } = counted(createLogger({ name: 't', level: 'info', destination: out.destination }));
  const log = lazyChild(logger, { reqId: 'req-3' });
  assert.equal(log.bindings().reqId, 'req-3');
  assert.equal(made(), 1);
  log.child({ component: 'x' }).info('from a grandchild');
  assert.equal(made(), 2);
  assert.deepEqual(out.records().map((r) => [r.reqId, r.component, r.msg]), [['req-3', 'x', 'from a grandchild']]);
  const own = lazyChild(logger, { reqId: 'req-4' }, { level: 'debug' });
  assert.equal(own.level, 'debug');
});
