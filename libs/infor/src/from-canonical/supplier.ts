import { mapped, type MapResult, type SupplierData, unmappable } from '@mlc/events';
import type { InforMapping } from '../mapping.js';
import { tooLong } from './result.js';

/** CRS620MI AddSupplier/UpdSupplier input: the same fields serve both (SUNO is the key). */
export type M3SupplierRecord = Readonly<Record<string, string>> & { readonly SUNO: string; readonly SUNM: string };

const SUNM_LENGTH = 36;

/**
 * Canonical supplier → M3 supplier master fields. The supplier number is M3's SUNO as is (the
 * join key for orders and invoices, so it is never altered); the name is cut to M3's 36
 * characters (display only). Codes that do not fit their M3 field make the event unmappable.
 * UpdSupplier leaves blank inputs unchanged, so a value removed in Coupa stays in M3.
 */
export function toM3Supplier(data: SupplierData, mapping: InforMapping): MapResult<M3SupplierRecord> {
  const ctx = { supplierNumber: data.number };
  const { supplier } = mapping;
  if (tooLong(data.number, 10)) return unmappable(`supplier number ${data.number} is longer than M3's 10-character SUNO`, { ...ctx, field: 'SUNO' });
  const terms = data.paymentTerms === undefined ? undefined : (supplier.paymentTerms[data.paymentTerms] ?? data.paymentTerms);
  if (tooLong(terms, 3)) return unmappable(`payment terms ${terms} do not fit M3's TEPY (3); map them in mappings.infor.supplier.paymentTerms`, { ...ctx, field: 'TEPY', paymentTerms: terms });
  if (tooLong(data.taxId, 16)) return unmappable(`tax id of supplier ${data.number} is longer than M3's VRNO (16)`, { ...ctx, field: 'VRNO' });

  const record: Record<string, string> = {
    SUNO: data.number,
    SUNM: data.name.slice(0, SUNM_LENGTH),
    STAT: supplier.status[data.status],
  };
  const optional: Array<[string, string | undefined]> = [
    ['CUCD', data.currency],
    ['TEPY', terms],
    ['VRNO', data.taxId],
    ['CSCD', data.address?.country],
    // A phone longer than M3's 16 characters is left out (M3 keeps its own), not the whole supplier refused.
    ['PHNO', tooLong(data.contact?.phone, 16) ? undefined : data.contact?.phone],
    ['SUTY', supplier.supplierType],
    ['SUCL', supplier.supplierGroup],
    ['LNCD', supplier.language],
  ];
  for (const [bankKey, field] of Object.entries(supplier.bankFields)) {
    optional.push([field, data.bank?.[bankKey as keyof NonNullable<SupplierData['bank']>]]);
  }
  for (const [field, value] of optional) if (value !== undefined && value !== '') record[field] = value;
  return mapped(record as M3SupplierRecord);
}

// Canonical supplier field group → the M3 fields that carry it. The mapping's constants (SUTY,
// SUCL, LNCD) are not synced fields: they go with every write.
const GROUP_FIELDS: Readonly<Record<string, readonly string[]>> = {
  name: ['SUNM'],
  status: ['STAT'],
  currency: ['CUCD'],
  paymentTerms: ['TEPY'],
  taxId: ['VRNO'],
  contact: ['PHNO'],
  address: ['CSCD'],
};
const ALWAYS = ['SUNO', 'SUTY', 'SUCL', 'LNCD'];

/**
 * The part of an M3 supplier record carrying the given canonical field groups, for UpdSupplier
 * (which leaves fields it is not sent unchanged). Bank fields are `bank`'s, as the mapping names them.
 */
export type M3SupplierUpdate = Readonly<Record<string, string>> & { readonly SUNO: string };

export function m3SupplierUpdate(record: M3SupplierRecord, groups: readonly string[], mapping: InforMapping): M3SupplierUpdate {
  const fields = new Set([...ALWAYS, ...groups.flatMap((group) => (group === 'bank' ? Object.values(mapping.supplier.bankFields) : (GROUP_FIELDS[group] ?? [])))]);
  return Object.fromEntries(Object.entries(record).filter(([field]) => fields.has(field))) as M3SupplierUpdate;
}
