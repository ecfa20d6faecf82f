import { MlcError } from '@mlc/errors';
import type { CanonicalEvent, SupplierEvent } from '@mlc/events';
import type { Logger } from '@mlc/log';
import { toApssspWrite, type ApssspConfig, type ApssspDocuments, type SysproEnetClient, type SysproSupplierLookup } from '@mlc/syspro';
import { createWritePath, type ForceOption, type TargetRecordStore, type WriteResult } from '@mlc/writer';

/**
 * Whether a supplier change is written to SYSPRO at all, judged before anything is asked of
 * SYSPRO: `write`, or a result that says why not (an echo of our own write, a field its sender
 * does not own). Two-way sync plugs its rules in here; today every change is written.
 */
export type SupplierAdmission = (event: SupplierEvent) => Promise<{ write: true } | { write: false; result: WriteResult }>;

export const admitEverything: SupplierAdmission = () => Promise.resolve({ write: true });

export interface SysproHandlerDeps {
  enet: Pick<SysproEnetClient, 'setup'>;
  suppliers: SysproSupplierLookup;
  records: TargetRecordStore;
  apsssp: ApssspConfig;
  admit?: SupplierAdmission;
  logger?: Logger;
}

/**
 * syspro-writer's handler: one canonical Coupa supplier in, one SYSPRO supplier written through
 * APSSSP (or nothing, when it was already written). Add or Update is chosen by asking SYSPRO
 * whether it holds the supplier number, every time, never from memory: a redelivery after a crash
 * between the Add and the commit finds the supplier and updates it instead of adding it twice.
 */
export function createSysproHandler({ enet, suppliers, records, apsssp, admit = admitEverything, logger }: SysproHandlerDeps) {
  const { upsert } = createWritePath({ system: 'syspro', records });

  async function call(method: 'Add' | 'Update', docs: ApssspDocuments, number: string): Promise<{ id: string }> {
    const { warnings } = await enet.setup(method, docs.businessObject, docs.xmlParameters, docs.xmlIn);
    // Only with ignoreWarnings: otherwise SYSPRO answers warnings as errors and the call failed.
    if (warnings.length > 0) logger?.warn({ supplier: number, method, warnings }, 'SYSPRO accepted the supplier with warnings');
    return { id: number };
  }

  async function supplier(event: SupplierEvent, replay: ForceOption | undefined): Promise<WriteResult> {
    const admission = await admit(event);
    if (!admission.write) return admission.result;
    const number = event.data.number;
    return upsert({
      event,
      replay,
      body: () => toApssspWrite(event.data, apsssp),
      // The SYSPRO id is the supplier number itself: only asking SYSPRO tells whether it is there.
      updateRememberedId: false,
      find: () => suppliers.find(number),
      create: (docs) => call('Add', docs.add, number),
      update: (_id, docs) => call('Update', docs.update, number),
    });
  }

  return function handle(event: CanonicalEvent, { replay }: { replay?: ForceOption | undefined } = {}): Promise<WriteResult> {
    if (event.type === 'supplier.changed') return supplier(event, replay);
    return Promise.reject(
      new MlcError('MLC_MAPPING_FAILED', `syspro-writer writes suppliers only, not ${event.entity.type}`, { context: { eventId: event.id, entity: event.entity } }),
    );
  };
}
