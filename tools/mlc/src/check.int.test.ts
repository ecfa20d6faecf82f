import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditDatabaseUrl } from '@mlc/audit';
import { loadConnections } from '@mlc/config';
import { CoupaMapping } from '@mlc/coupa';
import { createPool, migrate } from '@mlc/db';
import { InforMapping } from '@mlc/infor';
import { createTopicNamespace } from '@mlc/kafka';
import { startSandbox } from '@mlc/sandbox';
import { SysproMapping } from '@mlc/syspro';
import { createTestTopics, testInfra, uniqueIdentifier } from '@mlc/testing';
import { expectedMigrations, expectedTopics, type CheckReport } from './check.js';
import { mlcHarness } from './test-support.js';

// `mlc check` as an operator runs it, against the sandbox's simulators and the real stack: the
// deployment of the test (topic prefix, a services schema and the audit schema) set up as the
// services would leave it, then the connections file as the sandbox writes it, and broken copies.

/** The parts of the sandbox's connections file the tests break. */
interface ConnectionJson {
  syspro: { odata: { url: string; password: string }; enet: { operatorPassword: string }; poll?: unknown };
  coupa: { url: string; clientId: string; clientSecret: string; scopes: string[] };
  mappings: Record<string, unknown>;
}
type ConnectionsJson = { connections: [ConnectionJson] };

async function checkSetup(t: TestContext) {
  const h = await mlcHarness(t);
  const dir = await mkdtemp(join(tmpdir(), 'mlc-check-'));
  const sandbox = await startSandbox({ seed: 3, sizes: { suppliers: 5, purchaseOrders: 2 }, outDir: dir });
  const servicesSchema = uniqueIdentifier('mlc_services');
  const infra = testInfra();
  const services = createPool(auditDatabaseUrl(infra.databaseUrl, servicesSchema), { max: 2 });
  t.after(async () => {
    await sandbox.close();
    await services.query(`drop schema if exists ${servicesSchema} cascade`).catch(() => undefined);
    await services.end();
    await rm(dir, { recursive: true, force: true });
  });
  await services.query(`create schema ${servicesSchema}`);
  const file = loadConnections(sandbox.files!.connections, { mappings: { syspro: SysproMapping, coupa: CoupaMapping, infor: InforMapping } });
  for (const m of expectedMigrations(file.connections)) await migrate(services, m);
  const namespace = createTopicNamespace(h.prefix);
  const existing = new Set(await h.admin.listTopics());
  const topics = expectedTopics(file.connections, namespace).filter((topic) => !existing.has(topic));
  h.own(topics);
  await createTestTopics(h.admin, topics);

  const original = JSON.parse(await readFile(sandbox.files!.connections, 'utf8')) as ConnectionsJson;
  const env = { DATABASE_URL: auditDatabaseUrl(infra.databaseUrl, servicesSchema), MLC_CONNECTIONS_FILE: sandbox.files!.connections };
  return {
    h,
    sandbox,
    services,
    original,
    /** `mlc check <args>` with a connections file changed by `edit` (a copy: the sandbox's stays as written). */
    async check(args: readonly string[] = [], edit?: (file: ConnectionsJson) => void, extraEnv: Record<string, string> = {}) {
      let path = sandbox.files!.connections;
      if (edit !== undefined) {
        const copy = structuredClone(original);
        edit(copy);
        path = join(dir, `connections-${uniqueIdentifier('v')}.json`);
        await writeFile(path, JSON.stringify(copy));
      }
      const run = await h.cli(['check', ...args], { ...env, MLC_CONNECTIONS_FILE: path, ...extraEnv });
      return { ...run, output: `${run.stdout}\n${run.stderr}` };
    },
  };
}

const lineOf = (stdout: string, system: string, check: string): string => {
  const line = stdout.split('\n').find((l) => new RegExp(`\\s${system}\\s+${check.replace('.', '\\.')}\\s`).test(l));
  assert.ok(line !== undefined, `a line for ${system} ${check} in:\n${stdout}`);
  return line;
};

