import { MlcError } from '@mlc/errors';
import type { CanonicalEvent, SupplierEvent } from '@mlc/events';
import type { Logger } from '@mlc/log';
import { toApssspWrite, type ApssspConfig, type ApssspDocuments, type ApssspField, type SysproEnetClient, type SysproSupplierLookup } from '@mlc/syspro';
import { createWritePath, type ForceOption, type SupplierAdmission, type SupplierLeaf, type TargetRecordStore, type WriteResult } from '@mlc/writer';

export type { SupplierAdmission };

// APSSSP field → the canonical supplier leaves it writes. On hold is only part of the status, and
// is written on Add only by default: it is not compared. The remit-to address is the canonical address.
const APSSSP_LEAVES: Readonly<Record<ApssspField, readonly SupplierLeaf[]>> = {
  name: ['name'],
  paymentTerms: ['paymentTerms'],
  taxId: ['taxId'],
  contact: ['contact.name', 'contact.email', 'contact.phone'],
  currency: ['currency'],
  onHold: [],
  address: ['address.lines', 'address.postalCode'],
  remitTo: ['address.lines', 'address.postalCode'],
  bank: ['bank.accountNumber', 'bank.iban', 'bank.bankCode'],
};
const APSSSP_GROUP: Readonly<Record<ApssspField, string>> = {
  name: 'name',
  paymentTerms: 'paymentTerms',
  taxId: 'taxId',
  contact: 'contact',
  currency: 'currency',
  onHold: 'status',
  address: 'address',
  remitTo: 'address',
  bank: 'bank',
};

/** Supplier leaves an APSSSP Update writes with this configuration (what two-way sync compares for SYSPRO). */
export function apssspWrites(config: ApssspConfig): SupplierLeaf[] {
  return [...new Set(config.fields.flatMap((field) => APSSSP_LEAVES[field]))];
}

/** The configuration with its Update fields cut down to the given canonical field groups. */
function updatingOnly(config: ApssspConfig, groups: readonly string[]): ApssspConfig {
  return { ...config, fields: config.fields.filter((field) => groups.includes(APSSSP_GROUP[field])) };
}

export interface SysproHandlerDeps {
  enet: Pick<SysproEnetClient, 'setup'>;
  suppliers: SysproSupplierLookup;
  records: TargetRecordStore;
  apsssp: ApssspConfig;
  /** Two-way sync's admission (echoes, ownership); unset: every change is written. */
  admit?: SupplierAdmission;
  logger?: Logger;
}

/**
 * syspro-writer's handler: one canonical Coupa supplier in, one SYSPRO supplier written through
 * APSSSP (or nothing, when it was already written). Add or Update is chosen by asking SYSPRO
 * whether it holds the supplier number, every time, never from memory: a redelivery after a crash
 * between the Add and the commit finds the supplier and updates it instead of adding it twice.
 */
export function createSysproHandler({ enet, suppliers, records, apsssp, admit, logger }: SysproHandlerDeps) {
  const { upsert } = createWritePath({ system: 'syspro', records });

  async function call(method: 'Add' | 'Update', docs: ApssspDocuments, number: string): Promise<{ id: string }> {
    const { warnings } = await enet.setup(method, docs.businessObject, docs.xmlParameters, docs.xmlIn);
    // Only with ignoreWarnings: otherwise SYSPRO answers warnings as errors and the call failed.
    if (warnings.length > 0) logger?.warn({ supplier: number, method, warnings }, 'SYSPRO accepted the supplier with warnings');
    return { id: number };
  }

  async function supplier(event: SupplierEvent, replay: ForceOption | undefined): Promise<WriteResult> {
    const admitted = admit ? await admit(event, replay) : undefined;
    if (admitted?.write === false) return admitted.result;
    const number = event.data.number;
    const written = await upsert({
      event,
      replay,
      // The record read with the sync state, and written with it (one statement each side of the calls).
      ...(admitted ? { previous: { record: admitted.previous }, remember: admitted.remember } : {}),
      // Add carries the whole supplier (SYSPRO lacks it); Update only the admitted groups.
      body: () => toApssspWrite(admitted?.data ?? event.data, admitted ? updatingOnly(apsssp, admitted.groups) : apsssp),
      // The SYSPRO id is the supplier number itself: only asking SYSPRO tells whether it is there.
      updateRememberedId: false,
      find: () => suppliers.find(number),
      create: (docs) => call('Add', docs.add, number),
      update: (_id, docs) => call('Update', docs.update, number),
    });
    return admitted ? admitted.settle(written) : written;
  }

  return function handle(event: CanonicalEvent, { replay }: { replay?: ForceOption | undefined } = {}): Promise<WriteResult> {
    if (event.type === 'supplier.changed') return supplier(event, replay);
    return Promise.reject(
      new MlcError('MLC_MAPPING_FAILED', `syspro-writer writes suppliers only, not ${event.entity.type}`, { context: { eventId: event.id, entity: event.entity } }),
    );
  };
}
