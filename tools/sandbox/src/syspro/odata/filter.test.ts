import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ApSupplier, PorMasterDetail, type Row } from '../data/schema.js';
import { ODataError, type ODataErrorCode } from './errors.js';
import { compileFilter, timestampLowerBound } from './filter-compile.js';
import { parseFilter, type FilterNode } from './filter-parser.js';

const codeOf = (fn: () => unknown): ODataErrorCode | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ODataError) return error.code;
    throw error;
  }
  return undefined;
};

const shape = (node: FilterNode): unknown => {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'property':
      return node.name;
    case 'compare':
      return [node.op, shape(node.left), shape(node.right)];
    case 'and':
    case 'or':
      return [node.kind, shape(node.left), shape(node.right)];
    case 'not':
      return ['not', shape(node.operand)];
    case 'call':
      return [node.name, ...node.args.map(shape)];
  }
};

const supplier = (values: Partial<Record<string, string | number | null>>): Row => ({ Supplier: 'S1', SupplierName: 'Acme', Currency: 'ZAR', TimeStamp: 10, DateSuppAdded: '2024-01-01T00:00:00.000Z', ...values });
const matches = (filter: string, row: Row): boolean => compileFilter(parseFilter(filter), ApSupplier)(row);

test('and binds tighter than or; both are left-associative', () => {
  assert.deepEqual(shape(parseFilter('A eq 1 or B eq 2 and C eq 3')), ['or', ['eq', 'A', 1], ['and', ['eq', 'B', 2], ['eq', 'C', 3]]]);
  assert.deepEqual(shape(parseFilter('A eq 1 and B eq 2 and C eq 3')), ['and', ['and', ['eq', 'A', 1], ['eq', 'B', 2]], ['eq', 'C', 3]]);
  assert.deepEqual(shape(parseFilter('(A eq 1 or B eq 2) and C eq 3')), ['and', ['or', ['eq', 'A', 1], ['eq', 'B', 2]], ['eq', 'C', 3]]);
});

test('relational operators bind tighter than equality, not tighter than both', () => {
  assert.deepEqual(shape(parseFilter('A gt 1 eq true')), ['eq', ['gt', 'A', 1], true]);
  assert.deepEqual(shape(parseFilter('not A eq B')), ['eq', ['not', 'A'], 'B']);
  assert.deepEqual(shape(parseFilter('not (A eq B)')), ['not', ['eq', 'A', 'B']]);
  // Per the spec, `not Supplier eq 'X'` negates a string: a type error, not a silent reinterpretation.
  assert.equal(codeOf(() => compileFilter(parseFilter("not Supplier eq 'X'"), ApSupplier)), 'TypeMismatch');
  assert.equal(matches("not (Supplier eq 'X')", supplier({})), true);
});

test('string literals unescape doubled quotes and keep spaces and operators verbatim', () => {
  assert.deepEqual(shape(parseFilter("SupplierName eq 'O''Brien and Sons'")), ['eq', 'SupplierName', "O'Brien and Sons"]);
  assert.deepEqual(shape(parseFilter("SupplierName eq ''''")), ['eq', 'SupplierName', "'"]);
  assert.deepEqual(shape(parseFilter("SupplierName eq ''")), ['eq', 'SupplierName', '']);
  assert.equal(codeOf(() => parseFilter("SupplierName eq 'open")), 'FilterSyntax');
  assert.equal(codeOf(() => parseFilter("SupplierName eq 'a''")), 'FilterSyntax');
});

test('numbers, dates and date-times follow the OData v4 literal forms', () => {
  assert.deepEqual(shape(parseFilter('MPrice ge -1.5e2')), ['ge', 'MPrice', -150]);
  const dt = parseFilter('DateSuppAdded gt 2024-01-31T10:00:00+02:00');
  assert.deepEqual(shape(dt), ['gt', 'DateSuppAdded', '2024-01-31T08:00:00.000Z']);
  assert.deepEqual(shape(parseFilter('X eq 2024-01-31')), ['eq', 'X', '2024-01-31']);
  assert.equal(codeOf(() => parseFilter("DateSuppAdded gt datetime'2024-01-01T00:00:00'")), 'UnsupportedSyntax');
  assert.equal(codeOf(() => parseFilter('DateSuppAdded gt 2024-13-45T00:00:00Z')), 'FilterSyntax');
  assert.equal(codeOf(() => parseFilter('DateSuppAdded gt 2024-01-01T10')), 'FilterSyntax');
});

