import kafkajs, { type Admin } from 'kafkajs';
import type pg from 'pg';
import { AUDIT_MIGRATIONS } from '@mlc/audit';
import type { Connection, ConnectionsFile } from '@mlc/config';
import { coupaScopesNeeded, createCoupaProbe, COUPA_RESOURCES, type CoupaMapping, type CoupaResource } from '@mlc/coupa';
import { GATEWAY_MIGRATIONS } from '@mlc/coupa-gateway';
import { migrationStatus } from '@mlc/db';
import type { RegistryClient } from '@mlc/events';
import { createIonAuth, createM3Client, m3FailureOf, readIonApiFile, type InforMapping } from '@mlc/infor';
import { CURSOR_TOPIC as INFOR_CURSOR_TOPIC, MIGRATIONS_DIR as INFOR_POLLER_MIGRATIONS, REJECT_TOPIC as INFOR_REJECT_TOPIC } from '@mlc/infor-poller';
import { standardTopics, type TopicNamespace } from '@mlc/kafka';
import { sysproEnetClientFromSettings, sysproODataClientFromSettings, type SysproMapping } from '@mlc/syspro';
import { CURSOR_TOPIC as SYSPRO_CURSOR_TOPIC, MIGRATIONS_DIR as SYSPRO_POLLER_MIGRATIONS, REJECT_TOPIC as SYSPRO_REJECT_TOPIC, planEntities } from '@mlc/syspro-poller';
import { TARGET_RECORDS_MIGRATIONS } from '@mlc/writer';
import { CheckFailure, REASON_LABELS, classifyFailure, type FailureReason } from './classify.js';
import { renderTable } from './table.js';

const { ConfigResourceTypes } = kafkajs;

/** The connections file as mlc reads it: every section, every vendor's mapping parsed. */
export type MlcConnection = Connection<{ syspro: typeof SysproMapping; coupa: typeof CoupaMapping; infor: typeof InforMapping }>;

export type CheckedSystem = 'syspro' | 'coupa' | 'infor' | 'kafka' | 'registry' | 'postgres';

/** One line of `mlc check`: what was tried against which system, and whether it worked. */
export interface CheckLine {
  /** The connection whose settings were used; null for the shared infrastructure. */
  connection: string | null;
  system: CheckedSystem;
  check: string;
  ok: boolean;
  /** What worked (`1 row`) or, on failure, what happened (codes and statuses, never a secret). */
  detail: string;
  reason?: FailureReason | undefined;
}

/** A check to run: `run` resolves to the detail of a success and throws on failure. */
export interface PlannedCheck {
  connection: string | null;
  system: CheckedSystem;
  check: string;
  run(): Promise<string>;
}

/** Checks run in order (a token before the reads that use it); groups run side by side. */
export type CheckGroup = readonly PlannedCheck[];

