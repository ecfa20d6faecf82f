// A dev aid (no tests, not part of any build): coupa-writer's supplier path alone, no Kafka: N new suppliers through
// createCoupaHandler with the real PostgreSQL stores and the Coupa simulator in its own process,
// `conc` at once (as partitions). Prints CPU µs per supplier of this process and of the simulator.
// node --conditions=source --import tsx tools/bench/scripts/coupa-handler-cpu.ts [n=2000] [conc=6]
import { CoupaMapping, createCoupaClient } from '@mlc/coupa';
import { SyncSettings } from '@mlc/config';
import { createPool, migrate } from '@mlc/db';
import { buildEvent } from '@mlc/events';
import { isolatedSchemaUrl } from '@mlc/testing';
import { createSupplierSync, createSyncStateStore, createTargetRecordStore, TARGET_RECORDS_MIGRATIONS } from '@mlc/writer';
import { COUPA_SUPPLIER_WRITES, createCoupaHandler } from '../../../services/coupa-writer/src/handlers/coupa-handler.js';
import { startCoupaProcess } from '../src/simulator-process.js';
import { cpuSeconds } from '../src/proc-cpu.js';

const n = Number(process.argv[2] ?? 2000);
const conc = Number(process.argv[3] ?? 6);
const coupaSim = await startCoupaProcess({ rateLimit: false });
const cleanup: Array<() => Promise<void>> = [];
const pool = createPool(await isolatedSchemaUrl({ after: (fn) => cleanup.push(fn) }, 'handler_cpu'), { max: 10 });
await migrate(pool, { component: 'writer', dir: TARGET_RECORDS_MIGRATIONS });
const records = createTargetRecordStore({ db: pool });
const state = createSyncStateStore({ db: pool });
const ep = coupaSim.endpoint as { url: string; clientId: string; clientSecret: string; scopes: string[] };
const coupa = createCoupaClient({ url: ep.url, clientId: ep.clientId, clientSecret: ep.clientSecret, scopes: ep.scopes, rateLimit: false });
const admitSupplier = createSupplierSync({ system: 'coupa', state, rules: SyncSettings.parse({}).supplier, writes: COUPA_SUPPLIER_WRITES });
const handle = createCoupaHandler({ coupa, records, mapping: CoupaMapping.parse({}), admitSupplier });
const at = '2026-01-01T00:00:00Z';
const event = (i: number) =>
  buildEvent({
    source: 'syspro', connection: 'acme', entity: 'supplier', key: `W${i}`, occurredAt: at, observedAt: at, correlationId: `c${i}`,
    data: { number: `W${i}`, name: `Supplier ${i}`, status: 'active', currency: 'ZAR', paymentTerms: '30', taxId: `T${i}`, contact: { name: 'Jo', email: `jo${i}@x.test`, phone: '+27 11 000' }, address: { lines: ['1 Main Rd'], city: 'Johannesburg', postalCode: '2000', country: 'ZA' } },
  });
// Events are built before the measured phase: only the handler's work is counted.
async function run(events: ReturnType<typeof event>[]) {
  let next = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    while (next < events.length) {
      const r = await handle(events[next++]!);
      if (r.status !== 'created') throw new Error(`unexpected ${r.status}`);
    }
  }));
}
const batch = (from: number, count: number) => Array.from({ length: count }, (_, i) => event(from + i));
await run(batch(0, 300)); // warm-up: JIT, connections, token
const measured = batch(1000, n);
const c0 = process.cpuUsage();
const s0 = cpuSeconds(coupaSim.pid)!;
const t0 = performance.now();
await run(measured);
const wall = performance.now() - t0;
const c = process.cpuUsage(c0);
const s = cpuSeconds(coupaSim.pid)! - s0;
console.log(`${n} new suppliers, ${conc} at once: ${(n / (wall / 1000)).toFixed(0)} rec/s; CPU per supplier: handler process ${((c.user + c.system) / n).toFixed(0)} µs (user ${(c.user / n).toFixed(0)}, system ${(c.system / n).toFixed(0)}), Coupa simulator ${((s * 1e6) / n).toFixed(0)} µs`);
await pool.end();
for (const fn of cleanup) await fn();
await coupaSim.close();
