import { DEFAULT_ENTITY_SETS } from './wire.js';
import { f, odataIdentifier, selectList } from './odata-filter.js';
import type { SysproODataClient } from './odata-client.js';

export interface SysproSupplierLookup {
  /** The supplier SYSPRO holds under `number` (its id is the number itself), or undefined. */
  find(number: string): Promise<{ id: string } | undefined>;
}

export interface SysproSupplierLookupParams {
  odata: SysproODataClient;
  /** Default `ApSupplier`, as syspro-poller reads it (`syspro.poll.entities.supplier.entitySet`). */
  entitySet?: string;
  /** Default `Supplier` (`mappings.syspro.supplier.columns.number`). */
  numberColumn?: string;
}

/**
 * Whether SYSPRO holds a supplier, the one place syspro-writer decides between APSSSP Add and
 * Update. It reads the OData side the connection already has (`ApSupplier`, filtered on the key
 * column, one row) rather than an e.net Query object (APSQRY), because:
 * - the OData service and the `ApSupplier` table with its `Supplier` key are in SYSPRO's public
 *   material and syspro-poller already reads them; APSQRY's XmlIn/XmlOut shape is not documented
 *   anywhere we could find (vendors.md §1.2 names it only);
 * - an e.net call holds one of the customer's e.net licences (`syspro.enet.concurrency`), OData
 *   holds none, so the lookup never queues behind the writes it precedes.
 * Both read the same company database, so a supplier APSSSP just added is found by the next lookup
 * (what makes a redelivery after a crash update instead of adding twice).
 */
export function createSysproSupplierLookup({ odata, entitySet = DEFAULT_ENTITY_SETS.supplier, numberColumn = 'Supplier' }: SysproSupplierLookupParams): SysproSupplierLookup {
  odataIdentifier(entitySet, 'entitySet');
  odataIdentifier(numberColumn);
  return {
    async find(number) {
      for await (const page of odata.pages(entitySet, { filter: f.eq(numberColumn, number), select: selectList([numberColumn]), top: 1 })) {
        const row = page.rows[0];
        // The number as the event has it: SYSPRO may pad char keys (`ACME01   `).
        if (row !== undefined) return { id: number };
      }
      return undefined;
    },
  };
}
