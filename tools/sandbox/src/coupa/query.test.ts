import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matches, parseQuery } from './query.js';

const parse = (qs: string) => {
  const result = parseQuery(new URLSearchParams(qs), { defaultLimit: 50, maxLimit: 50 });
  assert.ok('query' in result);
  return result.query;
};

test('operators, nesting and underscore names parse into wire paths', () => {
  const q = parse('supplier[number]=S1&created_at[gt]=2024-01-01&order-lines[account][code][in]=a,b&name=x');
  assert.deepEqual(q.filters, [
    { path: ['supplier', 'number'], op: 'eq', value: 'S1' },
    { path: ['created-at'], op: 'gt', value: '2024-01-01' },
    { path: ['order-lines', 'account', 'code'], op: 'in', value: 'a,b' },
    { path: ['name'], op: 'eq', value: 'x' },
  ]);
});

test('limit defaults to 50 and is capped at the maximum; bad paging is refused', () => {
  assert.equal(parse('').limit, 50);
  assert.equal(parse('limit=500&offset=7').limit, 50);
  assert.equal(parse('offset=7').offset, 7);
  const bad = parseQuery(new URLSearchParams('limit=-1'), { defaultLimit: 50, maxLimit: 50 });
  assert.ok('problems' in bad && bad.problems[0]!.param === 'limit');
});

test('matching covers comparisons, dates, decimals, collections and blank', () => {
  const po = {
    status: 'issued',
    total: '1200.50',
    exported: false,
    'updated-at': '2024-03-01T10:00:00.000Z',
    supplier: { number: 'SUP1', name: 'Acme Tools' },
    'order-lines': [{ account: { code: '6000-100' } }, { account: null }],
    'acknowledged-at': null,
  };
  const m = (qs: string) => matches(po, parse(qs).filters);
  assert.equal(m('status=issued&exported=false'), true);
  assert.equal(m('status[in]=draft,issued'), true);
  assert.equal(m('status[not_in]=draft,issued'), false);
  assert.equal(m('total[gt]=999.99'), true);
  assert.equal(m('total[lt_or_eq]=1200.5'), true);
  assert.equal(m('updated-at[gt]=2024-02-28'), true);
  assert.equal(m('updated-at[lt]=2024-02-28'), false);
  assert.equal(m('supplier[name][contains]=tools'), true);
  assert.equal(m('supplier[number][starts_with]=SUP'), true);
  assert.equal(m('supplier[number][not_eq]=SUP1'), false);
  assert.equal(m('order-lines[account][code]=6000-100'), true);
  assert.equal(m('order-lines[account][code]=7000'), false);
  assert.equal(m('acknowledged-at[blank]=true'), true);
  assert.equal(m('status[blank]=true'), false);
});
