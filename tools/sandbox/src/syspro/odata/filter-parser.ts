import { ODataError } from './errors.js';
import { tokenize, type Token } from './filter-lexer.js';

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type LiteralType = 'String' | 'Number' | 'Boolean' | 'Null' | 'Date' | 'DateTimeOffset';

export type FilterNode =
  | { kind: 'literal'; type: LiteralType; value: string | number | boolean | null }
  | { kind: 'property'; name: string; at: number }
  | { kind: 'compare'; op: ComparisonOperator; left: FilterNode; right: FilterNode; at: number }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode; at: number }
  | { kind: 'not'; operand: FilterNode; at: number }
  | { kind: 'call'; name: string; args: FilterNode[]; at: number };

const RELATIONAL = new Set(['gt', 'ge', 'lt', 'le']);
const EQUALITY = new Set(['eq', 'ne']);
const RESERVED = new Set(['and', 'or', 'not', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'true', 'false', 'null']);
// Operators of OData v4 we recognise but do not serve: a clear 400 beats a confusing syntax error.
const UNSUPPORTED_OPERATORS = new Set(['add', 'sub', 'mul', 'div', 'divby', 'mod', 'has', 'in']);

/**
 * Recursive-descent parser for the `$filter` subset the simulator serves, with OData v4's
 * precedence (URL conventions §5.1.1.15): not > relational (gt ge lt le) > equality (eq ne) > and > or.
 * Operators are left-associative; keywords are case-sensitive, as the spec requires.
 */
export function parseFilter(input: string): FilterNode {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const keywordAt = (word: string): boolean => {
    const t = peek();
    return t.kind === 'identifier' && t.text === word;
  };
  const fail = (token: Token, expected: string): never => {
    const found = token.kind === 'end' ? 'end of input' : token.kind === 'identifier' ? `'${token.text}'` : token.kind;
    throw new ODataError('FilterSyntax', `expected ${expected} at position ${token.at}, found ${found}`, 400, token.at);
  };

  const binary = (operand: () => FilterNode, words: ReadonlySet<string>, build: (op: string, l: FilterNode, r: FilterNode, at: number) => FilterNode) => {
    let left = operand();
    for (;;) {
      const t = peek();
      if (t.kind !== 'identifier' || !words.has(t.text)) return left;
      next();
      left = build(t.text, left, operand(), t.at);
    }
  };

  const orExpr = (): FilterNode => binary(andExpr, new Set(['or']), (_op, left, right, at) => ({ kind: 'or', left, right, at }));
  const andExpr = (): FilterNode => binary(equality, new Set(['and']), (_op, left, right, at) => ({ kind: 'and', left, right, at }));
  const equality = (): FilterNode =>
    binary(relational, EQUALITY, (op, left, right, at) => ({ kind: 'compare', op: op as ComparisonOperator, left, right, at }));
  const relational = (): FilterNode =>
    binary(unary, RELATIONAL, (op, left, right, at) => ({ kind: 'compare', op: op as ComparisonOperator, left, right, at }));

  const unary = (): FilterNode => {
    if (keywordAt('not')) {
      const at = next().at;
      return { kind: 'not', operand: unary(), at };
    }
    return primary();
  };

  const primary = (): FilterNode => {
    const t = next();
    switch (t.kind) {
      case 'open': {
        const inner = orExpr();
        if (peek().kind !== 'close') fail(peek(), "')'");
        next();
        return inner;
      }
      case 'string':
        return { kind: 'literal', type: 'String', value: t.value };
      case 'number':
        return { kind: 'literal', type: 'Number', value: t.value };
      case 'date':
        return { kind: 'literal', type: 'Date', value: t.value };
      case 'dateTimeOffset':
        return { kind: 'literal', type: 'DateTimeOffset', value: t.value };
      case 'identifier': {
        if (t.text === 'true' || t.text === 'false') return { kind: 'literal', type: 'Boolean', value: t.text === 'true' };
        if (t.text === 'null') return { kind: 'literal', type: 'Null', value: null };
        if (RESERVED.has(t.text)) return fail(t, 'an operand');
        if (peek().kind === 'open') {
          next();
          const args: FilterNode[] = [];
          if (peek().kind !== 'close') {
            args.push(orExpr());
            while (peek().kind === 'comma') {
              next();
              args.push(orExpr());
            }
          }
          if (peek().kind !== 'close') fail(peek(), "',' or ')'");
          next();
          return { kind: 'call', name: t.text, args, at: t.at };
        }
        return { kind: 'property', name: t.text, at: t.at };
      }
      default:
        return fail(t, 'an operand');
    }
  };

  const tree = orExpr();
  const rest = peek();
  if (rest.kind !== 'end') {
    if (rest.kind === 'identifier' && UNSUPPORTED_OPERATORS.has(rest.text)) {
      throw new ODataError('UnsupportedSyntax', `operator '${rest.text}' at position ${rest.at} is not supported`, 400, rest.at);
    }
    if (rest.kind === 'identifier' && /^(and|or|eq|ne|gt|ge|lt|le|not)$/i.test(rest.text)) {
      throw new ODataError('FilterSyntax', `'${rest.text}' at position ${rest.at}: OData operators are lower case`, 400, rest.at);
    }
    fail(rest, 'an operator or end of input');
  }
  return tree;
}
