import { InvoiceData, invoiceKey, type InvoiceLine, type MapResult, type SourceRecord, stopMapping } from '@mlc/events';
import type { SysproRow } from '../wire.js';
import type { SysproMapping } from './mapping.js';
import {
  orderedLines,
  calendarDate,
  decimal,
  instant,
  mapRow,
  peek,
  positiveInt,
  requiredCalendarDate,
  requiredDecimal,
  requiredText,
  text,
} from './read.js';

/**
 * ApInvoice row (+ its line rows, where the connection exposes them) → canonical invoice. With no
 * line rows and `summaryLineWhenNoLines`, one line carries the invoice total, so targets that
 * require lines still get a valid document.
 */
export function toCanonicalInvoice(header: SysproRow, lines: readonly SysproRow[], mapping: SysproMapping): MapResult<SourceRecord<InvoiceData>> {
  const { header: h, line: l, statuses, defaultStatus, summaryLineWhenNoLines } = mapping.invoice;
  const timeZone = mapping.dates.timeZone;
  return mapRow(
    { entity: 'invoice', supplier: peek(header, h.supplier), invoice: peek(header, h.number) },
    () => {
      const supplierNumber = requiredText(header, h.supplier);
      const number = requiredText(header, h.number);
      const total = requiredDecimal(header, h.total);
      const poNumber = text(header, h.poNumber);

      let status = defaultStatus;
      if (h.status !== undefined) {
        const code = requiredText(header, h.status);
        status = statuses[code] ?? stopMapping('unknown SYSPRO invoice status code', { column: h.status, code });
      }
      const balance = decimal(header, h.balance);
      if (balance !== undefined && Number(balance) === 0 && Number(total) !== 0 && status === 'posted') status = 'paid';

      const mappedLines: InvoiceLine[] = [];
      for (const row of lines) {
        if (requiredText(row, l.supplier) !== supplierNumber || requiredText(row, l.invoice) !== number) {
          stopMapping('line belongs to another invoice', { column: l.invoice });
        }
        const amount = requiredDecimal(row, l.amount);
        const line: InvoiceLine = {
          lineNumber: positiveInt(row, l.lineNumber) ?? stopMapping('line number is missing', { column: l.lineNumber }),
          description: text(row, l.description) ?? '',
          quantity: decimal(row, l.quantity) ?? '1',
          unitPrice: decimal(row, l.unitPrice) ?? amount,
          amount,
        };
        const optional = {
          poNumber: text(row, l.poNumber) ?? poNumber,
          poLineNumber: positiveInt(row, l.poLineNumber),
          glAccount: text(row, l.glAccount),
          costCentre: text(row, l.costCentre),
        };
        for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(line, { [k]: v });
        mappedLines.push(line);
      }
      orderedLines(mappedLines, l.lineNumber);
      if (mappedLines.length === 0 && summaryLineWhenNoLines) {
        const tax = decimal(header, h.tax);
        // SYSPRO's invoice value includes tax; the summary line carries the net amount.
        const net = tax === undefined ? total : subtract(total, tax);
        mappedLines.push({ lineNumber: 1, description: `Invoice ${number}`, quantity: '1', unitPrice: net, amount: net, ...(poNumber ? { poNumber } : {}) });
      }

      const data: InvoiceData = {
        number,
        supplierNumber,
        invoiceDate: requiredCalendarDate(header, h.invoiceDate, timeZone),
        currency: text(header, h.currency)?.toUpperCase() ?? mapping.defaultCurrency,
        status,
        total,
        lines: mappedLines,
      };
      const optional = { dueDate: calendarDate(header, h.dueDate, timeZone), poNumber, taxAmount: decimal(header, h.tax) };
      for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(data, { [k]: v });
      return {
        key: invoiceKey({ supplierNumber, number }),
        data,
        occurredAt: instant(header, h.changedAt, timeZone),
        actor: text(header, h.actor),
      };
    },
    InvoiceData,
  );
}

// Exact decimal subtraction on strings: binary floats would turn 100.10 - 15.01 into 85.08999….
function subtract(a: string, b: string): string {
  const scale = Math.max(fraction(a), fraction(b));
  const diff = toScaled(a, scale) - toScaled(b, scale);
  const negative = diff < 0n;
  const digits = (negative ? -diff : diff).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${frac}` : ''}`;
}

function fraction(value: string): number {
  return value.split('.')[1]?.length ?? 0;
}

function toScaled(value: string, scale: number): bigint {
  const [whole = '0', frac = ''] = value.split('.');
  const negative = whole.startsWith('-');
  const digits = BigInt(`${whole.replace('-', '')}${frac.padEnd(scale, '0')}`);
  return negative ? -digits : digits;
}
