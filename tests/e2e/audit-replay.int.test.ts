import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { loadEnv } from '@mlc/config';
import { createLogger } from '@mlc/log';
import { MlcError } from '@mlc/errors';
import { EXIT, MlcEnv, createMlcDeps, describeError, exitCodeFor, parseCommand, parseTime, runCommand } from '@mlc/mlc';
import { SANDBOX_MAPPINGS } from '@mlc/sandbox';
import { waitFor } from '@mlc/testing';
import { startPipeline, type Row } from './pipeline.js';

// Issue 10's proof, on the real stack between the sandbox simulators: syspro-poller, coupa-writer,
// coupa-gateway, infor-writer and audit as child processes (their own topic prefix and audit
// schema), SYSPRO → Coupa and Coupa → M3, and the operator's `mlc` commands run through the CLI's
// own parse-and-run modules. The phases share one deployment, in this order: the trail of a record
// that went both ways; a dead letter fixed and redriven; an offset rewind of the stopped
// coupa-writer; a mapping change and a forced republish of two records.
//
// audit killed with kill -9 mid-load, every record in Postgres exactly once: services/audit
// src/service.int.test.ts (the service alone makes that test sharper than this pipeline would).

const SIZES = { suppliers: 4, purchaseOrders: 0, maxLinesPerOrder: 1, invoices: 0, maxDistributionsPerInvoice: 1, glAccounts: 1, costCentres: 1 };
const NEW_SUPPLIER = 'E2E-100';
const REFUSED_SUPPLIER = 'E2E-200';
const trim = (value: unknown) => String(value ?? '').trim();

