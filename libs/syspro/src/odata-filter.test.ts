import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isMlcError } from '@mlc/errors';
import { f, lit, odataIdentifier, orderBy, selectList, ODataFilter, ODataLiteral } from './odata-filter.js';

// A minimal tokenizer for the subset of OData $filter syntax the builder emits. If a value could
// inject syntax, the token stream of a built filter would differ from the expected shape.
type Token =
  | { t: 'ident'; v: string }
  | { t: 'string'; v: string }
  | { t: 'atom'; v: string }
  | { t: 'binary'; v: string }
  | { t: '(' }
  | { t: ')' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ') {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ t: c });
      i++;
    } else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated string');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            v += "'";
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          v += text[i];
          i++;
        }
      }
      tokens.push({ t: 'string', v });
    } else if (text.startsWith("binary'", i)) {
      const end = text.indexOf("'", i + 7);
      tokens.push({ t: 'binary', v: text.slice(i + 7, end) });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ t: 'ident', v: m[0] });
      i += m[0].length;
    } else {
      const m = /^[-+0-9.eE:TZ]+/.exec(text.slice(i));
      if (!m) throw new Error(`unexpected character ${c}`);
      tokens.push({ t: 'atom', v: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isMlcError(err) ? err.code : 'not-an-MlcError';
  }
}

test('string literals round-trip for arbitrary strings, as one token', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), (s) => {
      assert.deepEqual(tokenize(lit.string(s).text), [{ t: 'string', v: s }]);
    }),
  );
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom("'", ' ', ')', '(', 'a', 'o', 'r', '\\', '%', '&', '$') }), (s) => {
      assert.deepEqual(tokenize(lit.string(s).text), [{ t: 'string', v: s }]);
    }),
  );
});

test('a comparison on an arbitrary value keeps the shape column-operator-literal', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), (a, b) => {
      const built = f.or(f.eq('Supplier', a), f.and(f.ge('Name', b), f.not(f.eq('X', a))));
      assert.deepEqual(tokenize(built.text), [
        { t: '(' }, { t: 'ident', v: 'Supplier' }, { t: 'ident', v: 'eq' }, { t: 'string', v: a }, { t: ')' },
        { t: 'ident', v: 'or' },
        { t: '(' },
        { t: '(' }, { t: 'ident', v: 'Name' }, { t: 'ident', v: 'ge' }, { t: 'string', v: b }, { t: ')' },
        { t: 'ident', v: 'and' },
        { t: '(' }, { t: 'ident', v: 'not' }, { t: '(' }, { t: 'ident', v: 'X' }, { t: 'ident', v: 'eq' }, { t: 'string', v: a }, { t: ')' }, { t: ')' },
        { t: ')' },
      ]);
    }),
  );
});

test('column names are either plain identifiers or refused with MLC_CONFIG_INVALID', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (name) => {
      const code = codeOf(() => f.eq(name, 1));
      if (code === undefined) {
        assert.match(name, /^[A-Za-z_][A-Za-z0-9_]*$/);
        assert.equal(odataIdentifier(name), name);
      } else {
        assert.equal(code, 'MLC_CONFIG_INVALID');
      }
    }),
  );
  for (const bad of ['Supplier eq 1', "A'", 'A)', '1abc', '', 'a/b', 'Name or true']) {
    assert.equal(codeOf(() => f.eq(bad, 'x')), 'MLC_CONFIG_INVALID', bad);
    assert.equal(codeOf(() => orderBy([bad])), 'MLC_CONFIG_INVALID', bad);
    assert.equal(codeOf(() => selectList(['Ok', bad])), 'MLC_CONFIG_INVALID', bad);
  }
});

test('finite numbers round-trip; NaN and infinities are refused', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
      const text = lit.number(n).text;
      assert.equal(tokenize(text).length, 1);
      assert.equal(Number(text), n === 0 ? 0 : n);
    }),
  );
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    assert.equal(codeOf(() => lit.number(bad)), 'MLC_INTERNAL');
  }
  assert.equal(codeOf(() => lit.decimal('1e5; drop')), 'MLC_INTERNAL');
  assert.equal(lit.decimal('-12.50').text, '-12.50');
});

test('date-times are written as OData v4 DateTimeOffset and round-trip', () => {
  fc.assert(
    fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
      const text = lit.dateTimeOffset(d).text;
      assert.match(text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.equal(new Date(text).getTime(), d.getTime());
    }),
  );
  assert.equal(lit.dateTimeOffset('2024-01-15T10:00:00+02:00').text, '2024-01-15T10:00:00+02:00');
  assert.equal(lit.date('2024-02-29').text, '2024-02-29');
  for (const bad of ['2024-01-15T10:00:00', "2024-01-15T10:00:00Z' or 1 eq 1", '2023-02-30T00:00:00Z']) {
    assert.equal(codeOf(() => lit.dateTimeOffset(bad)), 'MLC_INTERNAL', bad);
  }
  assert.equal(codeOf(() => lit.dateTimeOffset(new Date('+010000-01-01T00:00:00Z'))), 'MLC_INTERNAL');
  assert.equal(codeOf(() => lit.date('2023-02-29')), 'MLC_INTERNAL');
  assert.equal(lit.dateTimeLocal('2024-01-15T10:00:00.1234567').text, '2024-01-15T10:00:00.1234567');
});

test('binary literals carry base64url of the same bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
      const text = lit.binary(Buffer.from(bytes).toString('base64')).text;
      const [token] = tokenize(text);
      assert.equal(token?.t, 'binary');
      assert.deepEqual(new Uint8Array(Buffer.from((token as { v: string }).v, 'base64url')), bytes);
    }),
  );
  assert.equal(codeOf(() => lit.binary("AA'A")), 'MLC_INTERNAL');
});

test('values are typed by their JS type; raw strings are never spliced in', () => {
  assert.equal(f.eq('A', "x' or 1 eq 1 or 'y").text, "A eq 'x'' or 1 eq 1 or ''y'");
  assert.equal(f.eq('A', 12).text, 'A eq 12');
  assert.equal(f.eq('A', true).text, 'A eq true');
  assert.equal(f.eq('A', null).text, 'A eq null');
  assert.equal(f.ge('A', new Date(Date.UTC(2024, 0, 15))).text, 'A ge 2024-01-15T00:00:00.000Z');
  assert.equal(f.le('A', lit.date('2024-01-15')).text, 'A le 2024-01-15');
  assert.equal(orderBy(['LastChanged', { column: 'Supplier', direction: 'desc' }]), 'LastChanged,Supplier desc');
});

test('literals and filters cannot be forged from outside the builder', () => {
  const Forge = ODataFilter as unknown as new (token: symbol, text: string) => ODataFilter;
  assert.equal(codeOf(() => new Forge(Symbol('odata-filter'), '1 eq 1')), 'MLC_INTERNAL');
  const ForgeLit = ODataLiteral as unknown as new (token: symbol, text: string) => ODataLiteral;
  assert.equal(codeOf(() => new ForgeLit(Symbol('odata-filter'), "'")), 'MLC_INTERNAL');
  assert.equal(codeOf(() => f.and({ text: '1 eq 1' } as unknown as ODataFilter)), 'MLC_INTERNAL');
  assert.equal(codeOf(() => f.and()), 'MLC_INTERNAL');
});
