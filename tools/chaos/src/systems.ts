import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { coupaEndpoint, sandboxConnections, startCoupaSimulator, startInforSimulator, startSysproSimulator, sysproEndpoints } from '@mlc/sandbox';

/** The three vendor simulators of one scenario, in-process, on free ports, and their connection. */
export interface Systems {
  syspro: Awaited<ReturnType<typeof startSysproSimulator>>;
  coupa: Awaited<ReturnType<typeof startCoupaSimulator>>;
  infor: Awaited<ReturnType<typeof startInforSimulator>>;
  connectionsFile: string;
  connection: string;
  /** Moves the Infor simulator's clock (its change timestamps, LMTS); 0 puts it back. */
  shiftInforClock(ms: number): void;
  close(): Promise<void>;
}

export const WEBHOOK_SECRET = 'chaos-webhook-secret-0123456789';
export type SystemName = 'syspro' | 'coupa' | 'infor';

/** `patch` merged into `base`, objects key by key, anything else replaced. */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) out[key] = key in out ? deepMerge(out[key], value) : value;
  return out;
}

export async function startSystems({
  dir,
  connection,
  sysproSuppliers,
  patch = {},
}: {
  dir: string;
  connection: string;
  sysproSuppliers: number;
  /** Merged into the generated connection (a scenario's own cursor column, time zone, …). */
  patch?: Record<string, unknown>;
}): Promise<Systems> {
  const started: Array<{ close(): Promise<void> }> = [];
  let inforShift = 0;
  try {
    const syspro = await startSysproSimulator({ seed: 5, sizes: { suppliers: Math.max(1, sysproSuppliers), purchaseOrders: 0, invoices: 0, glAccounts: 1, costCentres: 1 } });
    started.push(syspro);
    const coupa = await startCoupaSimulator({
      seed: 5,
      sizes: { suppliers: 0, purchaseOrders: 0, invoices: 0, lookupValues: 0 },
      rateLimit: { perSecond: 50, burst: 20 },
      // Coupa's own call-out retries are not documented; these outlast the outages the scenarios
      // inject (about 2.5 minutes), so a lost record is ours, not the sender's.
      callouts: { maxAttempts: 40, baseDelayMs: 250, maxDelayMs: 4_000, timeoutMs: 10_000 },
    });
    started.push(coupa);
    const infor = await startInforSimulator({ seed: 5, sizes: { suppliers: 0, purchaseOrders: 0, poLines: 1 }, requestsPerMinute: 6_000, now: () => Date.now() + inforShift });
    started.push(infor);

    const ionapiFile = join(dir, 'chaos.ionapi');
    writeFileSync(ionapiFile, JSON.stringify(infor.ionapi), { mode: 0o600 });
    const [generated] = sandboxConnections({
      syspro: sysproEndpoints(syspro),
      coupa: coupaEndpoint(coupa),
      infor: { ionapiFile: 'chaos.ionapi', company: infor.state.company, division: infor.state.division },
      webhookSecret: WEBHOOK_SECRET,
    }).connections;
    const off = { enabled: false };
    const file = {
      allowLiteralSecrets: true,
      connections: [
        deepMerge({
          ...generated!,
          id: connection,
          syspro: {
            ...generated!.syspro!,
            // Small pages: a backfill is many Kafka transactions, so a fault lands in the middle of one.
            odata: { ...generated!.syspro!.odata, pageSize: 10 },
            poll: { intervalSeconds: 1, overlapSeconds: 0, entities: { 'purchase-order': off, invoice: off, 'gl-account': off, 'cost-centre': off } },
          },
          coupa: { ...generated!.coupa!, rateLimit: { perSecond: 50, burst: 20 }, timeoutMs: 10_000 },
          infor: { ...generated!.infor!, requestsPerMinute: 6_000, timeoutMs: 10_000, poll: { intervalSeconds: 1, pageSize: 10 } },
        }, patch),
      ],
    };
    const connectionsFile = join(dir, 'connections.json');
    writeFileSync(connectionsFile, JSON.stringify(file, null, 2), { mode: 0o600 });
    return {
      syspro,
      coupa,
      infor,
      connectionsFile,
      connection,
      shiftInforClock(ms) {
        inforShift = ms;
      },
      async close() {
        await Promise.allSettled(started.reverse().map((s) => s.close()));
      },
    };
  } catch (error) {
    await Promise.allSettled(started.reverse().map((s) => s.close()));
    throw error;
  }
}

