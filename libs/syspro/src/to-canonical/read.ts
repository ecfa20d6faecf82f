import type { z } from 'zod';
import { mapStopping, mapped, parseOnce, stopMapping, unmappable, type MapResult, type SourceRecord } from '@mlc/events';
import { earliestInstant, localDate } from '../local-time.js';
import type { SysproRow } from '../wire.js';

/** Runs a mapper body; a reader's failure becomes `{ ok: false, error: MLC_MAPPING_FAILED }` with the entity context. */
export function mapRow<T>(
  context: Record<string, unknown>,
  body: () => { key: string; data: unknown; occurredAt?: string | undefined; actor?: string | undefined },
  schema: z.ZodType<T>,
): MapResult<SourceRecord<T>> {
  return mapStopping(context, () => {
    const { key, data, occurredAt, actor } = body();
    // Parsed once: buildEvent takes the frozen output without parsing it again.
    const parsed = parseOnce(schema, data);
    if (!parsed.success) {
      const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)');
      return unmappable('mapped record does not match the canonical schema', { ...context, key, paths });
    }
    const record: SourceRecord<T> = { key, data: parsed.data };
    if (occurredAt !== undefined) record.occurredAt = occurredAt;
    if (actor !== undefined) record.actor = actor;
    return mapped(record);
  });
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** The trimmed text of a column for error context; never fails. */
export function peek(row: SysproRow, column: string): string | undefined {
  const value = row[column];
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : undefined;
}

/** Trimmed text (SQL char columns arrive space-padded); blank and null are absent. */
export function text(row: SysproRow, column: string | undefined): string | undefined {
  if (column === undefined) return undefined;
  const value = row[column];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return stopMapping('column is not text', { column, valueType: typeOf(value) });
}

export function requiredText(row: SysproRow, column: string): string {
  return text(row, column) ?? stopMapping('required column is missing or blank', { column });
}

const DECIMAL = /^[-+]?\d+(\.\d+)?$/;

function decimalOf(value: number): string {
  if (Number.isInteger(value)) return BigInt(value).toString();
  const plain = String(value);
  if (!/e/i.test(plain)) return plain;
  // Tiny or huge doubles print with an exponent; canonical decimals never do.
  return value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/** A decimal string ("12.50"); OData sends Edm.Decimal as a number, or as a string when IEEE754Compatible. */
export function decimal(row: SysproRow, column: string | undefined): string | undefined {
  if (column === undefined) return undefined;
  const value = row[column];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return decimalOf(value);
  if (typeof value === 'string' && value.trim() === '') return undefined;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return value.trim().replace(/^\+/, '');
  return stopMapping('column is not a decimal number', { column, valueType: typeOf(value) });
}

export function requiredDecimal(row: SysproRow, column: string): string {
  return decimal(row, column) ?? stopMapping('required number column is missing', { column });
}

export function positiveInt(row: SysproRow, column: string | undefined): number | undefined {
  const value = decimal(row, column);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) return stopMapping('column is not a positive whole number', { column });
  return n;
}

export function flag(row: SysproRow, column: string | undefined, yes: readonly string[]): boolean {
  const value = text(row, column);
  return value !== undefined && yes.includes(value);
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/;

function parts(row: SysproRow, column: string | undefined): { date: string; time?: string; zone?: string } | undefined {
  const value = text(row, column);
  if (value === undefined) return undefined;
  const m = DATE_TIME.exec(value);
  const date = m?.[1];
  if (m === null || date === undefined || !validDate(date)) return stopMapping('column is not an ISO date or date-time', { column });
  return { date, time: m[2], zone: m[3] };
}

function validDate(date: string): boolean {
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(date);
}

/**
 * A calendar date (YYYY-MM-DD). Zone-less values are SYSPRO wall-clock: their date part is taken
 * as-is. Values with a zone are instants: converted to the company zone first, so a local midnight
 * sent as the previous day's 22:00Z still lands on the right day.
 */
export function calendarDate(row: SysproRow, column: string | undefined, timeZone: string): string | undefined {
  const p = parts(row, column);
  if (p === undefined) return undefined;
  if (p.zone === undefined || p.time === undefined) return p.date;
  const instant = Date.parse(`${p.date}T${p.time}${normalizeZone(p.zone)}`);
  return localDate(instant, timeZone);
}

export function requiredCalendarDate(row: SysproRow, column: string, timeZone: string): string {
  return calendarDate(row, column, timeZone) ?? stopMapping('required date column is missing', { column });
}

/** An instant as ISO 8601 UTC; zone-less values are wall-clock time in the company zone. */
export function instant(row: SysproRow, column: string | undefined, timeZone: string): string | undefined {
  const p = parts(row, column);
  if (p === undefined) return undefined;
  const time = p.time ?? '00:00:00';
  if (p.zone !== undefined) return new Date(Date.parse(`${p.date}T${time}${normalizeZone(p.zone)}`)).toISOString();
  return new Date(earliestInstant(`${p.date}T${time}`, timeZone)).toISOString();
}

function normalizeZone(zone: string): string {
  return zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/** A document's lines in line-number order; two lines with one number stop the mapping (which row would win is unknowable). */
export function orderedLines<L extends { lineNumber: number }>(lines: L[], column: string): L[] {
  lines.sort((a, b) => a.lineNumber - b.lineNumber);
  const duplicate = lines.find((line, i) => i > 0 && lines[i - 1]!.lineNumber === line.lineNumber);
  if (duplicate !== undefined) stopMapping('duplicate line number', { column, lineNumber: duplicate.lineNumber });
  return lines;
}
