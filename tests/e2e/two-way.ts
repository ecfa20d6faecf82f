import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { OUTCOMES_TOPIC, topicFor, type Outcome } from '@mlc/events';
import { createTopicNamespace } from '@mlc/kafka';
import { SANDBOX_MAPPINGS, SANDBOX_SYNC, coupaEndpoint, startCoupaSimulator, startInforSimulator, startSysproSimulator, sysproEndpoints, type CoupaCalloutDelivery } from '@mlc/sandbox';
import { testInfra, uniqueName, waitFor } from '@mlc/testing';
import { killChild, startReadyService } from './pipeline.js';

// Two-way supplier sync as it runs in production: the ERP's poller, coupa-writer, coupa-gateway and
// the ERP's writer are their own main.ts in child processes on the real Kafka, registry and
// Postgres, between the ERP simulator (SYSPRO or M3) and the Coupa simulator, whose call-outs go
// to the gateway. Writes are counted at the simulators, from their request logs.

const { Kafka, logLevel } = kafkajs;
const HMAC_SECRET = 'e2e-two-way-secret';
const FINAL_DELIVERY = new Set(['delivered', 'failed']);


export type Row = Record<string, unknown>;
export type Erp = 'syspro' | 'infor';

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
export const send = <T = Row>(url: string, method: string, body?: unknown): Promise<T> =>
  fetch(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then((res) => json<T>(res));

export interface TwoWay {
  connection: string;
  erpUrl: string;
  coupaUrl: string;
  /**
   * Write requests each simulator has answered since the start was quiet (the SYSPRO simulator
   * seeds one supplier, synced first): Coupa supplier POST/PUT, SYSPRO Setup calls, M3 Add/UpdSupplier.
   */
  writes(): Promise<{ coupa: number; erp: number }>;
  /** Every call-out answered for good and every writer caught up with its topics. */
  settled(): Promise<void>;
  /** Settled, then `polls` more polls of the ERP and settled again: whatever loops would have written by then. */
  quiet(polls?: number): Promise<void>;
  coupaSupplier(number: string): Promise<Row | undefined>;
  outcomes(): Promise<Outcome[]>;
}

export async function startTwoWay(t: { after: (fn: () => Promise<void>) => void }, erp: Erp): Promise<TwoWay> {
  const infra = testInfra();
  const connection = uniqueName(`e2e-2w-${erp}`);
  const prefix = `${connection}.`;
  const ns = createTopicNamespace(prefix);
  const dir = mkdtempSync(join(tmpdir(), 'e2e-two-way-'));
  const coupa = await startCoupaSimulator({
    seed: 5,
    sizes: { suppliers: 0, purchaseOrders: 0, invoices: 0, lookupValues: 0 },
    callouts: { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 2_000, timeoutMs: 30_000 },
  });
  const syspro = erp === 'syspro' ? await startSysproSimulator({ seed: 5, sizes: { suppliers: 1, purchaseOrders: 0, invoices: 0, glAccounts: 1, costCentres: 1 } }) : undefined;
  const infor = erp === 'infor' ? await startInforSimulator({ seed: 5, sizes: { suppliers: 0, purchaseOrders: 0, poLines: 0 }, requestsPerMinute: false }) : undefined;
  const erpSection = syspro
    ? {
        syspro: {
          ...sysproEndpoints(syspro),
          // Suppliers only: the simulator seeds at least one of everything, which is not this test's business.
          poll: { intervalSeconds: 1, overlapSeconds: 0, entities: { 'purchase-order': { enabled: false }, invoice: { enabled: false }, 'gl-account': { enabled: false }, 'cost-centre': { enabled: false } } },
        },
      }
    : { infor: { ionapiFile: 'tenant.ionapi', company: infor!.state.company, division: infor!.state.division, requestsPerMinute: 100_000, poll: { intervalSeconds: 1, overlapSeconds: 0, pageSize: 4 } } };
  if (infor) writeFileSync(join(dir, 'tenant.ionapi'), JSON.stringify(infor.ionapi), { mode: 0o600 });
  const connectionsFile = join(dir, 'connections.json');
  writeFileSync(
    connectionsFile,
    JSON.stringify({
      allowLiteralSecrets: true,
      connections: [
        {
          id: connection,
          ...erpSection,
          coupa: { ...coupaEndpoint(coupa), webhook: { hmacSecret: HMAC_SECRET, signatureHeader: 'X-Coupa-Signature' } },
          mappings: { coupa: SANDBOX_MAPPINGS.coupa, ...(syspro ? { syspro: SANDBOX_MAPPINGS.syspro } : {}) },
          // As `npm start`'s sandbox: the ERP owns the identity, Coupa the contact and address.
          sync: SANDBOX_SYNC,
        },
      ],
    }),
    { mode: 0o600 },
  );

  const kafka = new Kafka({ clientId: uniqueName('e2e-2w'), brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const children: ChildProcess[] = [];
  t.after(async () => {
    await Promise.all(children.map((c) => killChild(c)));
    await admin.deleteTopics({ topics: (await admin.listTopics()).filter((name) => name.startsWith(prefix)) }).catch(() => undefined);
    await admin.disconnect();
    const db = new pg.Client({ connectionString: infra.databaseUrl });
    await db.connect();
    const tables = ['syspro_poller_hashes', 'syspro_poller_epoch_hashes', 'infor_poller_hashes', 'coupa_gateway_deliveries', 'coupa_gateway_rejections', 'coupa_gateway_order_lines', 'mlc_target_records', 'mlc_sync_state'];
    for (const table of tables) await db.query(`delete from ${table} where connection = $1`, [connection]).catch(() => undefined);
    await db.end();
    await Promise.allSettled([coupa.close(), syspro?.close(), infor?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (service: string, extra: NodeJS.ProcessEnv = {}): Promise<number> =>
    (
      await startReadyService(
        service,
        { MLC_CONNECTIONS_FILE: connectionsFile, MLC_CONNECTIONS: connection, MLC_TOPIC_PREFIX: prefix, MLC_TOPIC_PARTITIONS: '3', MLC_RETRY_INITIAL_MS: '100', MLC_RETRY_MAX_MS: '1000', ...extra },
        children,
      )
    ).port;

  const erpWriter = erp === 'syspro' ? 'syspro-writer' : 'infor-writer';
  const [gatewayPort] = await Promise.all([
    start('coupa-gateway'),
    start(erp === 'syspro' ? 'syspro-poller' : 'infor-poller', { MLC_LEADER_RETRY_MS: '300' }),
    start('coupa-writer'),
    start(erpWriter),
  ]);
  await send(`${coupa.url}/_sandbox/callouts`, 'POST', { url: `http://127.0.0.1:${gatewayPort}/webhooks/coupa/${connection}`, auth: { type: 'hmac', secret: HMAC_SECRET } });

  const erpUrl = (syspro ?? infor)!.url;
  const erpReadPath = syspro ? '/SYSPRO8Odata' : `/${infor!.ionapi.ti}/M3/`;
  const logged = (base: string, path: string) => send<Array<{ method: string; url: string }>>(`${base}/_sandbox/requests?path=${encodeURIComponent(path)}&limit=100000`, 'GET');
  const groups: Array<[string, string]> = [
    ['coupa-writer', topicFor(erp, 'supplier')],
    [erpWriter, topicFor('coupa', 'supplier')],
  ];

  async function settled(): Promise<void> {
    await waitFor(async () => (await send<CoupaCalloutDelivery[]>(`${coupa.url}/_sandbox/callouts/deliveries`, 'GET')).every((d) => FINAL_DELIVERY.has(d.status)), {
      timeoutMs: 60_000,
      message: 'call-outs delivered',
    });
    await waitFor(
      async () => {
        for (const [group, topic] of groups) {
          const name = ns.topic(topic);
          const [committed] = await admin.fetchOffsets({ groupId: ns.groupId(group), topics: [name] });
          for (const end of await admin.fetchTopicOffsets(name)) {
            const at = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
            // Transactional topics end with a commit marker: the group may stop one short of high.
            if (Number(end.high) > 0 && Number(at) < Number(end.high) - 1) return false;
          }
        }
        return true;
      },
      { timeoutMs: 60_000, message: 'writers caught up' },
    );
  }

  async function allWrites() {
    const coupaWrites = (await logged(coupa.url, '/api/suppliers')).filter((r) => r.method === 'POST' || r.method === 'PUT').length;
    const erpWrites = syspro ? (await logged(erpUrl, '/SYSPROWCFService/Rest/Setup/')).length : (await logged(erpUrl, erpReadPath)).filter((r) => /(Add|Upd)Supplier/.test(r.url)).length;
    return { coupa: coupaWrites, erp: erpWrites };
  }
  async function quiet(polls = 4) {
    await settled();
    const before = (await logged(erpUrl, erpReadPath)).length;
    await waitFor(async () => (await logged(erpUrl, erpReadPath)).length >= before + polls, { timeoutMs: 60_000, message: `${polls} more polls of the ERP` });
    await settled();
  }
  const seeded = syspro ? (await send<{ rows: Row[] }>(`${erpUrl}/_sandbox/state/suppliers?limit=10`, 'GET')).rows.length : 0;
  await waitFor(async () => (await send<Row[]>(`${coupa.url}/_sandbox/state/suppliers?limit=1000`, 'GET')).length >= seeded, { timeoutMs: 60_000, message: 'seeded suppliers in Coupa' });
  await quiet();
  const base = await allWrites();

  return {
    connection,
    erpUrl,
    coupaUrl: coupa.url,
    async writes() {
      const now = await allWrites();
      return { coupa: now.coupa - base.coupa, erp: now.erp - base.erp };
    },
    settled,
    quiet,
    async coupaSupplier(number) {
      return (await send<Row[]>(`${coupa.url}/_sandbox/state/suppliers?limit=1000`, 'GET')).find((s) => s.number === number);
    },
    async outcomes() {
      const name = ns.topic(OUTCOMES_TOPIC);
      const expected = (await admin.fetchTopicOffsets(name)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
      const consumer = kafka.consumer({ groupId: uniqueName('e2e-2w-reader') });
      const seen: Outcome[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: name, fromBeginning: true });
        // Confluent wire format: magic byte and a 4-byte schema id before the JSON.
        await consumer.run({ eachMessage: async ({ message }) => void seen.push(JSON.parse(message.value!.subarray(5).toString('utf8')) as Outcome) });
        await waitFor(() => seen.length >= expected, { timeoutMs: 30_000, message: `${expected} outcomes read` });
        return seen;
      } finally {
        await consumer.disconnect();
      }
    },
  };
}
