import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryRows, parseProcStatus, podNote } from './memory.js';

const STATUS = ['Name:\tnode', 'VmPeak:\t 1325000 kB', 'VmHWM:\t  231424 kB', 'VmRSS:\t  180224 kB', 'RssAnon:\t  140000 kB', 'Threads:\t11'].join('\n');

test('VmRSS and VmHWM are read from /proc/<pid>/status, in bytes; a status without them (a zombie) is no sample', () => {
  assert.deepEqual(parseProcStatus(STATUS), { rss: 180_224 * 1024, hwm: 231_424 * 1024 });
  assert.equal(parseProcStatus('Name:\tnode\nState:\tZ (zombie)\n'), undefined);
  // VmRSS must not be matched inside another field's name (RssAnon).
  assert.equal(parseProcStatus('VmHWM:\t 1 kB\nRssAnon:\t 2 kB\n'), undefined);
});

test('one row per service: peak RSS against 256 MB with a verdict, and a partial run says how far it got', () => {
  const rows = memoryRows(
    [
      { name: 'syspro-poller', peakHwm: 226 * 1024 * 1024, peakRss: 220 * 1024 * 1024, samples: 10 },
      { name: 'audit', peakHwm: 300 * 1024 * 1024, peakRss: 290 * 1024 * 1024, samples: 10 },
    ],
    10_000,
    100_000,
    'stopped at --timeout-s 300: writer 5 of 9 records',
  );
  assert.equal(rows.length, 2);
  assert.match(rows[0]!.path, /syspro-poller, 10,000-supplier \+ 100,000-PO-line backfill/);
  assert.equal(rows[0]!.measured, 226);
  assert.equal(rows[0]!.met, true);
  assert.equal(rows[1]!.met, false);
  assert.equal(rows[1]!.goal, '< 256 MB');
  assert.match(rows[1]!.note!, /stopped at --timeout-s 300/);
});

test("a service killed at its pod's limit does not meet the goal, whatever its peak; the note says how it ran", () => {
  const pod = { limitBytes: 256 * 1024 * 1024, cgroup: 'enforced', nodeOptions: ['--max-old-space-size=160'], cgroupPeakBytes: 250 * 1024 * 1024, oomKills: 0 };
  const [ran, killed] = memoryRows(
    [
      { name: 'coupa-writer', peakHwm: 150 * 1024 * 1024, peakRss: 150 * 1024 * 1024, samples: 10, pod },
      { name: 'audit', peakHwm: 200 * 1024 * 1024, peakRss: 200 * 1024 * 1024, samples: 10, pod: { ...pod, oomKills: 1 } },
    ],
    10,
    100,
  );
  assert.equal(ran!.met, true);
  assert.equal(ran!.note, "peak VmHWM; in its pod's 256Mi cgroup, --max-old-space-size=160; cgroup peak 250 MB with page cache");
  assert.equal(killed!.met, false);
  assert.match(killed!.note!, /OOM-KILLED 1x at the limit/);
  assert.equal(podNote({ ...pod, cgroup: 'cannot make a memory cgroup (EACCES)', cgroupPeakBytes: undefined, nodeOptions: [] }), 'pod limit 256Mi not enforced: cannot make a memory cgroup (EACCES), no NODE_OPTIONS');
});