test('audit and replay end to end: trail both ways, DLQ redrive once, offset rewind without duplicates, forced republish of exactly the chosen records', { timeout: 180_000 }, async (t) => {
  const p = await startPipeline(t, { sizes: SIZES, pageSize: 10, infor: true });
  const db = new pg.Pool({ connectionString: p.mlcEnv.DATABASE_URL, max: 2 });
  const deps = createMlcDeps({ env: loadEnv(p.mlcEnv, MlcEnv), logger: createLogger({ name: 'e2e-mlc', level: 'silent' }) });
  t.after(async () => {
    await deps.close();
    await db.end();
  });
  const show = process.env.MLC_E2E_SHOW_OUTPUT !== undefined;
  /** `mlc <args>` as the CLI runs it (parse, run), by an operator named e2e-operator; MLC_E2E_SHOW_OUTPUT prints what it prints. */
  async function mlc<T = Row>(tc: TestContext, args: string[]): Promise<T> {
    try {
      const output = await runCommand(deps, parseCommand(args, { now: new Date(), user: 'e2e-operator' }));
      if (show) tc.diagnostic(`$ mlc ${args.join(' ')}\n${output.text}`);
      return output.json as T;
    } catch (error) {
      if (show) tc.diagnostic(`$ mlc ${args.join(' ')}\n${describeError(error).line}\n(exit ${exitCodeFor(error)})`);
      throw error;
    }
  }
  /** Refused as bad input (exit 2) or a failed operation (exit 1), with this code. */
  const refused = (code: string, exit: number) => (error: unknown) => error instanceof MlcError && error.code === code && exitCodeFor(error) === exit;
  const audit = async <T extends Row>(sql: string, params: unknown[] = []) => (await db.query<T>(sql.replaceAll('audit_', `${p.auditSchema}.audit_`), params)).rows;
  const trail = async (tc: TestContext, key: string) =>
    (await mlc<{ items: Row[] }>(tc, ['trail', '--connection', p.connection, '--entity', 'supplier', '--key', key])).items;
  // Outcomes name the writer by its consumer group, which carries the topic prefix.
  const group = (writer: string) => `${p.prefix}${writer}`;
  const coupaSupplier = async (number: string) => (await p.coupaRows('suppliers')).filter((s) => s.number === number);
  const sysproSuppliers = async () => (await p.sysproRows('suppliers')).map((s) => trim(s.Supplier));
  /** Every supplier SYSPRO has is in Coupa and, through Coupa's call-outs, in M3. */
  async function everywhere(): Promise<void> {
    const expected = (await sysproSuppliers()).sort();
    await waitFor(async () => JSON.stringify((await p.coupaRows('suppliers')).map((s) => String(s.number)).sort()) === JSON.stringify(expected), {
      timeoutMs: 90_000,
      message: `Coupa has suppliers ${expected.join(', ')}`,
    });
    await waitFor(async () => JSON.stringify((await p.m3Rows('suppliers')).map((s) => String(s.SUNO)).sort()) === JSON.stringify(expected), {
      timeoutMs: 90_000,
      message: `M3 has suppliers ${expected.join(', ')}`,
    });
  }
  /** The audit log holds every record now on the pipeline's topics (it has caught up). */
  async function auditCaughtUp(): Promise<void> {
    const admin = await deps.admin();
    const topics = (await admin.listTopics()).filter((name) => name.startsWith(p.prefix) && /\.(suppliers\.v1|outcomes\.v1|dlq\.v1)$/.test(name));
    await waitFor(
      async () => {
        const committed = await admin.fetchOffsets({ groupId: `${p.prefix}audit`, topics });
        for (const { topic, partitions } of committed) {
          for (const end of await admin.fetchTopicOffsets(topic)) {
            const at = Number(partitions.find((x) => x.partition === end.partition)?.offset ?? '-1');
            // A transactional topic ends with a commit marker the group never reads past.
            if (Number(end.high) > 0 && at < Number(end.high) - 1) return false;
          }
        }
        return true;
      },
      { timeoutMs: 60_000, message: 'audit caught up with the supplier, outcome and DLQ topics' },
    );
  }

  await Promise.all([p.startAudit(), p.startGateway(), p.startInforWriter()]);
  p.startPoller();
  let writer = p.startWriter();
  await everywhere();
  // The rewind below re-delivers from here on.
  const rewindTo = new Date();

  await t.test('the trail of a supplier created in SYSPRO shows both directions and their outcomes', async (st) => {
    await p.sysproPost('suppliers', { Supplier: NEW_SUPPLIER, SupplierName: 'Alpha Castings', TermsCode: '30', Currency: '', TaxRegnNum: 'VAT-100' });
    await everywhere();
    const [inCoupa] = await coupaSupplier(NEW_SUPPLIER);
    const items = await waitFor(
      async () => {
        const all = await trail(st, NEW_SUPPLIER);
        const writers = new Set(all.filter((i) => i.kind === 'outcome').map((i) => i.writer));
        return writers.has(group('coupa-writer')) && writers.has(group('infor-writer')) ? all : undefined;
      },
      { timeoutMs: 60_000, message: `outcomes of both writers in the trail of ${NEW_SUPPLIER}` },
    );
    const events = items.filter((i) => i.kind === 'event');
    assert.deepEqual(
      events.map((e) => [e.source, e.type]),
      [
        ['syspro', 'supplier.changed'],
        ['coupa', 'supplier.changed'],
      ],
      'SYSPRO created it; then Coupa called out about the supplier the coupa-writer created',
    );
    const outcomes = items.filter((i) => i.kind === 'outcome').map((o) => [o.writer, o.direction, o.status, (o.target as Row).id]);
    assert.deepEqual(outcomes, [
      [group('coupa-writer'), 'syspro → coupa', 'created', String(inCoupa!.id)],
      [group('infor-writer'), 'coupa → infor', 'created', NEW_SUPPLIER],
    ]);
    // In time order, as far as causes go: the Coupa call-out about the new supplier may reach the
    // gateway before the coupa-writer has recorded its outcome (Coupa calls out on the create), so
    // only each write's place after the event that caused it is fixed.
    const at = (pred: (i: Row) => boolean) => items.findIndex(pred);
    const sysproEvent = at((i) => i.kind === 'event' && i.source === 'syspro');
    const coupaEvent = at((i) => i.kind === 'event' && i.source === 'coupa');
    const coupaWrite = at((i) => i.kind === 'outcome' && i.writer === group('coupa-writer'));
    const inforWrite = at((i) => i.kind === 'outcome' && i.writer === group('infor-writer'));
    assert.equal(sysproEvent, 0, 'the SYSPRO event starts the trail');
    assert.ok(coupaWrite > sysproEvent && coupaEvent > sysproEvent && inforWrite > coupaEvent, `in time order: ${JSON.stringify(items.map((i) => i.kind))}`);
  });

  await t.test('a supplier Coupa refused is dead-lettered, and once the cause is fixed a redrive lands it exactly once', async (st) => {
    // Coupa refuses every new supplier (say, a validation rule of the customer's): permanent.
    await p.fault('coupa', { path: '/api/suppliers', method: 'POST', status: 422 });
    await p.sysproPost('suppliers', { Supplier: REFUSED_SUPPLIER, SupplierName: 'Beta Forgings', TermsCode: '30', Currency: '' });
    const [entry] = await waitFor(
      async () => {
        const { entries } = await mlc<{ entries: Row[] }>(st, ['dlq', 'list', '--writer', 'coupa-writer', '--connection', p.connection]);
        return entries.length > 0 ? entries : undefined;
      },
      { timeoutMs: 60_000, message: `${REFUSED_SUPPLIER} in the DLQ` },
    );
    assert.deepEqual([entry!.entityKey, entry!.errorCode, entry!.status], [REFUSED_SUPPLIER, 'MLC_VENDOR_REJECTED', 'open']);
    assert.deepEqual(await coupaSupplier(REFUSED_SUPPLIER), []);
    const id = String(entry!.id);
    await mlc(st, ['dlq', 'show', id]);

    await fetch(`${p.coupa.url}/_sandbox/faults`, { method: 'DELETE' }); // the cause fixed in Coupa
    const redriven = await mlc<{ ids: string[]; actionId: string }>(st, ['dlq', 'redrive', id]);
    assert.deepEqual(redriven.ids, [id]);
    await assert.rejects(mlc(st, ['dlq', 'discard', id, '--reason', 'test']), refused('MLC_CONFIG_INVALID', EXIT.badInput), 'already resolved');
    await everywhere();
    const items = await waitFor(
      async () => {
        const all = await trail(st, REFUSED_SUPPLIER);
        return all.some((i) => i.kind === 'outcome' && i.writer === group('coupa-writer') && (i.replay as Row | null)?.id === redriven.actionId) ? all : undefined;
      },
      { timeoutMs: 60_000, message: `the redriven ${REFUSED_SUPPLIER}'s outcome in its trail` },
    );
    const coupaWriter = items.filter((i) => (i.kind === 'outcome' && i.writer === group('coupa-writer')) || i.kind === 'dlq' || i.kind === 'action');
    const story = coupaWriter.map((i) => [i.kind, i.status ?? i.action]);
    // The writer publishes the DLQ record and the outcome saying so within a millisecond: either first.
    assert.deepEqual(
      [...story.slice(0, 2).sort(), ...story.slice(2)],
      [
        ['dlq', 'redriven'],
        ['outcome', 'dead-lettered'],
        ['action', 'redrive'],
        ['outcome', 'created'],
      ],
      'dead-lettered, redriven by an operator, then created',
    );
    assert.equal(coupaWriter[2]!.actor, 'e2e-operator');
    const landed = await coupaSupplier(REFUSED_SUPPLIER);
    assert.equal(landed.length, 1, 'in Coupa once');
    // The simulator logs no body for a request it faulted: the one 422 is the refused create.
    const creates = (await p.coupaCalls()).filter((c) => c.method === 'POST' && c.url === '/api/suppliers');
    assert.equal(creates.filter((c) => c.status === 422).length, 1, 'refused once');
    assert.deepEqual(creates.filter((c) => (c.body as Row | undefined)?.number === REFUSED_SUPPLIER).map((c) => c.status), [201], 'created once');
  });

  await t.test('a rewind of the stopped coupa-writer re-delivers from the timestamp and creates nothing twice', async (st) => {
    await auditCaughtUp();
    const rewind = ['replay', 'rewind', '--group', 'coupa-writer', '--to', rewindTo.toISOString()];
    await assert.rejects(mlc(st, rewind), refused('MLC_GROUP_ACTIVE', EXIT.failed), 'Kafka moves only an empty group');
    await p.stop(writer);
    await p.clearCoupaCalls();
    const dry = await mlc<{ moves: Row[] }>(st, [...rewind, '--dry-run']);
    assert.ok(dry.moves.some((m) => m.current !== m.target), 'the dry run shows offsets moving back');
    const rewound = await mlc<{ moves: Row[]; actionId: string }>(st, [...rewind, '--wait']);
    assert.ok(rewound.actionId);
    // What the coupa-writer reads and Kafka holds from the timestamp on.
    const redelivered = await audit<{ position: string }>(
      `select topic || ':' || kafka_partition || ':' || kafka_offset as position from audit_events
       where connection = $1 and source = 'syspro' and kafka_ts >= $2 order by 1`,
      [p.connection, rewindTo],
    );
    assert.equal(redelivered.length, 3, `${NEW_SUPPLIER}'s event, ${REFUSED_SUPPLIER}'s and its redriven copy`);
    const restartedAt = new Date();
    writer = p.startWriter();
    const outcomes = await waitFor(
      async () => {
        const rows = await audit<{ position: string; status: string }>(
          `select source_topic || ':' || source_partition || ':' || source_offset as position, status from audit_outcomes
           where connection = $1 and writer = $2 and at >= $3 order by 1`,
          [p.connection, group('coupa-writer'), restartedAt],
        );
        return rows.length >= redelivered.length ? rows : undefined;
      },
      { timeoutMs: 90_000, message: 'the coupa-writer re-consumed from the timestamp' },
    );
    await p.writerCaughtUp();
    assert.deepEqual(
      outcomes.map((o) => [o.position, o.status]),
      redelivered.map((e) => [e.position, 'unchanged']),
      'exactly the records from the timestamp on, each a no-op',
    );
    assert.deepEqual((await p.coupaCalls()).filter((c) => c.method !== 'GET'), [], 'nothing written to Coupa: no second create');
    const suppliers = await p.coupaRows('suppliers');
    assert.equal(new Set(suppliers.map((s) => s.number)).size, suppliers.length, 'no supplier twice in Coupa');
    const m3 = await p.m3Rows('suppliers');
    assert.equal(new Set(m3.map((s) => s.SUNO)).size, m3.length, 'no supplier twice in M3');
  });

  await t.test('after a mapping change, a forced republish of two suppliers rewrites exactly those two in Coupa', async (st) => {
    const [a, b] = (await sysproSuppliers()).filter((s) => s !== NEW_SUPPLIER && s !== REFUSED_SUPPLIER);
    assert.ok(a !== undefined && b !== undefined);
    await p.stop(writer);
    p.setCoupaMapping({ ...SANDBOX_MAPPINGS.coupa, supplier: { poMethod: 'email' } });
    writer = p.startWriter();
    await p.clearCoupaCalls();

    const republish = ['replay', 'republish', '--connection', p.connection, '--entity', 'supplier', '--source', 'syspro'];
    const [counted] = await audit<{ n: number }>(
      // Each event once: the redriven E2E-200 is in the log twice under one event id.
      `select count(distinct event_id)::int as n from audit_events where connection = $1 and entity_type = 'supplier' and source = 'syspro' and kafka_ts >= $2`,
      [p.connection, parseTime('tuesday', new Date())],
    );
    assert.equal((await mlc<{ selected: number }>(st, [...republish, '--since', 'tuesday', '--dry-run'])).selected, counted!.n);
    assert.equal((await mlc<{ selected: number }>(st, [...republish, '--key', a, '--key', b, '--force', '--dry-run'])).selected, 2);
    const replay = await mlc<{ published: number; actionId: string }>(st, [...republish, '--key', a, '--key', b, '--force']);
    assert.equal(replay.published, 2);
    const outcomes = await waitFor(
      async () => {
        const rows = await audit<{ key: string; status: string }>(
          `select entity_key as key, status from audit_outcomes where connection = $1 and writer = $2 and payload->'replay'->>'id' = $3 order by 1`,
          [p.connection, group('coupa-writer'), replay.actionId],
        );
        return rows.length >= 2 ? rows : undefined;
      },
      { timeoutMs: 90_000, message: 'the coupa-writer wrote the republished suppliers' },
    );
    await p.writerCaughtUp();
    assert.deepEqual(outcomes.map((o) => [o.key, o.status]), [a, b].sort().map((key) => [key, 'updated']));
    const suppliers = await p.coupaRows('suppliers');
    const idOf = (number: string) => String(suppliers.find((s) => s.number === number)!.id);
    assert.deepEqual(
      (await p.coupaCalls()).filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.url}`).sort(),
      [`PUT /api/suppliers/${idOf(a)}`, `PUT /api/suppliers/${idOf(b)}`].sort(),
      'one PUT for each chosen supplier, nothing else written',
    );
    assert.deepEqual(
      suppliers.map((s) => [s.number, s['po-method']]).sort(),
      suppliers.map((s) => [s.number, s.number === a || s.number === b ? 'email' : 'prompt']).sort(),
      'the new mapping only on the two rewritten suppliers',
    );
  });
});
