/**
 * Coupa's query-string language (`attr[op]=value`, nesting by association, `limit`/`offset`), as a
 * pure parser plus a matcher over records in their JSON wire shape.
 */
export const OPERATORS = [
  'contains',
  'starts_with',
  'ends_with',
  'gt',
  'lt',
  'gt_or_eq',
  'lt_or_eq',
  'not_eq',
  'in',
  'not_in',
  'blank',
] as const;
export type Operator = (typeof OPERATORS)[number] | 'eq';

export interface Filter {
  /** Attribute path in wire names, e.g. ['supplier', 'number'] or ['order-lines', 'account', 'code']. */
  path: string[];
  op: Operator;
  value: string;
}

export interface ParsedQuery {
  filters: Filter[];
  limit: number;
  offset: number;
  orderBy?: string;
  descending: boolean;
}

export type QueryProblem = { param: string; message: string };

/** Parameters that steer the query rather than filter it. `fields` and `return_object` are accepted and ignored. */
const CONTROL = new Set(['limit', 'offset', 'order_by', 'dir', 'fields', 'return_object', 'exported_by']);

const OPERATOR_SET = new Set<string>(OPERATORS);

/** Coupa documents both `created_at` and `created-at`; the wire (JSON) names are hyphenated. */
const wireName = (segment: string): string => segment.replace(/_/g, '-');

function segmentsOf(key: string): string[] | undefined {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) return undefined;
  const rest = [...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!);
  return [match[1]!, ...rest];
}

export function parseQuery(
  params: Iterable<[string, string]>,
  { defaultLimit, maxLimit }: { defaultLimit: number; maxLimit: number },
): { query: ParsedQuery } | { problems: QueryProblem[] } {
  const filters: Filter[] = [];
  const problems: QueryProblem[] = [];
  let limit = defaultLimit;
  let offset = 0;
  let orderBy: string | undefined;
  let descending = false;
  for (const [key, value] of params) {
    if (CONTROL.has(key)) {
      if (key === 'limit' || key === 'offset') {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) problems.push({ param: key, message: 'must be a non-negative integer' });
        else if (key === 'limit') limit = Math.min(n, maxLimit);
        else offset = n;
      } else if (key === 'order_by') orderBy = wireName(value);
      else if (key === 'dir') descending = value.toLowerCase() === 'desc';
      continue;
    }
    const segments = segmentsOf(key);
    if (!segments || segments.some((s) => s === '')) {
      problems.push({ param: key, message: 'is not a valid attribute expression' });
      continue;
    }
    const last = segments[segments.length - 1]!;
    const op: Operator = segments.length > 1 && OPERATOR_SET.has(last) ? (last as Operator) : 'eq';
    const path = (op === 'eq' ? segments : segments.slice(0, -1)).map(wireName);
    filters.push({ path, op, value });
  }
  if (problems.length > 0) return { problems };
  return { query: { filters, limit, offset, ...(orderBy ? { orderBy } : {}), descending } };
}

type Scalar = string | number | boolean | null | undefined;

/** Every value reachable by `path`; arrays (collections such as `order-lines`) fan out. */
function valuesAt(node: unknown, path: readonly string[]): Scalar[] {
  if (Array.isArray(node)) return node.flatMap((item) => valuesAt(item, path));
  if (path.length === 0) {
    if (node === null || node === undefined || typeof node !== 'object') return [node as Scalar];
    return [];
  }
  if (node === null || typeof node !== 'object') return [undefined];
  return valuesAt((node as Record<string, unknown>)[path[0]!], path.slice(1));
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

function compare(actual: Scalar, expected: string): number | undefined {
  if (actual === null || actual === undefined) return undefined;
  if (typeof actual === 'number' || (typeof actual === 'string' && actual !== '' && !Number.isNaN(Number(actual)) && !ISO_DATE.test(actual))) {
    const a = Number(actual);
    const e = Number(expected);
    if (Number.isNaN(e)) return undefined;
    return a === e ? 0 : a < e ? -1 : 1;
  }
  if (typeof actual === 'string' && ISO_DATE.test(actual) && ISO_DATE.test(expected)) {
    const a = Date.parse(actual);
    const e = Date.parse(expected);
    if (Number.isNaN(a) || Number.isNaN(e)) return undefined;
    return a === e ? 0 : a < e ? -1 : 1;
  }
  const a = String(actual);
  return a === expected ? 0 : a < expected ? -1 : 1;
}

function equals(actual: Scalar, expected: string): boolean {
  if (typeof actual === 'boolean') return String(actual) === expected.toLowerCase();
  if (actual === null || actual === undefined) return false;
  if (typeof actual === 'number') return actual === Number(expected);
  return actual === expected;
}

const isBlank = (v: Scalar): boolean => v === null || v === undefined || v === '';

function matchesScalar(actual: Scalar, op: Operator, value: string): boolean {
  switch (op) {
    case 'eq':
      return equals(actual, value);
    case 'not_eq':
      return !equals(actual, value);
    case 'contains':
      return typeof actual === 'string' && actual.toLowerCase().includes(value.toLowerCase());
    case 'starts_with':
      return typeof actual === 'string' && actual.toLowerCase().startsWith(value.toLowerCase());
    case 'ends_with':
      return typeof actual === 'string' && actual.toLowerCase().endsWith(value.toLowerCase());
    case 'gt':
    case 'lt':
    case 'gt_or_eq':
    case 'lt_or_eq': {
      const c = compare(actual, value);
      if (c === undefined) return false;
      return op === 'gt' ? c > 0 : op === 'lt' ? c < 0 : op === 'gt_or_eq' ? c >= 0 : c <= 0;
    }
    case 'in':
      return value.split(',').some((v) => equals(actual, v.trim()));
    case 'not_in':
      return !value.split(',').some((v) => equals(actual, v.trim()));
    case 'blank':
      return isBlank(actual) === (value.toLowerCase() !== 'false');
    default: {
      const unreachable: never = op;
      throw new Error(`unknown operator ${String(unreachable)}`);
    }
  }
}

/** A record matches when every filter matches; on collections one matching element is enough. */
export function matches(record: unknown, filters: readonly Filter[]): boolean {
  return filters.every((f) => {
    const values = valuesAt(record, f.path);
    if (values.length === 0) return f.op === 'blank' ? f.value.toLowerCase() !== 'false' : f.op === 'not_eq' || f.op === 'not_in';
    return values.some((v) => matchesScalar(v, f.op, f.value));
  });
}