test('check: every system of the sandbox connection and the infrastructure work, one line each; --json says the same', async (t) => {
  const s = await checkSetup(t);
  const run = await s.check();
  assert.equal(run.code, 0, run.output);
  for (const [system, check] of [
    ['syspro', 'odata ApSupplier'],
    ['syspro', 'odata PorMasterHdr'],
    ['syspro', 'e.net logon'],
    ['syspro', 'e.net logoff'],
    ['coupa', 'token'],
    ['coupa', 'scopes'],
    ['coupa', 'read suppliers'],
    ['coupa', 'read lookup_values'],
    ['infor', 'token'],
    ['infor', 'program CRS620MI'],
    ['infor', 'program EXT620MI'],
    ['kafka', 'cluster'],
    ['kafka', 'topics'],
    ['kafka', 'record limit'],
    ['registry', 'subjects'],
    ['postgres', 'connect'],
    ['postgres', 'migrations'],
  ]) {
    assert.match(lineOf(run.stdout, system!, check!), /\sok\s/, `${system} ${check}`);
  }
  assert.match(lineOf(run.stdout, 'syspro', 'odata ApSupplier'), /read 1 row/);
  assert.match(run.stdout, /all \d+ checks ok/);

  const json = await s.check(['--json']);
  assert.equal(json.code, 0, json.output);
  const report = JSON.parse(json.stdout) as CheckReport;
  assert.equal(report.ok, true);
  assert.ok(report.checks.length >= 20);
  // The sandbox's own secrets never print.
  const creds = s.sandbox.coupa.credentials;
  for (const secret of [creds.clientSecret, 'mlc-odata', 'mlc-enet', 'sask']) assert.ok(!run.output.includes(secret) && !json.output.includes(secret), `no ${secret} in the output`);

  const unknown = await s.check(['--connection', 'nope']);
  assert.equal(unknown.code, 2, unknown.output);
  assert.match(unknown.stderr, /no connection "nope"/);
});

