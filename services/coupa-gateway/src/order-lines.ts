import { toMlcError } from '@mlc/errors';
import type { Queryable } from './stores.js';

export interface OrderLine {
  id: number;
  lineNum: number;
}

/** Coupa order-line ids → PO line numbers, per connection. */
export interface OrderLineIndex {
  remember(connection: string, poNumber: string, lines: readonly OrderLine[]): Promise<void>;
  lookup(connection: string, ids: readonly number[]): Promise<Map<number, number>>;
}

/** Reads a PO's lines from Coupa's API (`undefined`: no such PO). For POs issued before the gateway ran. */
export type FetchOrderLines = (connection: string, poNumber: string) => Promise<readonly OrderLine[] | undefined>;

export function createOrderLineIndex({ db }: { db: Queryable }): OrderLineIndex {
  return {
    async remember(connection, poNumber, lines) {
      if (lines.length === 0) return;
      try {
        await db.query(
          `insert into coupa_gateway_order_lines (connection, order_line_id, po_number, line_num)
           select $1, id, $2, num from unnest($3::bigint[], $4::int[]) as l(id, num)
           on conflict (connection, order_line_id) do update set po_number = excluded.po_number, line_num = excluded.line_num, updated_at = now()`,
          [connection, poNumber, lines.map((l) => l.id), lines.map((l) => l.lineNum)],
        );
      } catch (error) {
        throw toMlcError(error, { operation: 'remember order lines', connection, poNumber });
      }
    },
    async lookup(connection, ids) {
      if (ids.length === 0) return new Map();
      try {
        const { rows } = await db.query<{ order_line_id: string; line_num: number }>(
          'select order_line_id, line_num from coupa_gateway_order_lines where connection = $1 and order_line_id = any($2::bigint[])',
          [connection, [...ids]],
        );
        return new Map(rows.map((r) => [Number(r.order_line_id), r.line_num]));
      } catch (error) {
        throw toMlcError(error, { operation: 'look up order lines', connection });
      }
    },
  };
}


const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const lineNumOf = (value: unknown) => (typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined);

/** The `{id, line-num}` pairs of a Coupa purchase order's JSON; anything malformed is skipped (the mapper reports it). */
export function orderLinesOf(record: unknown): OrderLine[] {
  const lines = isRecord(record) && Array.isArray(record['order-lines']) ? record['order-lines'] : [];
  return lines.flatMap((line) => {
    if (!isRecord(line) || typeof line.id !== 'number') return [];
    const lineNum = lineNumOf(line['line-num']);
    return lineNum === undefined ? [] : [{ id: line.id, lineNum }];
  });
}

/** Invoice lines that name a PO line only by its Coupa id: `{ id, poNumber }`. */
function unresolvedInvoiceLines(record: unknown): { id: number; poNumber: string | undefined }[] {
  const lines = isRecord(record) && Array.isArray(record['invoice-lines']) ? record['invoice-lines'] : [];
  return lines.flatMap((line) => {
    if (!isRecord(line) || typeof line['order-line-id'] !== 'number' || lineNumOf(line['order-line-num']) !== undefined) return [];
    return [{ id: line['order-line-id'], poNumber: typeof line['po-number'] === 'string' ? line['po-number'] : undefined }];
  });
}

/**
 * The PO line numbers an invoice's lines refer to: from what the gateway learned from PO
 * call-outs, else from Coupa's API (once per PO). A failing API call throws (retriable, so Coupa
 * retries the call-out); a PO Coupa does not know leaves its lines unresolved.
 */
export async function resolveOrderLineNumbers(params: {
  connection: string;
  invoice: unknown;
  index: OrderLineIndex;
  fetchOrderLines?: FetchOrderLines | undefined;
}): Promise<Map<number, number>> {
  const { connection, invoice, index, fetchOrderLines } = params;
  const wanted = unresolvedInvoiceLines(invoice);
  if (wanted.length === 0) return new Map();
  const known = await index.lookup(
    connection,
    wanted.map((w) => w.id),
  );
  if (fetchOrderLines === undefined) return known;
  const missingPos = new Set(wanted.filter((w) => !known.has(w.id) && w.poNumber !== undefined).map((w) => w.poNumber!));
  for (const poNumber of missingPos) {
    const lines = await fetchOrderLines(connection, poNumber);
    if (lines === undefined) continue;
    await index.remember(connection, poNumber, lines);
    for (const line of lines) known.set(line.id, line.lineNum);
  }
  return known;
}
