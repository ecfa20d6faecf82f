import { setTimeout as delay } from 'node:timers/promises';
import type { Scenario, ScenarioContext } from './runner.js';
import { SERVICE_NAMES, type ServiceName } from './services.js';
import { clearFaults, coupaSuppliers, fault, m3Suppliers, sandboxAdmin, setCoupaPhone, type SystemName } from './systems.js';

const half = (ctx: ScenarioContext) => Math.max(2, Math.floor(ctx.sizes.records / 2));

/** A fault that lasts: set it up, make the records sent during it, hold it for `ms`, take it away. */
async function during(ctx: ScenarioContext, ms: number, setUp: () => Promise<void>, tearDown: () => Promise<string[]>): Promise<void> {
  await setUp();
  try {
    await ctx.addRecords(half(ctx));
    await delay(ms);
  } finally {
    missed(ctx, await tearDown());
  }
}

/** A fault that never fired proves nothing: say so in the row. */
function missed(ctx: ScenarioContext, rules: readonly string[]): void {
  if (rules.length > 0) ctx.problem(`fault never hit: ${rules.join(', ')}`);
}

const clearVendors = async (ctx: ScenarioContext) => [...(await clearFaults(ctx.systems, 'coupa')), ...(await clearFaults(ctx.systems, 'infor'))];

/** The same action again every `everyMs` until `ms` are over (tokens expiring, for instance). */
async function repeatedly(ms: number, everyMs: number, action: () => Promise<void>): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await action();
    await delay(everyMs);
  }
}

function killScenario(service: ServiceName, flows: Scenario['flows']): Scenario {
  return {
    name: `kill-${service}`,
    ...(service === 'audit' ? { trail: true } : {}),
    summary: `kill -9 of ${service} mid-sync; its supervisor starts it again after 1 s`,
    flows,
    async fault(ctx) {
      // The fault is the kill itself: recovery counts from here, the restart included.
      ctx.services.kill([service]);
      await ctx.addRecords(half(ctx));
    },
  };
}

// Path prefixes of the vendor APIs the writers call (the Infor tenant is the sandbox's).
const vendorPaths: Record<SystemName, string> = { coupa: '/api', infor: '/MLC_TST/M3', syspro: '/SYSPROWCFService' };

