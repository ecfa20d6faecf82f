import { columnOf, TIMESTAMP, type Row, type TableSpec, type Value } from '../data/schema.js';
import { ODataError } from './errors.js';
import type { FilterNode, LiteralType } from './filter-parser.js';

type Scalar = string | number | boolean | null;
interface Typed {
  type: LiteralType;
  evaluate: (row: Row) => Scalar;
}

const EDM_TO_TYPE = {
  'Edm.String': 'String',
  'Edm.Decimal': 'Number',
  'Edm.Int32': 'Number',
  'Edm.Int64': 'Number',
  'Edm.DateTimeOffset': 'DateTimeOffset',
  // Assumed: the service compares a zone-less SQL datetime as that wall clock at offset 0 (README, "Zone-less datetimes").
  'Edm.DateTime': 'DateTimeOffset',
} as const satisfies Record<string, LiteralType>;

// SYSPRO runs on SQL Server with a case-insensitive collation, so the service compares text
// case-insensitively; the simulator does the same so clients don't depend on exact casing.
const fold = (s: string): string => s.toLowerCase();
const compareScalars = (a: string | number, b: string | number): number => {
  if (typeof a === 'string' && typeof b === 'string') {
    const x = fold(a);
    const y = fold(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
};

const FUNCTIONS: Record<string, { params: LiteralType[]; returns: LiteralType; apply: (...args: string[]) => Scalar }> = {
  contains: { params: ['String', 'String'], returns: 'Boolean', apply: (a, b) => fold(a!).includes(fold(b!)) },
  startswith: { params: ['String', 'String'], returns: 'Boolean', apply: (a, b) => fold(a!).startsWith(fold(b!)) },
  endswith: { params: ['String', 'String'], returns: 'Boolean', apply: (a, b) => fold(a!).endsWith(fold(b!)) },
  tolower: { params: ['String'], returns: 'String', apply: (a) => a!.toLowerCase() },
  toupper: { params: ['String'], returns: 'String', apply: (a) => a!.toUpperCase() },
  length: { params: ['String'], returns: 'Number', apply: (a) => a!.length },
};

const mismatch = (message: string, at?: number): ODataError => new ODataError('TypeMismatch', message, 400, at);

function compile(node: FilterNode, spec: TableSpec): Typed {
  switch (node.kind) {
    case 'literal': {
      const value = node.value;
      return { type: node.type, evaluate: () => value };
    }
    case 'property': {
      const column = columnOf(spec, node.name);
      if (!column) throw new ODataError('UnknownProperty', `'${node.name}' is not a property of ${spec.name}`, 400, node.at);
      const name = column.name;
      if (column.type === 'Edm.DateTime') {
        // Stored as `YYYY-MM-DDTHH:mm:ss.fff`; literals are normalised to toISOString, so `…Z` compares as a string.
        return { type: 'DateTimeOffset', evaluate: (row) => (typeof row[name] === 'string' ? `${row[name] as string}Z` : null) };
      }
      return { type: EDM_TO_TYPE[column.type], evaluate: (row) => (row[name] ?? null) as Value };
    }
    case 'not': {
      const operand = compile(node.operand, spec);
      if (operand.type !== 'Boolean') throw mismatch(`'not' at position ${node.at} needs a Boolean operand, got ${operand.type}`, node.at);
      return { type: 'Boolean', evaluate: (row) => !operand.evaluate(row) };
    }
    case 'and':
    case 'or': {
      const left = compile(node.left, spec);
      const right = compile(node.right, spec);
      if (left.type !== 'Boolean' || right.type !== 'Boolean') {
        throw mismatch(`'${node.kind}' at position ${node.at} needs Boolean operands, got ${left.type} and ${right.type}`, node.at);
      }
      return node.kind === 'and'
        ? { type: 'Boolean', evaluate: (row) => left.evaluate(row) === true && right.evaluate(row) === true }
        : { type: 'Boolean', evaluate: (row) => left.evaluate(row) === true || right.evaluate(row) === true };
    }
    case 'compare': {
      const left = compile(node.left, spec);
      const right = compile(node.right, spec);
      const relational = node.op !== 'eq' && node.op !== 'ne';
      const nullSide = left.type === 'Null' || right.type === 'Null';
      if (!nullSide && left.type !== right.type) {
        throw mismatch(`operands of '${node.op}' at position ${node.at} have incompatible types ${left.type} and ${right.type}`, node.at);
      }
      if (relational && left.type === 'Boolean') throw mismatch(`'${node.op}' at position ${node.at} cannot order Boolean values`, node.at);
      const op = node.op;
      return {
        type: 'Boolean',
        evaluate: (row) => {
          const a = left.evaluate(row);
          const b = right.evaluate(row);
          if (a === null || b === null) {
            if (op === 'eq') return a === b;
            if (op === 'ne') return a !== b;
            return false;
          }
          if (typeof a === 'boolean' || typeof b === 'boolean') return op === 'eq' ? a === b : a !== b;
          const c = compareScalars(a, b);
          switch (op) {
            case 'eq':
              return c === 0;
            case 'ne':
              return c !== 0;
            case 'gt':
              return c > 0;
            case 'ge':
              return c >= 0;
            case 'lt':
              return c < 0;
            case 'le':
              return c <= 0;
          }
        },
      };
    }
    case 'call': {
      const fn = FUNCTIONS[node.name];
      if (!fn) throw new ODataError('UnsupportedSyntax', `function '${node.name}' at position ${node.at} is not supported`, 400, node.at);
      if (node.args.length !== fn.params.length) {
        throw mismatch(`${node.name}() at position ${node.at} takes ${fn.params.length} argument(s), got ${node.args.length}`, node.at);
      }
      const args = node.args.map((arg) => compile(arg, spec));
      args.forEach((arg, i) => {
        if (arg.type !== fn.params[i] && arg.type !== 'Null') {
          throw mismatch(`argument ${i + 1} of ${node.name}() at position ${node.at} must be ${fn.params[i]}, got ${arg.type}`, node.at);
        }
      });
      return {
        type: fn.returns,
        evaluate: (row) => {
          const values = args.map((arg) => arg.evaluate(row));
          if (values.some((v) => v === null)) return fn.returns === 'Boolean' ? false : null;
          return fn.apply(...(values as string[]));
        },
      };
    }
  }
}

/** Type-checks the tree against the entity set and returns a row predicate. */
export function compileFilter(node: FilterNode, spec: TableSpec): (row: Row) => boolean {
  const typed = compile(node, spec);
  if (typed.type !== 'Boolean') throw mismatch(`$filter must be a Boolean expression, got ${typed.type}`);
  return (row) => typed.evaluate(row) === true;
}

/**
 * The smallest TimeStamp a matching row can have, when the filter bounds it: `TimeStamp gt|ge|eq
 * <n>` (either side), a conjunction with such a term, or a disjunction of bounded terms (the
 * keyset filter `TimeStamp gt n or (TimeStamp eq n and Key gt k)`). Lets a poll for recent changes
 * skip rows that never changed.
 */
export function timestampLowerBound(node: FilterNode): number | undefined {
  if (node.kind === 'and') {
    const bounds = [timestampLowerBound(node.left), timestampLowerBound(node.right)].filter((b): b is number => b !== undefined);
    return bounds.length === 0 ? undefined : Math.max(...bounds);
  }
  if (node.kind === 'or') {
    const left = timestampLowerBound(node.left);
    const right = timestampLowerBound(node.right);
    return left === undefined || right === undefined ? undefined : Math.min(left, right);
  }
  if (node.kind !== 'compare') return undefined;
  const { left, right, op } = node;
  const isTs = (n: FilterNode) => n.kind === 'property' && n.name === TIMESTAMP;
  const num = (n: FilterNode) => (n.kind === 'literal' && n.type === 'Number' ? (n.value as number) : undefined);
  if (isTs(left) && num(right) !== undefined) {
    if (op === 'gt') return Math.floor(num(right)!) + 1;
    if (op === 'ge' || op === 'eq') return Math.ceil(num(right)!);
  }
  if (isTs(right) && num(left) !== undefined) {
    if (op === 'lt') return Math.floor(num(left)!) + 1;
    if (op === 'le' || op === 'eq') return Math.ceil(num(left)!);
  }
  return undefined;
}

/**
 * The values of `column` a matching row must have, when the filter is `column eq <text>` or a
 * disjunction of such terms (a document reader's re-read of some orders): lets the query look
 * rows up by key instead of scanning. Undefined when a literal has letters: text compares
 * case-insensitively (SQL Server's collation), and a key lookup is exact.
 */
export function equalityValues(node: FilterNode, column: string): string[] | undefined {
  if (node.kind === 'or') {
    const left = equalityValues(node.left, column);
    const right = left && equalityValues(node.right, column);
    return left && right ? [...left, ...right] : undefined;
  }
  if (node.kind !== 'compare' || node.op !== 'eq') return undefined;
  const [property, literal] = node.left.kind === 'property' ? [node.left, node.right] : [node.right, node.left];
  if (property.kind !== 'property' || property.name !== column || literal.kind !== 'literal' || typeof literal.value !== 'string') return undefined;
  const value = literal.value;
  return value.toLowerCase() === value.toUpperCase() ? [value] : undefined;
}
