import { GlAccountData, type MapResult, type SourceRecord } from '@mlc/events';
import type { SysproRow } from '../wire.js';
import type { SysproMapping } from './mapping.js';
import { flag, instant, mapRow, peek, requiredText, text } from './read.js';

/** GenMaster row → canonical GL account, keyed by the GL code. Unknown account type codes leave the type out. */
export function toCanonicalGlAccount(row: SysproRow, mapping: SysproMapping): MapResult<SourceRecord<GlAccountData>> {
  const { columns, accountTypes, inactiveValues } = mapping.glAccount;
  return mapRow(
    { entity: 'gl-account', key: peek(row, columns.code) },
    () => {
      const code = requiredText(row, columns.code);
      const typeCode = text(row, columns.accountType);
      const accountType = typeCode === undefined ? undefined : accountTypes[typeCode];
      const data: GlAccountData = {
        code,
        description: text(row, columns.description) ?? '',
        active: !flag(row, columns.inactive, inactiveValues),
        ...(accountType === undefined ? {} : { accountType }),
      };
      return { key: code, data, occurredAt: instant(row, columns.changedAt, mapping.dates.timeZone) };
    },
    GlAccountData,
  );
}
