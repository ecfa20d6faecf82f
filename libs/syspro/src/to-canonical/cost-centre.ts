import { CostCentreData, type MapResult, type SourceRecord } from '@mlc/events';
import type { SysproRow } from '../wire.js';
import type { SysproMapping } from './mapping.js';
import { flag, instant, mapRow, peek, requiredText, text } from './read.js';

/** A cost-centre row (table configurable: unconfirmed in SYSPRO) → canonical cost centre. */
export function toCanonicalCostCentre(row: SysproRow, mapping: SysproMapping): MapResult<SourceRecord<CostCentreData>> {
  const { columns, inactiveValues } = mapping.costCentre;
  return mapRow(
    { entity: 'cost-centre', key: peek(row, columns.code) },
    () => {
      const code = requiredText(row, columns.code);
      const data: CostCentreData = {
        code,
        description: text(row, columns.description) ?? '',
        active: !flag(row, columns.inactive, inactiveValues),
      };
      return { key: code, data, occurredAt: instant(row, columns.changedAt, mapping.dates.timeZone) };
    },
    CostCentreData,
  );
}