test('syntax errors are reported, never ignored', () => {
  for (const bad of ['Supplier eq', 'eq 1', "Supplier eq 'A' and", '(Supplier eq 1', 'Supplier eq 1)', "Supplier AND 'x'", 'Supplier eq 1 Supplier', 'Supplier == 1', ',']) {
    assert.equal(codeOf(() => parseFilter(bad)), 'FilterSyntax', bad);
  }
  assert.equal(codeOf(() => parseFilter("Supplier eq 'A' AND Currency eq 'ZAR'")), 'FilterSyntax');
  assert.equal(codeOf(() => parseFilter('MPrice add 1 gt 2')), 'UnsupportedSyntax');
  assert.equal(codeOf(() => parseFilter("Supplier in ('A','B')")), 'UnsupportedSyntax');
  assert.equal(codeOf(() => parseFilter('Lines/any(l: l eq 1)')), 'UnsupportedSyntax');
});

test('properties and operand types are checked against the entity set', () => {
  const check = (filter: string) => codeOf(() => compileFilter(parseFilter(filter), ApSupplier));
  assert.equal(check("supplier eq 'S1'"), 'UnknownProperty');
  assert.equal(check('Supplier eq 1'), 'TypeMismatch');
  assert.equal(check('DateSuppAdded ge 2024-01-01'), 'TypeMismatch');
  assert.equal(check("TimeStamp gt '5'"), 'TypeMismatch');
  assert.equal(check('Supplier'), 'TypeMismatch');
  assert.equal(check("Supplier eq 'A' and TimeStamp"), 'TypeMismatch');
  assert.equal(check('true gt false'), 'TypeMismatch');
  assert.equal(check("substringof('a', Supplier)"), 'UnsupportedSyntax');
  assert.equal(check("contains(Supplier)"), 'TypeMismatch');
  assert.equal(check("Supplier eq null and TimeStamp gt 1 and DateSuppAdded lt 2030-01-01T00:00:00Z"), undefined);
});

test('evaluation: case-insensitive text, nulls, functions, date-times', () => {
  const row = supplier({ SupplierName: "O'Brien Steel", Email: null });
  assert.equal(matches("SupplierName eq 'o''brien steel'", row), true);
  assert.equal(matches("contains(SupplierName, 'BRIEN')", row), true);
  assert.equal(matches("startswith(SupplierName, 'o''b') and endswith(SupplierName, 'steel')", row), true);
  assert.equal(matches("tolower(Currency) eq 'zar' and length(Currency) eq 3", row), true);
  assert.equal(matches('Email eq null', row), true);
  assert.equal(matches('Email ne null', row), false);
  assert.equal(matches("Email gt 'a' or Email le 'a'", row), false);
  assert.equal(matches("contains(Email, 'x')", row), false);
  assert.equal(matches('DateSuppAdded ge 2024-01-01T02:00:00+02:00 and DateSuppAdded lt 2024-01-01T00:00:01Z', row), true);
  assert.equal(matches('TimeStamp gt 9 and TimeStamp le 10', row), true);
});

