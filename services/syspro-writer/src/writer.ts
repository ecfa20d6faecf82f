import { MlcError } from '@mlc/errors';
import { topicFor } from '@mlc/events';
import { DEFAULT_ENTITY_SETS, SysproMapping, createSysproSupplierLookup, sysproEnetClientFromSettings, sysproODataClientFromSettings, type SysproEnetClient } from '@mlc/syspro';
import { createSupplierSync, type WriterDefinition } from '@mlc/writer';
import { apssspWrites, createSysproHandler } from './handlers/syspro-handler.js';

/** Logoff is courtesy (it frees an e.net licence at once instead of at SYSPRO's idle timeout): bounded. */
const LOGOFF_DEADLINE_MS = 5_000;

/**
 * syspro-writer: Coupa suppliers in, SYSPRO suppliers out through e.net (APSSSP). A connection
 * whose `syspro` section has no `enet` is read-only: its events are answered `skipped`. At
 * shutdown, once no event is handled any more, each e.net session is logged off.
 */
export function createSysproWriter(): WriterDefinition<{ syspro: typeof SysproMapping }, 'syspro'> {
  const sessions: SysproEnetClient[] = [];
  return {
    name: 'syspro-writer',
    topics: [topicFor('coupa', 'supplier')],
    section: 'syspro',
    mappings: { syspro: SysproMapping },
    createHandler({ connection, records, syncState, logger }) {
      const { syspro } = connection;
      if (syspro.enet === undefined) {
        logger.warn('connection has no syspro.enet: SYSPRO is not written, its Coupa supplier changes are skipped');
        return Promise.resolve(() => Promise.resolve({ status: 'skipped', target: { system: 'syspro' } }));
      }
      const enet = sysproEnetClientFromSettings(syspro.enet, { logger });
      sessions.push(enet);
      const mapping = connection.mappings.syspro;
      const suppliers = createSysproSupplierLookup({
        odata: sysproODataClientFromSettings(syspro.odata, { logger }),
        entitySet: syspro.poll.entities.supplier?.entitySet ?? DEFAULT_ENTITY_SETS.supplier,
        numberColumn: mapping.supplier.columns.number,
      });
      const admit = createSupplierSync({ system: 'syspro', state: syncState, rules: connection.sync.supplier, writes: apssspWrites(mapping.apsssp) });
      const handle = createSysproHandler({ enet, suppliers, records, apsssp: mapping.apsssp, admit, logger });
      return Promise.resolve((event, ctx) => handle(event, ctx));
    },
    async close() {
      await Promise.all(
        sessions.map((enet) => {
          let timer: NodeJS.Timeout | undefined;
          const deadline = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new MlcError('MLC_HTTP_TIMEOUT', 'SYSPRO e.net logoff took too long')), LOGOFF_DEADLINE_MS);
          });
          return Promise.race([enet.logoff(), deadline]).finally(() => clearTimeout(timer));
        }),
      );
    },
  };
}
