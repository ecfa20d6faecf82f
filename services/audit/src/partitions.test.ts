import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addMonths, expiredPartitions, monthOfPartition, monthsToEnsure, partitionName } from './partitions.js';

test('months roll over years both ways', () => {
  assert.deepEqual(addMonths({ year: 2026, month: 12 }, 1), { year: 2027, month: 1 });
  assert.deepEqual(addMonths({ year: 2026, month: 1 }, -1), { year: 2025, month: 12 });
  assert.deepEqual(addMonths({ year: 2026, month: 11 }, 14), { year: 2028, month: 1 });
});

test('partitions from last month to N months ahead, named by month', () => {
  const names = monthsToEnsure(new Date('2026-12-15T10:00:00Z'), 2).map((m) => partitionName('audit_events', m));
  assert.deepEqual(names, ['audit_events_p202611', 'audit_events_p202612', 'audit_events_p202701', 'audit_events_p202702']);
  assert.deepEqual(monthOfPartition('audit_events', 'audit_events_p202702'), { year: 2027, month: 2 });
  assert.equal(monthOfPartition('audit_events', 'audit_events_default'), undefined);
  assert.equal(monthOfPartition('audit_events', 'audit_events_p202713'), undefined);
});

test('a partition expires once its whole month is older than the cutoff', () => {
  const names = ['audit_dlq_p202609', 'audit_dlq_p202610', 'audit_dlq_p202611', 'audit_dlq_default', 'audit_events_p202601'];
  // Cutoff inside October: September is all older, October is not.
  assert.deepEqual(expiredPartitions('audit_dlq', names, new Date('2026-10-20T00:00:00Z')), ['audit_dlq_p202609']);
  // Cutoff exactly at November's start: October's last instant is older.
  assert.deepEqual(expiredPartitions('audit_dlq', names, new Date('2026-11-01T00:00:00Z')), ['audit_dlq_p202609', 'audit_dlq_p202610']);
});
