import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderSummary } from './summary.js';

test('the all table shows measured, reference, ratio, goal and verdict, one aligned line per row', () => {
  const table = renderSummary(
    [
      {
        bench: 'kafka',
        seconds: 12,
        rows: [
          { path: 'consumer runtime vs raw kafkajs', measured: 15_859.4, unit: 'rec/s', reference: { label: 'raw kafkajs', value: 76_730 }, ratio: 0.2067, goal: '≥ 0.5', met: false },
          { path: 'producer vs raw', measured: 25_341, unit: 'rec/s', reference: { label: 'raw kafkajs', value: 31_205 }, ratio: 0.812 },
        ],
      },
      { bench: 'gateway', seconds: 3, rows: [], error: 'connect ECONNREFUSED 127.0.0.1:5432\n    at stack' },
      { bench: 'infor', seconds: 30, rows: [{ path: 'M3 p99', measured: 12.345, unit: 'ms', goal: '< 20 ms', met: true, note: '0 429s' }] },
    ],
    [{ path: 'latency: SYSPRO → Coupa', measured: Number.NaN, unit: 's', goal: '≤ 1 s', note: 'no bench yet' }],
  );
  const lines = table.split('\n');
  assert.equal(lines.length, 2 + 5);
  assert.equal(new Set(lines.map((l) => l.length)).size, 1, 'every line as wide as the header');
  assert.match(lines[0]!, /^\| path +\| +measured \| +reference \| +ratio \| +goal \| +met \| note +\|$/);
  assert.match(lines[2]!, /\| consumer runtime vs raw kafkajs +\| +15,859 rec\/s \| +raw kafkajs 76,730 rec\/s \| +0\.21 \| +≥ 0\.5 \| +NO \| +\|$/);
  assert.match(lines[3]!, /\| +0\.81 \| +— \| +— \|/, 'no goal: no verdict');
  assert.match(lines[4]!, /^\| gateway: FAILED .*\| connect ECONNREFUSED 127\.0\.0\.1:5432 +\|$/, 'first line of the error only');
  assert.match(lines[5]!, /\| +12\.3 ms \| +— \| +— \| +< 20 ms \| +yes \| 0 429s +\|$/);
  assert.match(lines[6]!, /^\| latency: SYSPRO → Coupa +\| +— \| .*\| +≤ 1 s \| +— \| no bench yet +\|$/);
});
