import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConnections } from '@mlc/config';
import { CoupaMapping, toCoupaSupplier } from '@mlc/coupa';
import { InforMapping } from '@mlc/infor';
import { createLogger } from '@mlc/log';
import { COUPA_PAGE_SIZE, reconcile, type ReconcileDeps } from '@mlc/mlc';
import { CoupaSupplierCreate, coupaEndpoint, createCoupaSupplierRecord, sandboxConnections, sysproEndpoints, startCoupaSimulator, startSysproSimulator } from '@mlc/sandbox';
import { SysproMapping, toCanonicalSupplier } from '@mlc/syspro';
import { intOption, type Bench, type BenchArgs, type SummaryRow } from './bench.js';

// Coupa's documented limits: 50 records per page, 25 requests per second (burst 20).
const PER_SECOND = 25;
const BURST = 20;

/**
 * `npm run bench -- reconcile [--suppliers 100000]`: SYSPRO and Coupa simulators holding the same
 * suppliers (Coupa's state filled with what the writer would have written), then one
 * `mlc reconcile --entity supplier` (the real function, the connection's real clients and
 * limiter), timed next to the lower bound Coupa's page size and request limit allow:
 * pages / 25 per second, less the burst. Needs no Kafka or Postgres: a report-only run records nothing.
 */
async function run(args: BenchArgs): Promise<SummaryRow[]> {
  const suppliers = intOption(args, 'suppliers', 100_000);
  const syspro = await startSysproSimulator({ seed: 5, sizes: { suppliers, purchaseOrders: 0, invoices: 0, glAccounts: 1, costCentres: 1 } });
  const coupa = await startCoupaSimulator({ seed: 5, sizes: { suppliers: 0, purchaseOrders: 0, invoices: 0, lookupValues: 0 }, rateLimit: { perSecond: PER_SECOND, burst: BURST } });
  const dir = mkdtempSync(join(tmpdir(), 'bench-reconcile-'));
  try {
    const [generated] = sandboxConnections({ syspro: { odata: sysproEndpoints(syspro).odata }, coupa: coupaEndpoint(coupa), webhookSecret: 'unused-webhook-secret' }).connections;
    const path = join(dir, 'connections.json');
    writeFileSync(path, JSON.stringify({ allowLiteralSecrets: true, connections: [{ ...generated!, id: 'bench', coupa: { ...generated!.coupa!, rateLimit: { perSecond: PER_SECOND, burst: BURST } } }] }), { mode: 0o600 });
    const file = await readConnections(path, { env: {}, mappings: { syspro: SysproMapping, coupa: CoupaMapping, infor: InforMapping } });
    const connection = file.connections[0]!;

    // Coupa gets what the writer would have written of each SYSPRO supplier, straight into its state
    // (its API at 25 requests/s would take over an hour for 100k).
    const fillStarted = performance.now();
    const sysproMapping = connection.mappings.syspro!;
    const coupaMapping = connection.mappings.coupa!;
    const at = new Date().toISOString();
    for (const row of syspro.state.table('ApSupplier').slice(0, suppliers)) {
      const canonical = toCanonicalSupplier(row, sysproMapping);
      const body = canonical.ok ? toCoupaSupplier(canonical.value.data, coupaMapping) : undefined;
      if (body?.ok) createCoupaSupplierRecord(coupa.state, CoupaSupplierCreate.parse(body.value), at);
    }
    console.log(`filled Coupa with ${coupa.state.suppliers.size.toLocaleString('en-US')} suppliers in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s (not timed below)`);

    const unused = () => {
      throw new Error('a report-only reconcile publishes and records nothing');
    };
    const deps: ReconcileDeps = {
      db: undefined as never,
      connections: async () => file,
      send: unused,
      codec: undefined as never,
      namespace: undefined as never,
      now: () => new Date(),
      logger: createLogger({ name: 'bench-reconcile', level: 'warn' }),
    };
    const started = performance.now();
    const report = await reconcile(deps, { connection: 'bench', entityType: 'supplier', repair: false, dryRun: true, actor: 'bench' });
    const seconds = (performance.now() - started) / 1000;
    const pages = Math.floor(suppliers / COUPA_PAGE_SIZE) + 1;
    const bound = Math.max(0, pages - BURST) / PER_SECOND;
    const simple = suppliers / COUPA_PAGE_SIZE / PER_SECOND;
    console.log(`reconcile supplier: ${report.compared.source.toLocaleString('en-US')} in SYSPRO, ${report.compared.target.toLocaleString('en-US')} in Coupa, ${report.identical.toLocaleString('en-US')} identical, ${report.drift.length} drifted, ${report.unmappable.length} unmappable`);
    console.log(`time ${seconds.toFixed(1)} s; lower bound ${simple.toFixed(1)} s (${suppliers.toLocaleString('en-US')} / ${COUPA_PAGE_SIZE} per page / ${PER_SECOND} requests/s; ${bound.toFixed(1)} s counting the burst of ${BURST}); ratio ${(seconds / simple).toFixed(2)}`);
    return [
      {
        path: `reconcile ${suppliers.toLocaleString('en-US')} suppliers (Coupa read at 25 req/s)`,
        measured: seconds,
        unit: 's',
        reference: { label: 'lower bound', value: simple },
        ratio: seconds / simple,
        note: `${report.identical} identical, ${report.drift.length} drifted`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await Promise.allSettled([syspro.close(), coupa.close()]);
  }
}

const bench: Bench = { description: 'mlc reconcile of 100,000 suppliers (--suppliers) against the sandbox, next to the 80 s Coupa\'s limits allow', run };
export default bench;
