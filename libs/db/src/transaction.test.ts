import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toMlcError } from '@mlc/errors';
import { isRefusedData } from './transaction.js';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code, severity: 'ERROR' });

test('data exceptions and constraint violations are refused data; a wrong statement or a lost server is not', () => {
  assert.equal(isRefusedData(toMlcError(pgError('22P05'))), true, 'unsupported Unicode escape (a NUL in JSON)');
  assert.equal(isRefusedData(toMlcError(pgError('23502'))), true, 'not-null violation');
  assert.equal(isRefusedData(toMlcError(pgError('42P01'))), false, 'undefined table: our statement is wrong');
  assert.equal(isRefusedData(toMlcError(pgError('57P01'))), false, 'admin shutdown: retriable');
  assert.equal(isRefusedData(toMlcError(new Error('Connection terminated unexpectedly'))), false);
});