test('check: a record limit above a topic\'s max.message.bytes fails, naming the topics, their limits and what to change', async (t) => {
  const s = await checkSetup(t);
  // The broker's default max.message.bytes is 1048588: a limit above it is refused by every topic.
  const run = await s.check([], undefined, { MLC_MAX_RECORD_BYTES: '2000000' });
  assert.equal(run.code, 1, run.output);
  const line = lineOf(run.stdout, 'kafka', 'record limit');
  assert.match(line, /FAIL/);
  assert.match(line, /lower MLC_MAX_RECORD_BYTES \(2000000\) to 1048588, or raise max\.message\.bytes of \d+ topics below it/);
  const json = JSON.parse((await s.check(['--json'], undefined, { MLC_MAX_RECORD_BYTES: '2000000' })).stdout) as CheckReport;
  const detail = json.checks.find((c) => c.check === 'record limit')!.detail;
  assert.match(detail, new RegExp(`of ${expectedTopics(loadConnections(s.sandbox.files!.connections, { mappings: { syspro: SysproMapping, coupa: CoupaMapping, infor: InforMapping } }).connections, createTopicNamespace(s.h.prefix)).length} topics`));
  assert.match(lineOf((await s.check()).stdout, 'kafka', 'record limit'), /ok\s+records up to 1000000 bytes fit every topic \(smallest max\.message\.bytes/);
});

test('check: wrong SYSPRO and Coupa passwords fail as wrong credentials (non-zero exit), and no password prints', async (t) => {
  const s = await checkSetup(t);
  const wrong = 'Wr0ng-pa55word-xyz';
  const run = await s.check([], (file) => {
    const c = file.connections[0];
    c.syspro.odata.password = wrong;
    c.syspro.enet.operatorPassword = wrong;
    c.coupa.clientSecret = wrong;
  });
  assert.equal(run.code, 1, run.output);
  assert.match(lineOf(run.stdout, 'syspro', 'odata ApSupplier'), /FAIL\s+wrong credentials: HTTP 401/);
  assert.match(lineOf(run.stdout, 'syspro', 'e.net logon'), /FAIL\s+wrong credentials/);
  assert.match(lineOf(run.stdout, 'coupa', 'token'), /FAIL\s+wrong credentials: HTTP 401 \(invalid_client\)/);
  assert.match(lineOf(run.stdout, 'coupa', 'read suppliers'), /FAIL\s+wrong credentials: not tried: token failed/);
  assert.match(lineOf(run.stdout, 'infor', 'token'), /\sok\s/);
  assert.match(run.stdout, /\d+ of \d+ checks failed/);
  for (const secret of [wrong, s.sandbox.coupa.credentials.clientSecret, 'mlc-odata', 'mlc-enet']) assert.ok(!run.output.includes(secret), `no ${secret} in the output`);
  const json = await s.check(['--json'], (file) => (file.connections[0].syspro.odata.password = wrong));
  assert.equal(json.code, 1);
  assert.ok(!json.output.includes(wrong));
  const odata = (JSON.parse(json.stdout) as CheckReport).checks.find((c) => c.check === 'odata ApSupplier')!;
  assert.deepEqual([odata.ok, odata.reason], [false, 'credentials']);
});

test('check: a Coupa client without the write scopes fails as a missing scope, whether it asks for them or not', async (t) => {
  const s = await checkSetup(t);
  const readonly = { clientId: 'mlc-sandbox-readonly', clientSecret: 'sandbox-readonly-3' };
  const readScopes = ['core.supplier.read', 'core.purchase_order.read', 'core.invoice.read', 'core.common.read', 'core.accounting.read'];
  const granted = await s.check(['--connection', 'sandbox'], (file) => Object.assign(file.connections[0].coupa, readonly, { scopes: readScopes }));
  assert.equal(granted.code, 1, granted.output);
  assert.match(lineOf(granted.stdout, 'coupa', 'token'), /\sok\s/);
  assert.match(lineOf(granted.stdout, 'coupa', 'scopes'), /FAIL\s+missing scope: not granted: core\.accounting\.write .*core\.supplier\.write/);
  assert.match(lineOf(granted.stdout, 'coupa', 'read suppliers'), /\sok\s/);

  // Asking for a scope the client does not have: Coupa refuses the token (invalid_scope).
  const asked = await s.check([], (file) => Object.assign(file.connections[0].coupa, readonly));
  assert.equal(asked.code, 1, asked.output);
  assert.match(lineOf(asked.stdout, 'coupa', 'token'), /FAIL\s+missing scope: invalid_scope/);

  // A token with only the supplier scope reads suppliers; the other reads are refused for their scope.
  const narrow = await s.check([], (file) => Object.assign(file.connections[0].coupa, readonly, { scopes: ['core.supplier.read'] }));
  assert.match(lineOf(narrow.stdout, 'coupa', 'read suppliers'), /\sok\s/);
  assert.match(lineOf(narrow.stdout, 'coupa', 'read invoices'), /FAIL\s+missing scope: insufficient_scope: core\.invoice\.read/);
});

test('check: an unreachable host fails as refused or DNS, a missing program or entity set as missing; every line still printed', async (t) => {
  const s = await checkSetup(t);
  const run = await s.check([], (file) => {
    const c = file.connections[0];
    c.coupa.url = 'http://127.0.0.1:9';
    c.syspro.odata.url = 'http://sandbox-host.invalid:4010/SYSPRO8Odata/SYSPROOData';
    c.syspro.poll = { entities: { 'gl-account': { entitySet: 'GenMasterX' } } };
    c.mappings.infor = { transactions: { listChangedSuppliers: 'EXT999MI/LstByChgDate', getSupplier: 'CRS620MI/GetNothing' } };
  });
  assert.equal(run.code, 1, run.output);
  assert.match(lineOf(run.stdout, 'coupa', 'token'), /FAIL\s+connection refused: connection refused \(ECONNREFUSED\)/);
  assert.match(lineOf(run.stdout, 'syspro', 'odata ApSupplier'), /FAIL\s+DNS: host name not resolved \(ENOTFOUND|EAI_AGAIN\)/);
  assert.match(lineOf(run.stdout, 'syspro', 'e.net logon'), /\sok\s/);
  assert.match(lineOf(run.stdout, 'infor', 'program EXT999MI'), /FAIL\s+missing: program EXT999MI not found/);
  assert.match(lineOf(run.stdout, 'infor', 'program CRS620MI'), /FAIL\s+missing: transaction not in CRS620MI: GetNothing/);
  assert.match(lineOf(run.stdout, 'kafka', 'cluster'), /\sok\s/);

  // The infrastructure: nothing listens on port 9; the registry's host does not exist.
  const infra = await s.check(['--connection', 'sandbox'], undefined, {
    KAFKA_BROKERS: '127.0.0.1:9',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:9/mlc',
    SCHEMA_REGISTRY_URL: 'http://registry-host.invalid:8081',
  });
  assert.equal(infra.code, 1, infra.output);
  assert.match(lineOf(infra.stdout, 'kafka', 'cluster'), /FAIL\s+connection refused/);
  assert.match(lineOf(infra.stdout, 'kafka', 'topics'), /FAIL\s+connection refused: not tried: cluster failed/);
  assert.match(lineOf(infra.stdout, 'postgres', 'connect'), /FAIL\s+connection refused/);
  assert.match(lineOf(infra.stdout, 'registry', 'subjects'), /FAIL\s+DNS/);
  assert.match(lineOf(infra.stdout, 'coupa', 'token'), /\sok\s/);

  const missingSet = await s.check([], (file) => (file.connections[0].syspro.poll = { entities: { 'gl-account': { entitySet: 'GenMasterX' } } }));
  assert.match(lineOf(missingSet.stdout, 'syspro', 'odata GenMasterX'), /FAIL\s+missing: HTTP 404/);
  assert.match(lineOf(missingSet.stdout, 'syspro', 'odata ApSupplier'), /\sok\s/);
});
