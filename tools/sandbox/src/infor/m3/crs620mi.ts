import { alpha, nok, num, toM3Date, type InputSpec, type MiRecord } from './protocol.js';
import { transaction, type Program } from './program.js';
import { MI_USER, changeStamp } from './state.js';

// Supplier master (CIDMAS/CIDVEN) fields the sandbox keeps; lengths follow M3's field catalogue.
const SUPPLIER_FIELDS: InputSpec = {
  SUNM: alpha(36),
  SUTY: num(1),
  STAT: alpha(2),
  SUCL: alpha(3),
  CSCD: alpha(3),
  CUCD: alpha(3),
  LNCD: alpha(2),
  TEPY: alpha(3),
  PYME: alpha(3),
  PHNO: alpha(16),
  TFNO: alpha(16),
  VRNO: alpha(16),
  CORG: alpha(10),
  ALSU: alpha(10),
  TEDL: alpha(3),
  MODL: alpha(3),
};

const ADD_SPEC: InputSpec = { CONO: num(3), SUNO: alpha(10, true), ...SUPPLIER_FIELDS, SUNM: alpha(36, true) };
const UPD_SPEC: InputSpec = { CONO: num(3), SUNO: alpha(10, true), ...SUPPLIER_FIELDS };

function missingSupplier(suno: string) {
  return nok('SUNO', 'WSU0203', `Supplier ${suno} does not exist`);
}

/** CRS620MI — Supplier. Interface. */
export const CRS620MI: Program = {
  AddSupplier: transaction(ADD_SPEC, (input, { state, cono, today }) => {
    const suno = input.SUNO!;
    if (state.suppliers.has(suno)) throw nok('SUNO', 'WSU0202', `Supplier ${suno} already exists`);
    const { CONO: _cono, ...fields } = input;
    const stamp = toM3Date(today);
    state.suppliers.set(suno, { CONO: cono, SUTY: '0', STAT: '20', ...fields, SUNO: suno, RGDT: stamp, ...changeStamp(undefined, today, MI_USER) });
    return [];
  }),

  // M3 update transactions leave blank inputs unchanged; only the fields sent are written.
  UpdSupplier: transaction(UPD_SPEC, (input, { state, today }) => {
    const current = state.suppliers.get(input.SUNO!);
    if (!current) throw missingSupplier(input.SUNO!);
    const { CONO: _cono, SUNO: _suno, ...changes } = input;
    state.suppliers.set(input.SUNO!, { ...current, ...changes, ...changeStamp(current, today, MI_USER) });
    return [];
  }),

  GetBasicData: transaction({ CONO: num(3), SUNO: alpha(10, true) }, (input, { state }) => {
    const supplier = state.suppliers.get(input.SUNO!);
    if (!supplier) throw missingSupplier(input.SUNO!);
    return [supplier];
  }),

  // Lists from SUNO (inclusive) upwards in key order; the executor applies maxrecs.
  LstByNumber: transaction({ CONO: num(3), SUNO: alpha(10) }, (input, { state }) => {
    const from = input.SUNO ?? '';
    return [...state.suppliers.values()]
      .filter((s) => s.SUNO! >= from)
      .sort((a, b) => (a.SUNO! < b.SUNO! ? -1 : 1)) satisfies MiRecord[];
  }),
};