test('the TimeStamp lower bound is read from conjunctions, and from disjunctions bounded on both sides', () => {
  const bound = (f: string) => timestampLowerBound(parseFilter(f));
  assert.equal(bound('TimeStamp gt 41'), 42);
  assert.equal(bound('TimeStamp ge 41'), 41);
  assert.equal(bound('TimeStamp eq 41'), 41);
  assert.equal(bound('41 lt TimeStamp'), 42);
  assert.equal(bound('41 eq TimeStamp'), 41);
  assert.equal(bound("Currency eq 'ZAR' and (TimeStamp gt 10 and TimeStamp gt 20)"), 21);
  // The poller's keyset filter after a page that ended at TimeStamp 105, supplier S000007.
  assert.equal(bound("(TimeStamp gt 105) or ((TimeStamp eq 105) and (Supplier gt 'S000007'))"), 105);
  assert.equal(bound('TimeStamp gt 10 or TimeStamp ge 3'), 3);
  assert.equal(bound("TimeStamp gt 10 or Currency eq 'ZAR'"), undefined);
  assert.equal(bound('TimeStamp ne 10'), undefined);
  assert.equal(bound('TimeStamp lt 10'), undefined);
  assert.equal(bound('not (TimeStamp gt 10)'), undefined);
});

// Property tests: a random Boolean tree over numeric comparisons, printed with only the
// parentheses precedence requires, must parse back and evaluate like the tree itself.
type Tree = { op: 'and' | 'or'; l: Tree; r: Tree } | { op: 'not'; x: Tree } | { op: 'cmp'; col: 'MOrderQty' | 'MPrice' | 'Line'; rel: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; n: number };

const treeArb: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ op: fc.constant('cmp' as const), col: fc.constantFrom('MOrderQty' as const, 'MPrice' as const, 'Line' as const), rel: fc.constantFrom('eq' as const, 'ne' as const, 'gt' as const, 'ge' as const, 'lt' as const, 'le' as const), n: fc.integer({ min: -3, max: 3 }) }),
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const), l: tie('tree'), r: tie('tree') }),
    fc.record({ op: fc.constant('not' as const), x: tie('tree') }),
  ),
})).tree;

const PRECEDENCE = { or: 1, and: 2, cmp: 3, not: 4 } as const;
function print(t: Tree, parent = 0, rightOperand = false): string {
  let s: string;
  if (t.op === 'cmp') s = `${t.col} ${t.rel} ${t.n}`;
  else if (t.op === 'not') return `not (${print(t.x)})`;
  else s = `${print(t.l, PRECEDENCE[t.op])} ${t.op} ${print(t.r, PRECEDENCE[t.op], true)}`;
  const p = PRECEDENCE[t.op];
  return p < parent || (p === parent && rightOperand) ? `(${s})` : s;
}
function evaluate(t: Tree, row: Row): boolean {
  switch (t.op) {
    case 'and':
      return evaluate(t.l, row) && evaluate(t.r, row);
    case 'or':
      return evaluate(t.l, row) || evaluate(t.r, row);
    case 'not':
      return !evaluate(t.x, row);
    case 'cmp': {
      const v = row[t.col] as number;
      return { eq: v === t.n, ne: v !== t.n, gt: v > t.n, ge: v >= t.n, lt: v < t.n, le: v <= t.n }[t.rel];
    }
  }
}

test('property: printed filters with minimal parentheses evaluate like the tree', () => {
  const rowArb = fc.record({ MOrderQty: fc.integer({ min: -3, max: 3 }), MPrice: fc.integer({ min: -3, max: 3 }), Line: fc.integer({ min: -3, max: 3 }) });
  fc.assert(
    fc.property(treeArb, rowArb, (tree, row) => {
      const predicate = compileFilter(parseFilter(print(tree)), PorMasterDetail);
      return predicate(row) === evaluate(tree, row);
    }),
    { numRuns: 500 },
  );
});

test('property: any text round-trips through a quoted literal', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
      const node = parseFilter(`SupplierName eq '${text.replace(/'/g, "''")}'`);
      return node.kind === 'compare' && node.right.kind === 'literal' && node.right.value === text;
    }),
    { numRuns: 300 },
  );
});

test('property: the parser never throws anything but an ODataError', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (input) => {
      try {
        compileFilter(parseFilter(input), ApSupplier);
      } catch (error) {
        return error instanceof ODataError;
      }
      return true;
    }),
    { numRuns: 1000 },
  );
});
