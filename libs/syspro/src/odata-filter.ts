import { MlcError } from '@mlc/errors';

/**
 * A safe builder for OData v4 `$filter` and `$orderby` text. Column names are checked against a
 * plain identifier pattern and every value becomes a typed literal, so neither configuration nor
 * record values can smuggle OData syntax into a query. Filters and literals are class instances
 * rather than strings so a raw string can never be mistaken for an already-built expression.
 */

// Stricter than OData's SimpleIdentifier (which allows any Unicode letter): SYSPRO's SQL column
// and table names are ASCII, and a narrow pattern is easier to reason about.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export function isODataIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** Returns `name` if it is a safe identifier; throws MLC_CONFIG_INVALID otherwise (names come from configuration). */
export function odataIdentifier(name: string, what = 'column'): string {
  if (!IDENTIFIER.test(name)) {
    throw new MlcError('MLC_CONFIG_INVALID', `${what} name is not a plain identifier`, { context: { [what]: name } });
  }
  return name;
}

// Only this module holds the token, so only the factories below can make literals and filters.
const TOKEN: unique symbol = Symbol('odata-filter');

export class ODataLiteral {
  readonly #text: string;
  constructor(token: typeof TOKEN, text: string) {
    if (token !== TOKEN) throw invalid('literal', text);
    this.#text = text;
  }
  get text(): string {
    return this.#text;
  }
  toString(): string {
    return this.#text;
  }
}

const literal = (text: string): ODataLiteral => new ODataLiteral(TOKEN, text);

function invalid(kind: string, value: unknown): MlcError {
  return new MlcError('MLC_INTERNAL', `not a valid OData ${kind} literal`, {
    context: { kind, value: typeof value === 'string' ? value.slice(0, 64) : String(value) },
  });
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
// OData v4 dateTimeOffsetValue: seconds and fraction optional, zone mandatory (Z or ±hh:mm).
const DATE_TIME_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,12})?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_TIME_LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,12})?)?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function validDate(date: string): boolean {
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(date);
}

/** Typed literal factories. */
export const lit = {
  /** A string literal; single quotes are doubled as OData requires. */
  string(value: string): ODataLiteral {
    if (typeof value !== 'string') throw invalid('string', value);
    return literal(`'${value.replaceAll("'", "''")}'`);
  },
  number(value: number): ODataLiteral {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid('number', value);
    // String(-0) is "0"; exponents ("1e+21") are valid OData doubleValue syntax.
    return literal(String(value));
  },
  /** A decimal given as a string, e.g. "12.50", so large or precise values are sent unchanged. */
  decimal(value: string): ODataLiteral {
    if (typeof value !== 'string' || !DECIMAL.test(value)) throw invalid('decimal', value);
    return literal(value);
  },
  boolean(value: boolean): ODataLiteral {
    if (typeof value !== 'boolean') throw invalid('boolean', value);
    return literal(value ? 'true' : 'false');
  },
  null(): ODataLiteral {
    return literal('null');
  },
  /** Edm.Date: `2024-01-15` (unquoted in OData v4). */
  date(value: string): ODataLiteral {
    if (typeof value !== 'string' || !DATE.test(value) || !validDate(value)) throw invalid('date', value);
    return literal(value);
  },
  /** Edm.DateTimeOffset: a Date, or an ISO string that carries a zone (unquoted in OData v4). */
  dateTimeOffset(value: Date | string): ODataLiteral {
    if (value instanceof Date) {
      // toISOString writes years outside 0000-9999 as ±YYYYYY, which is no OData literal.
      const text = Number.isNaN(value.getTime()) ? '' : value.toISOString();
      if (!DATE_TIME_OFFSET.test(text)) throw invalid('dateTimeOffset', value);
      return literal(text);
    }
    if (typeof value !== 'string' || !DATE_TIME_OFFSET.test(value) || !validDate(value.slice(0, 10))) {
      throw invalid('dateTimeOffset', value);
    }
    return literal(value);
  },
  /**
   * A zone-less date-time (`2024-01-15T10:00:00`). Not an OData v4 literal form; only for a service
   * that exposes SQL `datetime` columns without a zone and rejects the `Z` form (configurable).
   */
  dateTimeLocal(value: string): ODataLiteral {
    if (typeof value !== 'string' || !DATE_TIME_LOCAL.test(value) || !validDate(value.slice(0, 10))) {
      throw invalid('dateTimeLocal', value);
    }
    return literal(value);
  },
  /** Edm.Binary from standard base64 (as OData JSON carries binary); the literal uses base64url. */
  binary(base64: string): ODataLiteral {
    if (typeof base64 !== 'string' || !BASE64.test(base64) || base64.length % 4 !== 0) throw invalid('binary', base64);
    const url = base64.replaceAll('+', '-').replaceAll('/', '_');
    return literal(`binary'${url}'`);
  },
} as const;