/** The whole set, in the order they run. */
export const SCENARIOS: readonly Scenario[] = [
  killScenario('syspro-poller', ['syspro-coupa']),
  killScenario('coupa-writer', ['syspro-coupa']),
  killScenario('audit', ['syspro-coupa']),
  killScenario('coupa-gateway', ['coupa-m3']),
  killScenario('infor-writer', ['coupa-m3']),
  killScenario('syspro-writer', ['coupa-syspro']),
  killScenario('infor-poller', ['m3-coupa']),
  {
    name: 'kill-all',
    trail: true,
    summary: 'kill -9 of every service at once mid-sync, all four flows running',
    flows: ['syspro-coupa', 'coupa-m3', 'coupa-syspro', 'm3-coupa'],
    async fault(ctx) {
      ctx.services.kill(SERVICE_NAMES);
      await ctx.addRecords(half(ctx));
    },
  },
  {
    name: 'broker-killed',
    exclusive: true,
    summary: 'the single Kafka broker kill -9, down for the outage time, started again',
    flows: ['syspro-coupa', 'coupa-m3'],
    async fault(ctx) {
      await Promise.all([ctx.infra.killBroker(ctx.sizes.outageMs), ctx.addRecords(half(ctx))]);
    },
  },
  {
    name: 'registry-restarted',
    exclusive: true,
    summary: 'the schema registry stopped (SIGTERM) and started again mid-sync',
    flows: ['syspro-coupa', 'coupa-m3'],
    async fault(ctx) {
      await Promise.all([ctx.infra.restartRegistry(ctx.sizes.outageMs / 3), ctx.addRecords(half(ctx))]);
    },
  },
  {
    name: 'postgres-restarted',
    exclusive: true,
    summary: 'PostgreSQL crashed (immediate stop), down for the outage time, started again',
    flows: ['syspro-coupa', 'coupa-m3'],
    async fault(ctx) {
      await Promise.all([ctx.infra.restartPostgres(ctx.sizes.outageMs), ctx.addRecords(half(ctx))]);
    },
  },
  {
    name: 'vendor-down',
    summary: 'Coupa answers 503 for 4-15× the writers\' old retry budget (compressed to ~3 s through MLC_RETRY_*)',
    flows: ['syspro-coupa'],
    // The old budget compressed to about 3 s (5 handler calls, 250 ms doubling, capped at 1 s);
    // the circuit settings compressed alike: open after 3
    // failures, probed every 1-4 s.
    writerEnv: () => ({
      MLC_RETRY_MAX_ATTEMPTS: '5',
      MLC_RETRY_INITIAL_MS: '250',
      MLC_RETRY_MAX_MS: '1000',
      MLC_CIRCUIT_FAILURE_THRESHOLD: '3',
      MLC_CIRCUIT_PROBE_INITIAL_MS: '1000',
      MLC_CIRCUIT_PROBE_MAX_MS: '4000',
    }),
    async fault(ctx) {
      await during(
        ctx,
        Math.max(12_000, ctx.sizes.outageMs),
        () => fault(ctx.systems, 'coupa', { path: '/api', status: 503 }),
        () => clearFaults(ctx.systems, 'coupa'),
      );
    },
  },
  {
    name: 'http-5xx-10pct',
    summary: '10% of Coupa and M3 API calls answer 500 for the outage time',
    flows: ['syspro-coupa', 'coupa-m3'],
    async fault(ctx) {
      await during(
        ctx,
        ctx.sizes.outageMs,
        async () => {
          await fault(ctx.systems, 'coupa', { path: vendorPaths.coupa, status: 500, rate: 0.1 });
          await fault(ctx.systems, 'infor', { path: vendorPaths.infor, status: 500, rate: 0.1 });
        },
        () => clearVendors(ctx),
      );
    },
  },
  {
    name: 'rate-limit-429-storm',
    summary: '70% of Coupa and M3 API calls answer 429 (Retry-After 1) for the outage time',
    flows: ['syspro-coupa', 'coupa-m3'],
    async fault(ctx) {
      await during(
        ctx,
        ctx.sizes.outageMs,
        async () => {
          await fault(ctx.systems, 'coupa', { path: vendorPaths.coupa, status: 429, retryAfterSeconds: 1, rate: 0.7 });
          await fault(ctx.systems, 'infor', { path: vendorPaths.infor, status: 429, retryAfterSeconds: 1, rate: 0.7 });
        },
        () => clearVendors(ctx),
      );
    },
  },
  {
    name: 'tokens-expire',
    summary: 'every Coupa and ION access token expires every 500 ms during the outage time (mid-flight 401s)',
    flows: ['syspro-coupa', 'coupa-m3'],
    async fault(ctx) {
      await Promise.all([
        ctx.addRecords(half(ctx)),
        repeatedly(ctx.sizes.outageMs, 500, async () => {
          await sandboxAdmin('POST', `${ctx.systems.coupa.url}/_sandbox/tokens/expire`);
          await sandboxAdmin('POST', `${ctx.systems.infor.url}/_sandbox/tokens/expire`);
        }),
      ]);
    },
  },
  {
    name: 'callouts-duplicate',
    summary: 'every Coupa call-out of the records sent mid-sync is delivered twice (same event id)',
    flows: ['coupa-m3'],
    async fault(ctx) {
      await sandboxAdmin('POST', `${ctx.systems.coupa.url}/_sandbox/callouts/faults`, { kind: 'duplicate', times: half(ctx) });
      await ctx.addRecords(half(ctx));
    },
  },
  {
    name: 'callouts-reordered',
    summary: 'call-outs held and released in reverse order: new suppliers and two phone changes per existing one; M3 must end with the newer phone',
    flows: ['coupa-m3'],
    async fault(ctx) {
      const mine = (await coupaSuppliers(ctx.systems)).filter((s) => s.number?.startsWith('CX'));
      await sandboxAdmin('POST', `${ctx.systems.coupa.url}/_sandbox/callouts/hold`);
      await ctx.addRecords(half(ctx));
      for (const s of mine.slice(0, half(ctx))) {
        await setCoupaPhone(ctx.systems, s.id, `100 ${s.id}`);
        await delay(5);
        await setCoupaPhone(ctx.systems, s.id, `200 ${s.id}`);
      }
      await sandboxAdmin('POST', `${ctx.systems.coupa.url}/_sandbox/callouts/release`, { order: 'reverse' });
    },
    async check(ctx) {
      const coupa = (await coupaSuppliers(ctx.systems)).filter((s) => s.number?.startsWith('CX'));
      const m3 = new Map((await m3Suppliers(ctx.systems)).map((s) => [s.SUNO, s.PHNO]));
      const stale = coupa.filter((s) => {
        const phone = s['primary-contact']?.['phone-work']?.number;
        return phone !== undefined && m3.has(s.number!) && m3.get(s.number!) !== phone;
      });
      // Give the last writes a moment, then look again before calling them stale.
      if (stale.length > 0) await delay(3_000);
      const m3Again = new Map((await m3Suppliers(ctx.systems)).map((s) => [s.SUNO, s.PHNO]));
      const still = stale.filter((s) => m3Again.get(s.number!) !== s['primary-contact']?.['phone-work']?.number);
      if (still.length > 0) ctx.problem(`${still.length} stale in M3 (older phone won), e.g. ${still[0]!.number}`);
    },
  },
  {
    name: 'callouts-forged',
    summary: 'call-outs with a wrong HMAC signature for records made mid-sync: refused, never in M3',
    flows: ['coupa-m3'],
    async fault(ctx) {
      await ctx.addRecords(half(ctx));
      // The forged ones: Coupa records whose only call-out carries a bad signature. They are not
      // "sent" (no genuine call-out), so they count only if they show up in M3.
      await sandboxAdmin('POST', `${ctx.systems.coupa.url}/_sandbox/callouts/faults`, { kind: 'bad-signature', times: 3 });
      for (const n of [1, 2, 3]) {
        await sandboxAdmin('POST', `${ctx.systems.coupa.url}/_sandbox/suppliers`, { name: `Forged ${n}`, number: `FORGED${n}`, status: 'active' });
      }
    },
    async check(ctx) {
      const accepted = (await m3Suppliers(ctx.systems)).filter((s) => s.SUNO.startsWith('FORGED')).length;
      if (accepted > 0) ctx.problem(`${accepted} forged call-outs reached M3`);
    },
  },
  {
    name: 'odata-malformed-page',
    summary: 'SYSPRO OData answers three pages with truncated JSON (HTTP 200) mid-sync',
    flows: ['syspro-coupa'],
    async fault(ctx) {
      await fault(ctx.systems, 'syspro', { path: '/SYSPRO8Odata', status: 200, body: '{"@odata.context":"$metadata#ApSupplier","value":[{"Supplier":"S0', times: 3 });
      await ctx.addRecords(half(ctx));
      await delay(4_000);
      missed(ctx, await clearFaults(ctx.systems, 'syspro'));
    },
  },
  {
    name: 'future-dated-row',
    summary: 'one M3 supplier changed with a timestamp 5 years ahead, then more changes: none may be skipped',
    flows: ['m3-coupa'],
    async fault(ctx) {
      ctx.systems.shiftInforClock(5 * 365 * 24 * 3_600_000);
      try {
        await ctx.addRecords(1);
      } finally {
        ctx.systems.shiftInforClock(0);
      }
      // Let the poller read the future row before the later changes arrive.
      await delay(3_000);
      await ctx.addRecords(half(ctx));
    },
  },
  {
    name: 'dst-row',
    summary:
      'SYSPRO polled on a zone-less change date (America/Chicago): a row at 01:40 of the fall-back night, then rows at 01:05-01:25 of the repeated hour (later in real time)',
    flows: ['syspro-coupa'],
    connection: {
      syspro: { poll: { overlapSeconds: 60, entities: { supplier: { cursorColumn: 'DateLastChanged', cursorKind: 'datetime' } } } },
      mappings: { syspro: { dates: { timeZone: 'America/Chicago' } } },
    },
    async prepare(systems) {
      // The simulator's zone-less change date (DateLastChanged) and its server clock zone; a
      // simulator without them refuses the setting, and the scenario says so.
      await sandboxAdmin('PATCH', `${systems.syspro.url}/_sandbox/settings`, { serverTimeZone: 'America/Chicago' }).catch((error: unknown) => {
        const refused = /unrecognized/i.test((error as Error).message) ? 'it refuses serverTimeZone' : (error as Error).message.slice(0, 200);
        throw new Error(`not runnable: the SYSPRO simulator has no zone-less change date with a server time zone (${refused})`);
      });
    },
    async fault(ctx) {
      // 2026-11-01 in Chicago: 01:00-01:59 happens twice (CDT, then CST). 01:40 CDT first …
      await ctx.addRecords(1, { syspro: () => ({ DateLastChanged: '2026-11-01T01:40:00' }) });
      await delay(3_000);
      // … then, an hour of real time later, 01:05-01:25 CST: earlier on the wall clock, later in fact.
      await ctx.addRecords(half(ctx), { syspro: (i) => ({ DateLastChanged: `2026-11-01T01:${String(5 + (i % 20)).padStart(2, '0')}:00` }) });
    },
  },
];

/** On the three-broker cluster (replication factor 3, min.insync.replicas 2; tools/stack `up --brokers 3`). */
export const BROKER_CLUSTER_SCENARIOS: readonly Scenario[] = [
  {
    name: 'broker-1-of-3-killed',
    summary: 'one broker of three kill -9 mid-sync (the leader of broker 1\'s partitions moves), down for the outage time, started again',
    flows: ['syspro-coupa', 'coupa-m3'],
    cluster: true,
    exclusive: true,
    async fault(ctx) {
      await Promise.all([ctx.cluster!.killBroker(2, ctx.sizes.outageMs), ctx.addRecords(half(ctx))]);
    },
  },
  {
    name: 'broker-rolling-restart',
    summary: 'all three brokers restarted one after the other mid-sync (a rolling upgrade)',
    flows: ['syspro-coupa', 'coupa-m3'],
    cluster: true,
    exclusive: true,
    async fault(ctx) {
      await Promise.all([ctx.cluster!.rollingRestart(), ctx.addRecords(half(ctx))]);
    },
  },
];

export const ALL_SCENARIOS: readonly Scenario[] = [...SCENARIOS.slice(0, 8), ...BROKER_CLUSTER_SCENARIOS, ...SCENARIOS.slice(8)];
