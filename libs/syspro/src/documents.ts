import { MlcError } from '@mlc/errors';
import type { SysproODataClient } from './odata-client.js';
import { f, orderBy } from './odata-filter.js';
import type { SysproRow } from './wire.js';

/**
 * Where a SYSPRO document's header and line rows live and which columns tie a line to its header.
 * SYSPRO splits a document (a purchase order: PorMasterHdr + PorMasterDetail; an invoice: ApInvoice
 * + its distributions) over two entity sets, and a change to either row republishes the whole document.
 */
export interface DocumentLayout {
  headerSet: string;
  lineSet: string;
  /** Header columns identifying a document: the PO number, or supplier + invoice number. */
  headerKey: string[];
  /** The line columns holding its header's key, in `headerKey` order. */
  lineOwner: string[];
  lineNumber: string;
}

/** One document: its header row and all its line rows, in line number order. */
export interface SysproDocument {
  header: SysproRow;
  lines: SysproRow[];
}

export interface DocumentReaderParams {
  odata: Pick<SysproODataClient, 'pages'>;
  /** Documents re-read per request: keeps the `$filter` URL short. */
  chunkSize?: number;
}

export interface DocumentReader {
  /** Each header with all its lines, read from the line set; in the order of `headers`. */
  withLines(layout: DocumentLayout, headers: readonly SysproRow[]): Promise<SysproDocument[]>;
  /** The whole documents that `lines` belong to: their headers re-read, then all their lines. */
  ofLines(layout: DocumentLayout, lines: readonly SysproRow[]): Promise<SysproDocument[]>;
}

function textKey(row: SysproRow, column: string): string | undefined {
  const value = row[column];
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A row's values of `columns` as one map key; undefined when one of them is blank. */
function compositeKey(row: SysproRow, columns: readonly string[]): string | undefined {
  const values = columns.map((column) => textKey(row, column));
  return values.every((v) => v !== undefined) ? JSON.stringify(values) : undefined;
}

function distinctKeys(rows: readonly SysproRow[], column: string): string[] {
  return [...new Set(rows.map((row) => textKey(row, column)).filter((k): k is string => k !== undefined))];
}

// Re-reads filter on one column, the document number (the last key column), which keeps the
// `$filter` short; callers narrow what it returns to exact keys where the number alone is not unique.
const lookupColumn = (columns: readonly string[]): string => columns[columns.length - 1]!;

/** Joins SYSPRO documents from their header and line entity sets, reading through `odata`. */
export function createDocumentReader({ odata, chunkSize = 40 }: DocumentReaderParams): DocumentReader {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new MlcError('MLC_CONFIG_INVALID', 'chunkSize must be a positive integer', { context: { chunkSize } });
  }

  async function readByKeys(entitySet: string, keyColumn: string, orderColumns: readonly string[], keys: readonly string[]): Promise<SysproRow[]> {
    const rows: SysproRow[] = [];
    for (let i = 0; i < keys.length; i += chunkSize) {
      const chunk = keys.slice(i, i + chunkSize);
      const filter = f.or(...chunk.map((key) => f.eq(keyColumn, key)));
      for await (const page of odata.pages(entitySet, { filter, orderby: orderBy(orderColumns) })) rows.push(...page.rows);
    }
    return rows;
  }

  async function withLines(layout: DocumentLayout, headers: readonly SysproRow[]): Promise<SysproDocument[]> {
    const { lineSet, headerKey, lineOwner, lineNumber } = layout;
    const lines = await readByKeys(lineSet, lookupColumn(lineOwner), [...lineOwner, lineNumber], distinctKeys(headers, lookupColumn(headerKey)));
    const linesByOwner = new Map<string, SysproRow[]>();
    for (const row of lines) {
      const owner = compositeKey(row, lineOwner);
      if (owner !== undefined) linesByOwner.set(owner, [...(linesByOwner.get(owner) ?? []), row]);
    }
    return headers.map((header) => ({ header, lines: linesByOwner.get(compositeKey(header, headerKey) ?? '') ?? [] }));
  }

  async function headersOf(layout: DocumentLayout, lines: readonly SysproRow[]): Promise<SysproRow[]> {
    const { headerSet, headerKey, lineOwner } = layout;
    const owners = new Set(lines.map((row) => compositeKey(row, lineOwner)).filter((k): k is string => k !== undefined));
    const candidates = await readByKeys(headerSet, lookupColumn(headerKey), headerKey, distinctKeys(lines, lookupColumn(lineOwner)));
    // Invoice numbers repeat across suppliers: another supplier's invoice with the same number is not ours.
    return candidates.filter((header) => owners.has(compositeKey(header, headerKey) ?? ''));
  }

  return {
    withLines,
    async ofLines(layout, lines) {
      return withLines(layout, await headersOf(layout, lines));
    },
  };
}