export class ODataFilter {
  readonly #text: string;
  constructor(token: typeof TOKEN, text: string) {
    if (token !== TOKEN) throw invalid('filter', text);
    this.#text = text;
  }
  get text(): string {
    return this.#text;
  }
  toString(): string {
    return this.#text;
  }
}

const filter = (text: string): ODataFilter => new ODataFilter(TOKEN, text);

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
const OPERATORS: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

/** A JS value turned into a literal by its type; strings always become string literals. */
export type FilterValue = ODataLiteral | string | number | boolean | null | Date;

export function toLiteral(value: FilterValue): ODataLiteral {
  if (value instanceof ODataLiteral) return value;
  if (value === null) return lit.null();
  if (value instanceof Date) return lit.dateTimeOffset(value);
  switch (typeof value) {
    case 'string':
      return lit.string(value);
    case 'number':
      return lit.number(value);
    case 'boolean':
      return lit.boolean(value);
    default:
      throw invalid('value', value);
  }
}

function compare(op: ComparisonOperator, column: string, value: FilterValue): ODataFilter {
  if (!OPERATORS.has(op)) throw invalid('operator', op);
  return filter(`${odataIdentifier(column)} ${op} ${toLiteral(value).text}`);
}

function join(op: 'and' | 'or', parts: readonly ODataFilter[]): ODataFilter {
  if (parts.length === 0) throw invalid(op, '(no operands)');
  for (const p of parts) if (!(p instanceof ODataFilter)) throw invalid(op, p);
  if (parts.length === 1) return parts[0]!;
  // Every operand is parenthesised so precedence never depends on what the operands contain.
  return filter(parts.map((p) => `(${p.text})`).join(` ${op} `));
}

/** Filter combinators: `f.and(f.ge('LastChanged', lit.dateTimeOffset(d)), f.eq('Supplier', 'A''B'))`. */
export const f = {
  eq: (column: string, value: FilterValue) => compare('eq', column, value),
  ne: (column: string, value: FilterValue) => compare('ne', column, value),
  gt: (column: string, value: FilterValue) => compare('gt', column, value),
  ge: (column: string, value: FilterValue) => compare('ge', column, value),
  lt: (column: string, value: FilterValue) => compare('lt', column, value),
  le: (column: string, value: FilterValue) => compare('le', column, value),
  compare,
  and: (...parts: ODataFilter[]) => join('and', parts),
  or: (...parts: ODataFilter[]) => join('or', parts),
  not: (part: ODataFilter) => {
    if (!(part instanceof ODataFilter)) throw invalid('not', part);
    return filter(`not (${part.text})`);
  },
} as const;

export interface OrderBy {
  column: string;
  direction?: 'asc' | 'desc';
}

/** `$orderby` text from validated column names. */
export function orderBy(columns: readonly (string | OrderBy)[]): string {
  if (columns.length === 0) throw invalid('orderby', '(no columns)');
  return columns
    .map((c) => (typeof c === 'string' ? { column: c } : c))
    .map(({ column, direction }) => {
      if (direction !== undefined && direction !== 'asc' && direction !== 'desc') throw invalid('orderby direction', direction);
      return direction === undefined ? odataIdentifier(column) : `${odataIdentifier(column)} ${direction}`;
    })
    .join(',');
}

/** `$select` text from validated column names. */
export function selectList(columns: readonly string[]): string {
  if (columns.length === 0) throw invalid('select', '(no columns)');
  return columns.map((c) => odataIdentifier(c)).join(',');
}
