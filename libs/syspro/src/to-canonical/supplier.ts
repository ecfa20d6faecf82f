import { compact, type MapResult, type SourceRecord, SupplierData } from '@mlc/events';
import type { SysproRow } from '../wire.js';
import type { SysproMapping } from './mapping.js';
import { flag, instant, mapRow, peek, requiredText, text } from './read.js';

/** ApSupplier row → canonical supplier, keyed by the supplier code. */
export function toCanonicalSupplier(row: SysproRow, mapping: SysproMapping): MapResult<SourceRecord<SupplierData>> {
  const { columns, onHoldValues, inactiveValues } = mapping.supplier;
  return mapRow(
    { entity: 'supplier', key: peek(row, columns.number) },
    () => {
      const number = requiredText(row, columns.number);
      const lines = columns.addressLines.map((c) => text(row, c)).filter((l): l is string => l !== undefined);
      const country = text(row, columns.country)?.toUpperCase();
      const data: SupplierData = {
        number,
        name: requiredText(row, columns.name),
        // Inactive beats on hold: a supplier nobody may use is not merely paused.
        status: flag(row, columns.inactive, inactiveValues) ? 'inactive' : flag(row, columns.onHold, onHoldValues) ? 'on-hold' : 'active',
        currency: text(row, columns.currency)?.toUpperCase() ?? mapping.defaultCurrency,
        paymentTerms: text(row, columns.paymentTerms),
        taxId: text(row, columns.taxId),
        contact: compact({ name: text(row, columns.contactName), email: text(row, columns.email), phone: text(row, columns.phone) }),
        address:
          lines.length > 0 || text(row, columns.city) !== undefined || text(row, columns.postalCode) !== undefined
            ? compact({
                lines,
                city: text(row, columns.city),
                region: text(row, columns.region),
                postalCode: text(row, columns.postalCode),
                country,
              })
            : undefined,
      };
      return {
        key: number,
        data: compact(data),
        occurredAt: instant(row, columns.changedAt, mapping.dates.timeZone),
        actor: text(row, columns.actor),
      };
    },
    SupplierData,
  );
}
