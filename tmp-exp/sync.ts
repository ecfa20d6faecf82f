import { readFileSync, readdirSync } from 'node:fs';
import { createPool } from '@mlc/db';
import { createSyncStateStore } from '@mlc/writer';
const pgCpu = () => { let t = 0; for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) { try { const s = readFileSync(`/proc/${p}/stat`, 'utf8'); if (s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')) !== 'postgres') continue; const f = s.slice(s.lastIndexOf(')') + 2).split(' '); t += [11, 12, 13, 14].reduce((a, i) => a + Number(f[i]), 0); } catch {} } return t * 10000; };
const db = createPool('postgres://postgres@127.0.0.1:5432/mlc_dev', { max: 4, genericPlans: true });
const store = createSyncStateStore({ db });
const leaves = Object.fromEntries(['name', 'taxId', 'status', 'address.city', 'contact.name', 'paymentTerms', 'address.lines', 'contact.email', 'contact.phone', 'address.region', 'address.country', 'address.postalCode'].map((k) => [k, { h: 'a'.repeat(64), at: new Date().toISOString() }]));
const connection = `exp-${process.pid}`;
const n = Number(process.argv[2] ?? 8000);
const c0 = pgCpu(); const t0 = Date.now();
for (let i = 0; i < n; i += 16) {
  await Promise.all(Array.from({ length: 16 }, async (_, j) => {
    const ref = { connection, targetSystem: 'coupa', entityType: 'supplier', naturalKey: `S${i + j}` };
    await store.open(ref, 'coupa|syspro', {});
    await store.remember(ref, { targetId: String(i + j), contentHash: 'h'.repeat(64), sourceTime: new Date(), eventId: `e${i + j}` } as never, 'coupa|syspro', leaves as never);
  }));
}
console.log(`postgres µs per record ${((pgCpu() - c0) / n).toFixed(0)}, wall ${((Date.now() - t0) / n * 1000).toFixed(0)} µs per record`);
await db.query('delete from mlc_sync_state where connection = $1', [connection]);
await db.query('delete from mlc_target_records where connection = $1', [connection]);
await db.end();
