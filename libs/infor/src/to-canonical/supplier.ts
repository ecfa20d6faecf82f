import { mapStopping, mapped, stopMapping, type MapResult, type SourceRecord, type SupplierData } from '@mlc/events';
import type { InforMapping } from '../mapping.js';
import type { MiRecord } from '../wire.js';

const CURRENCY = /^[A-Z]{3}$/;
const COUNTRY = /^[A-Z]{2}$/;
const M3_DATE = /^(\d{4})(\d{2})(\d{2})$/;
// LMTS: the CIDMAS change timestamp (decimal 18), read as milliseconds since the Unix epoch, UTC.
const TIMESTAMP = /^\d{10,15}$/;

function text(record: MiRecord, field: string): string | undefined {
  const value = record[field]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * When M3 says the supplier last changed: LMTS (a millisecond timestamp) where the record has it,
 * else the change date LMDT at midnight UTC (M3 dates carry no zone), else nothing (the poll time
 * then stands in).
 */
export function supplierChangedAt(record: MiRecord): string | undefined {
  const lmts = text(record, 'LMTS');
  if (lmts !== undefined && TIMESTAMP.test(lmts)) return new Date(Number(lmts)).toISOString();
  const date = M3_DATE.exec(text(record, 'LMDT') ?? '');
  if (date === null) return undefined;
  const at = new Date(`${date[1]}-${date[2]}-${date[3]}T00:00:00.000Z`);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/**
 * M3 supplier status (STAT) → canonical, through the same `mappings.infor.supplier.status` codes the
 * writer sends: the `active` code is active; the `on-hold` code, when it differs from the
 * `inactive` one, is on hold; every other code (10 preliminary, 90 blocked, …) is inactive, since
 * M3 lets only definite suppliers be ordered from.
 */
function statusOf(stat: string | undefined, { active, inactive, 'on-hold': onHold }: InforMapping['supplier']['status']): SupplierData['status'] {
  if (stat === active) return 'active';
  if (stat === onHold && onHold !== inactive) return 'on-hold';
  return 'inactive';
}

/**
 * One M3 supplier master record (CIDMAS fields as MI returns them: strings, right-trimmed) →
 * canonical supplier. The number is SUNO as is (the join key everywhere); codes pass through as
 * M3 names them (payment terms are translated for Coupa by `mappings.coupa.supplier.paymentTerms`).
 * CIDMAS holds no address lines, e-mail or bank details: only the country (CSCD) and phone (PHNO)
 * travel, and bank details never do from M3. A currency or country that is not an ISO code is
 * unmappable, naming the field.
 */
export function toCanonicalSupplier(record: MiRecord, mapping: InforMapping): MapResult<SourceRecord<SupplierData>> {
  const number = text(record, 'SUNO');
  return mapStopping({ key: number, source: 'M3 supplier' }, () => {
    if (number === undefined) stopMapping('M3 supplier record without SUNO', { field: 'SUNO' });
    const name = text(record, 'SUNM');
    if (name === undefined) stopMapping(`M3 supplier ${number} has no name (SUNM)`, { field: 'SUNM' });
    const currency = text(record, 'CUCD');
    if (currency !== undefined && !CURRENCY.test(currency)) stopMapping(`M3 supplier ${number} has currency ${currency}, not an ISO 4217 code`, { field: 'CUCD', currency });
    const country = text(record, 'CSCD');
    if (country !== undefined && !COUNTRY.test(country)) stopMapping(`M3 supplier ${number} has country ${country}, not an ISO 3166 alpha-2 code`, { field: 'CSCD', country });
    const phone = text(record, 'PHNO');

    const data: SupplierData = {
      number,
      name,
      status: statusOf(text(record, 'STAT'), mapping.supplier.status),
      ...(currency === undefined ? {} : { currency }),
      ...optional('paymentTerms', text(record, 'TEPY')),
      ...optional('taxId', text(record, 'VRNO')),
      ...(phone === undefined ? {} : { contact: { phone } }),
      ...(country === undefined ? {} : { address: { lines: [], country } }),
    };
    const occurredAt = supplierChangedAt(record);
    const actor = text(record, 'CHID');
    return mapped({ key: number, data, ...(occurredAt === undefined ? {} : { occurredAt }), ...(actor === undefined ? {} : { actor }) });
  });
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