async function admin(method: string, url: string, body?: unknown): Promise<unknown> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.ok) return text === '' ? undefined : (JSON.parse(text) as unknown);
    if (attempt >= 3 || response.status < 500) throw new Error(`${method} ${url} → ${response.status} ${text.slice(0, 300)}`);
    await delay(200);
  }
}

export const sandboxAdmin = admin;

/** Every record of an admin list that pages with offset/limit. */
async function listAll<T>(url: (offset: number, limit: number) => string, limit: number): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += limit) {
    const page = (await admin('GET', url(offset, limit))) as T[];
    all.push(...page);
    if (page.length < limit) return all;
  }
}

export async function sysproSupplierKeys(s: Systems): Promise<string[]> {
  const keys: string[] = [];
  for (let offset = 0; ; offset += 5000) {
    const page = (await admin('GET', `${s.syspro.url}/_sandbox/state/suppliers?offset=${offset}&limit=5000`)) as { total: number; rows: Array<{ Supplier: string }> };
    keys.push(...page.rows.map((r) => r.Supplier));
    if (page.rows.length < 5000) return keys;
  }
}

export const coupaSuppliers = (s: Systems) =>
  listAll<{ id: number; number: string | null; 'primary-contact'?: { 'phone-work'?: { number?: string } } | null }>(
    (o, l) => `${s.coupa.url}/_sandbox/state/suppliers?offset=${o}&limit=${l}`,
    1000,
  );

export const m3Suppliers = async (s: Systems) => (await admin('GET', `${s.infor.url}/_sandbox/state/suppliers`)) as Array<{ SUNO: string; PHNO?: string }>;

export async function addSysproSupplier(s: Systems, key: string, columns: Record<string, unknown> = {}): Promise<void> {
  await admin('POST', `${s.syspro.url}/_sandbox/suppliers`, { Supplier: key, SupplierName: `Chaos ${key}`, Currency: 'ZAR', TermsCode: '30', ...columns });
}

export async function addCoupaSupplier(s: Systems, number: string): Promise<number> {
  const created = (await admin('POST', `${s.coupa.url}/_sandbox/suppliers`, { name: `Chaos ${number}`, number, status: 'active' })) as { id: number };
  return created.id;
}

export async function setCoupaPhone(s: Systems, id: number, phone: string): Promise<void> {
  await admin('PATCH', `${s.coupa.url}/_sandbox/suppliers/${id}`, { 'primary-contact': { 'phone-work': { number: phone } } });
}

export async function addM3Supplier(s: Systems, suno: string): Promise<void> {
  await admin('PUT', `${s.infor.url}/_sandbox/state/suppliers/${suno}`, { SUNM: `Chaos ${suno}`, STAT: '20', CUCD: 'ZAR' });
}

export async function fault(s: Systems, system: SystemName, rule: Record<string, unknown>): Promise<void> {
  await admin('POST', `${s[system].url}/_sandbox/faults`, rule);
}

/**
 * Removes the system's fault rules; returns the rules that never fired although they were meant
 * to fire every time (rate 1), so a scenario can say its fault missed the traffic.
 */
export async function clearFaults(s: Systems, system: SystemName): Promise<string[]> {
  const rules = (await admin('GET', `${s[system].url}/_sandbox/faults`)) as Array<{ path: string; rate: number; used: number }>;
  await admin('DELETE', `${s[system].url}/_sandbox/faults`);
  return rules.filter((r) => r.rate === 1 && r.used === 0).map((r) => `${system} ${r.path}`);
}

export async function registerCallouts(s: Systems, gatewayUrl: string): Promise<void> {
  await admin('POST', `${s.coupa.url}/_sandbox/callouts`, {
    url: `${gatewayUrl}/webhooks/coupa/${s.connection}`,
    events: ['supplier.created', 'supplier.updated'],
    auth: { type: 'hmac', secret: WEBHOOK_SECRET, header: 'X-Coupa-Signature' },
  });
}
