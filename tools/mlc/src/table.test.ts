import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable } from './table.js';

test('columns are padded to the widest cell, numbers right-aligned, empty cells as -', () => {
  const text = renderTable(
    [{ header: 'ID' }, { header: 'COUNT', align: 'right' }, { header: 'NOTE' }],
    [
      ['a', 5, null],
      ['longer-id', 1234, 'x'],
    ],
  );
  assert.equal(text, ['ID         COUNT  NOTE', 'a              5  -', 'longer-id   1234  x'].join('\n'));
});

test('long cells are cut at the column width and newlines flattened', () => {
  const text = renderTable([{ header: 'MSG', maxWidth: 8 }], [['line one\nline two']]);
  assert.equal(text, ['MSG', 'line on…'].join('\n'));
});

test('no rows: the header alone', () => {
  assert.equal(renderTable([{ header: 'A' }, { header: 'B' }], []), 'A  B');
});
