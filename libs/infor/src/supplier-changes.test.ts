import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMlcError } from '@mlc/errors';
import type { M3Client } from './m3-client.js';
import { createSupplierChangeReader } from './supplier-changes.js';
import type { MiInput, MiRecord } from './wire.js';

function fakeM3(answer: MiRecord[]) {
  const calls: Array<{ program: string; transaction: string; record: MiInput | undefined; maxRecords: number | undefined }> = [];
  const m3: M3Client = {
    execute: async (program, transaction, record, options) => {
      calls.push({ program, transaction, record, maxRecords: options?.maxRecords });
      return answer;
    },
    bulk: async () => [],
    close: async () => undefined,
  };
  return { m3, calls };
}

const transaction = { program: 'EXT620MI', transaction: 'LstByChgDate' };

test('a page asks the list transaction from LMTS and SUNO with maxrecs; SUNO only goes with a timestamp', async () => {
  const { m3, calls } = fakeM3([{ SUNO: 'A', LMTS: '5' }]);
  const reader = createSupplierChangeReader({ m3, transaction });
  assert.deepEqual(await reader.page({ timestamp: '5', supplier: 'A' }, 10), [{ SUNO: 'A', LMTS: '5' }]);
  await reader.page({ supplier: 'A' }, 3);
  assert.deepEqual(calls, [
    { program: 'EXT620MI', transaction: 'LstByChgDate', record: { LMTS: '5', SUNO: 'A' }, maxRecords: 10 },
    { program: 'EXT620MI', transaction: 'LstByChgDate', record: { LMTS: undefined, SUNO: undefined }, maxRecords: 3 },
  ]);
});

test('a record without SUNO or a numeric LMTS cannot be positioned after: MLC_VENDOR_REJECTED', async () => {
  for (const bad of [{ SUNO: 'A' }, { SUNO: 'A', LMTS: '2025-01-01' }, { SUNO: '', LMTS: '5' }] as MiRecord[]) {
    const reader = createSupplierChangeReader({ m3: fakeM3([{ SUNO: 'B', LMTS: '4' }, bad]).m3, transaction });
    await assert.rejects(reader.page({}, 10), (error: unknown) => isMlcError(error) && error.code === 'MLC_VENDOR_REJECTED');
  }
});