/** Failures after which the rest of a group cannot tell anything new (same host, same credentials). */
const BLOCKING: ReadonlySet<FailureReason> = new Set(['dns', 'tls', 'refused', 'unreachable', 'timeout', 'credentials']);

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailure('timeout', `no answer within ${Math.round(timeoutMs / 100) / 10}s`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs every group (its checks one after the other, each within `timeoutMs`), groups side by
 * side. After a failure that blocks (DNS, TLS, refused, unreachable, timeout, credentials), the
 * rest of its group is reported failed for the same reason without being tried.
 */
export async function runChecks(groups: readonly CheckGroup[], { timeoutMs }: { timeoutMs: number }): Promise<CheckLine[]> {
  const results = await Promise.all(
    groups.map(async (group) => {
      const lines: CheckLine[] = [];
      let blocked: { check: string; reason: FailureReason } | undefined;
      for (const planned of group) {
        const base = { connection: planned.connection, system: planned.system, check: planned.check };
        if (blocked !== undefined) {
          lines.push({ ...base, ok: false, reason: blocked.reason, detail: `not tried: ${blocked.check} failed` });
          continue;
        }
        try {
          lines.push({ ...base, ok: true, detail: await withTimeout(planned.run(), timeoutMs) });
        } catch (error) {
          const { reason, detail } = classifyFailure(error);
          lines.push({ ...base, ok: false, reason, detail });
          if (BLOCKING.has(reason)) blocked = { check: planned.check, reason };
        }
      }
      return lines;
    }),
  );
  return results.flat();
}

/** What the checks of the shared infrastructure and the vendors use. */
export interface CheckDeps {
  namespace: TopicNamespace;
  admin(): Promise<Admin>;
  registry: Pick<RegistryClient, 'fetch'>;
  /** The services' database (their tables and `mlc_migrations`). */
  servicesDb: Pick<pg.Pool, 'query'>;
  /** The audit schema. */
  auditDb: Pick<pg.Pool, 'query'>;
  /** The services' record limit (MLC_MAX_RECORD_BYTES), which every topic they write must take. */
  maxRecordBytes: number;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The programs (and their transactions) a connection's M3 mapping calls. Pure. */
export function m3ProgramsUsed(mapping: InforMapping): Map<string, string[]> {
  const programs = new Map<string, string[]>();
  for (const { program, transaction } of Object.values(mapping.transactions)) {
    const list = programs.get(program) ?? [];
    if (!list.includes(transaction)) list.push(transaction);
    programs.set(program, list);
  }
  return programs;
}

/** The entity sets a connection's syspro-poller reads. Pure. */
export function sysproEntitySets(connection: MlcConnection & { syspro: NonNullable<MlcConnection['syspro']> }): string[] {
  const mapping = connection.mappings.syspro!;
  return [...new Set(planEntities(connection.syspro.poll, mapping).flatMap((plan) => plan.streams.map((s) => s.entitySet)))];
}

function sysproChecks(connection: MlcConnection, timeoutMs: number): CheckGroup[] {
  const syspro = connection.syspro;
  if (syspro === undefined) return [];
  const id = connection.id;
  const odata = sysproODataClientFromSettings({ ...syspro.odata, timeoutMs: Math.min(syspro.odata.timeoutMs, timeoutMs) });
  const groups: CheckGroup[] = [
    sysproEntitySets({ ...connection, syspro }).map((entitySet) => ({
      connection: id,
      system: 'syspro' as const,
      check: `odata ${entitySet}`,
      async run() {
        const page = await odata.pages(entitySet, { top: 1 }).next();
        return `read ${plural(page.done === true ? 0 : page.value.rows.length, 'row')}`;
      },
    })),
  ];
  if (syspro.enet !== undefined) {
    const enet = sysproEnetClientFromSettings({ ...syspro.enet, timeoutMs: Math.min(syspro.enet.timeoutMs, timeoutMs) });
    groups.push([
      { connection: id, system: 'syspro', check: 'e.net logon', run: async () => (await enet.logon(), `operator ${syspro.enet!.operator}, company ${syspro.enet!.companyId}`) },
      { connection: id, system: 'syspro', check: 'e.net logoff', run: async () => (await enet.logoff(), 'session closed') },
    ]);
  }
  return groups;
}

function coupaChecks(connection: MlcConnection, timeoutMs: number): CheckGroup[] {
  const coupa = connection.coupa;
  if (coupa === undefined) return [];
  const id = connection.id;
  const probe = createCoupaProbe(coupa, { timeoutMs: Math.min(coupa.timeoutMs, timeoutMs) });
  let granted: string[] = [];
  const reads: PlannedCheck[] = (Object.keys(COUPA_RESOURCES) as CoupaResource[]).map((resource) => ({
    connection: id,
    system: 'coupa',
    check: `read ${resource}`,
    run: async () => `read ${plural(await probe.read(resource), 'record')}`,
  }));
  return [
    [
      {
        connection: id,
        system: 'coupa',
        check: 'token',
        async run() {
          ({ granted } = await probe.token());
          return `client ${coupa.clientId}, ${plural(granted.length, 'scope')} granted`;
        },
      },
      {
        connection: id,
        system: 'coupa',
        check: 'scopes',
        async run() {
          const needed = coupaScopesNeeded();
          const missing = needed.filter((scope) => !granted.includes(scope));
          if (missing.length > 0) throw new CheckFailure('scope', `not granted: ${missing.join(' ')}`);
          return `all ${needed.length} needed granted`;
        },
      },
      ...reads,
    ],
  ];
}

function inforChecks(connection: MlcConnection, timeoutMs: number): CheckGroup[] {
  const infor = connection.infor;
  if (infor === undefined) return [];
  const id = connection.id;
  const callTimeoutMs = Math.min(infor.timeoutMs, timeoutMs);
  // Read when the checks run, so an unreadable file is this check's failure, not the command's.
  let clients: { auth: ReturnType<typeof createIonAuth>; m3: ReturnType<typeof createM3Client>; tenant: string } | undefined;
  const open = () => {
    if (clients !== undefined) return clients;
    const credentials = readIonApiFile(infor.ionapiFile);
    const auth = createIonAuth({ credentials, timeoutMs: callTimeoutMs });
    const m3 = createM3Client({ credentials, auth, company: infor.company, division: infor.division, requestsPerMinute: false, timeoutMs: callTimeoutMs, retry: { maxAttempts: 1 } });
    clients = { auth, m3, tenant: credentials.tenant };
    return clients;
  };
  const programs = m3ProgramsUsed(connection.mappings.infor!);
  return [
    [
      {
        connection: id,
        system: 'infor',
        check: 'token',
        async run() {
          const { auth, tenant } = open();
          await auth.getToken();
          return `tenant ${tenant}`;
        },
      },
      ...[...programs].map(([program, transactions]): PlannedCheck => ({
        connection: id,
        system: 'infor',
        check: `program ${program}`,
        async run() {
          let records;
          try {
            // M3's MI repository: read-only metadata, no business data touched.
            records = await open().m3.execute('MRS001MI', 'LstTransactions', { MINM: program }, { maxRecords: 0, idempotent: true });
          } catch (error) {
            const m3 = m3FailureOf(error);
            if (m3?.errorField === 'MINM') throw new CheckFailure('missing', `program ${program} not found (M3 ${m3.errorCode ?? m3.errorType ?? 'NOK'})`);
            throw error;
          }
          const present = new Set(records.map((r) => r.TRNM?.trim()));
          const absent = transactions.filter((t) => !present.has(t));
          if (absent.length > 0) throw new CheckFailure('missing', `transaction${absent.length === 1 ? '' : 's'} not in ${program}: ${absent.join(', ')}`);
          return transactions.join(', ');
        },
      })),
    ],
  ];
}

/** The writer groups and poller topics the configured connections imply. Pure. */
export function expectedTopics(connections: readonly MlcConnection[], namespace: Pick<TopicNamespace, 'topic'>): string[] {
  const writerGroups = [
    ...(connections.some((c) => c.coupa !== undefined) ? ['coupa-writer'] : []),
    ...(connections.some((c) => c.syspro?.enet !== undefined) ? ['syspro-writer'] : []),
    ...(connections.some((c) => c.infor !== undefined) ? ['infor-writer'] : []),
  ];
  const logical = [
    ...standardTopics({ writerGroups }).map((t) => t.topic),
    ...(connections.some((c) => c.syspro !== undefined) ? [SYSPRO_CURSOR_TOPIC, SYSPRO_REJECT_TOPIC] : []),
    ...(connections.some((c) => c.infor !== undefined) ? [INFOR_CURSOR_TOPIC, INFOR_REJECT_TOPIC] : []),
  ];
  return [...new Set(logical)].map((t) => namespace.topic(t));
}

/** The migration components whose tables the configured connections need, with their folders. Pure. */
export function expectedMigrations(connections: readonly MlcConnection[]): { component: string; dir: URL | string }[] {
  const writes = connections.some((c) => c.coupa !== undefined || c.syspro?.enet !== undefined || c.infor !== undefined);
  return [
    ...(writes ? [{ component: 'writer', dir: TARGET_RECORDS_MIGRATIONS }] : []),
    ...(connections.some((c) => c.syspro !== undefined) ? [{ component: 'syspro-poller', dir: SYSPRO_POLLER_MIGRATIONS }] : []),
    ...(connections.some((c) => c.infor !== undefined) ? [{ component: 'infor-poller', dir: INFOR_POLLER_MIGRATIONS }] : []),
    ...(connections.some((c) => c.coupa?.webhook !== undefined || c.coupa?.poll !== undefined) ? [{ component: 'coupa-gateway', dir: GATEWAY_MIGRATIONS }] : []),
  ];
}

function infrastructureChecks(deps: CheckDeps, connections: readonly MlcConnection[]): CheckGroup[] {
  const topics = expectedTopics(connections, deps.namespace);
  const kafka: CheckGroup = [
    {
      connection: null,
      system: 'kafka',
      check: 'cluster',
      async run() {
        const cluster = await (await deps.admin()).describeCluster();
        return `${plural(cluster.brokers.length, 'broker')}, controller ${String(cluster.controller)}`;
      },
    },
    {
      connection: null,
      system: 'kafka',
      check: 'topics',
      async run() {
        const existing = new Set(await (await deps.admin()).listTopics());
        const missing = topics.filter((t) => !existing.has(t));
        if (missing.length > 0) throw new CheckFailure('missing', `${plural(missing.length, 'topic')} missing: ${missing.join(', ')}`);
        return `all ${topics.length} present`;
      },
    },
    {
      connection: null,
      system: 'kafka',
      check: 'record limit',
      // A topic whose max.message.bytes is below the services' limit refuses their largest
      // records (MESSAGE_TOO_LARGE) on every try: found here, before a writer retries forever.
      async run() {
        const admin = await deps.admin();
        const existing = new Set(await admin.listTopics());
        const present = topics.filter((t) => existing.has(t));
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })),
        });
        const limits = resources
          .map((r) => ({ topic: r.resourceName, bytes: Number(r.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue) }))
          .filter((l) => Number.isFinite(l.bytes))
          .sort((a, b) => a.bytes - b.bytes);
        const below = limits.filter((l) => l.bytes < deps.maxRecordBytes);
        if (below.length > 0) {
          const { topic, bytes } = below[0]!;
          throw new CheckFailure(
            'rejected',
            `lower MLC_MAX_RECORD_BYTES (${deps.maxRecordBytes}) to ${bytes}, or raise max.message.bytes of ${plural(below.length, 'topic')} below it (smallest ${bytes}: ${topic})`,
          );
        }
        const smallest = limits[0];
        return smallest === undefined ? 'no topic to check' : `records up to ${deps.maxRecordBytes} bytes fit every topic (smallest max.message.bytes ${smallest.bytes}, ${smallest.topic})`;
      },
    },
  ];
  const registry: CheckGroup = [
    {
      connection: null,
      system: 'registry',
      check: 'subjects',
      async run() {
        const response = await deps.registry.fetch('/subjects');
        if (!response.ok) throw Object.assign(new Error(`registry answered ${response.status}`), { context: { status: response.status } });
        const subjects = (await response.json()) as unknown;
        const names = new Set(Array.isArray(subjects) ? subjects.map(String) : []);
        // Subjects appear as services first publish to a topic; their absence is no failure.
        const registered = topics.filter((t) => names.has(`${t}-value`)).length;
        return `${plural(names.size, 'subject')}; ${registered} of ${topics.length} topics have a value schema`;
      },
    },
  ];
  const migrations = expectedMigrations(connections);
  const postgres: CheckGroup = [
    {
      connection: null,
      system: 'postgres',
      check: 'connect',
      async run() {
        const { rows } = await deps.servicesDb.query<{ version: string; db: string }>("select current_setting('server_version') as version, current_database() as db");
        return `PostgreSQL ${rows[0]!.version}, database ${rows[0]!.db}`;
      },
    },
    {
      connection: null,
      system: 'postgres',
      check: 'migrations',
      async run() {
        const statuses = [
          ...(await Promise.all(migrations.map((m) => migrationStatus(deps.servicesDb, m)))),
          await migrationStatus(deps.auditDb, { component: 'audit', dir: AUDIT_MIGRATIONS }),
        ];
        const pending = statuses.flatMap((s) => s.pending.map((name) => `${s.component}/${name}`));
        const changed = statuses.flatMap((s) => s.changed.map((name) => `${s.component}/${name}`));
        if (changed.length > 0) throw new CheckFailure('rejected', `applied migrations differ from the files: ${changed.join(', ')}`);
        if (pending.length > 0) throw new CheckFailure('missing', `not applied: ${pending.join(', ')}`);
        return `${statuses.map((s) => s.component).join(', ')}: all ${statuses.reduce((n, s) => n + s.applied.length, 0)} applied`;
      },
    },
  ];
  return [kafka, registry, postgres];
}

export interface CheckParams {
  file: ConnectionsFile<{ syspro: typeof SysproMapping; coupa: typeof CoupaMapping; infor: typeof InforMapping }>;
  /** Only this connection's systems (the infrastructure is always checked). */
  connection?: string | undefined;
  timeoutMs: number;
}

/** The checks of the configured systems (of one connection) and of the infrastructure. */
export function planChecks(deps: CheckDeps, { file, connection, timeoutMs }: CheckParams): CheckGroup[] {
  const connections = file.connections.filter((c) => connection === undefined || c.id === connection);
  return [
    ...connections.flatMap((c) => [...sysproChecks(c, timeoutMs), ...coupaChecks(c, timeoutMs), ...inforChecks(c, timeoutMs)]),
    ...infrastructureChecks(deps, file.connections),
  ];
}

export interface CheckReport {
  ok: boolean;
  checks: CheckLine[];
}

/** One line per check, aligned; failures with their reason. Pure. */
export function formatChecks(report: CheckReport): string {
  const rows = report.checks.map((c) => [c.connection ?? '-', c.system, c.check, c.ok ? 'ok' : 'FAIL', c.ok ? c.detail : `${REASON_LABELS[c.reason ?? 'error']}: ${c.detail}`]);
  const failed = report.checks.filter((c) => !c.ok).length;
  const table = renderTable(
    [{ header: 'CONNECTION' }, { header: 'SYSTEM' }, { header: 'CHECK' }, { header: 'RESULT' }, { header: 'DETAIL', maxWidth: 160 }],
    rows,
  );
  return `${table}\n\n${failed === 0 ? `all ${report.checks.length} checks ok` : `${failed} of ${report.checks.length} checks failed`}`;
}
