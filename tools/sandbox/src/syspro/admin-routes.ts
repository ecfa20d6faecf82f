import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { OperatorAccounts } from './accounts.js';
import { TABLES, columnOf, type Row, type TableName, type TableSpec, type Value } from './data/schema.js';
import { StoreError, isTimeZone, withDefaults, type SysproStore } from './data/store.js';
import type { Sessions } from './enet/sessions.js';

/** Admin resource names and the SYSPRO tables behind them. */
export const RESOURCES = {
  suppliers: 'ApSupplier',
  'purchase-orders': 'PorMasterHdr',
  'purchase-order-lines': 'PorMasterDetail',
  invoices: 'ApInvoice',
  'invoice-distributions': 'ApJnlDistrib',
  'gl-accounts': 'GenMaster',
  'cost-centres': 'GenCostCentre',
} as const satisfies Record<string, TableName>;

// Children shown inline with their parent in state inspection.
const CHILDREN: Partial<Record<TableName, { name: string; table: TableName }>> = {
  PorMasterHdr: { name: 'lines', table: 'PorMasterDetail' },
  ApInvoice: { name: 'distributions', table: 'ApJnlDistrib' },
};

const RowBody = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));
const Paging = z.object({ offset: z.coerce.number().int().nonnegative().default(0), limit: z.coerce.number().int().min(1).max(5000).default(100) });
const Denied = z.object({ deniedBusinessObjects: z.array(z.string()) });
const Settings = z
  .object({
    pageSize: z.number().int().min(1).max(5000).optional(),
    sessionIdleSeconds: z.number().int().positive().optional(),
    serverTimeZone: z.string().refine(isTimeZone, 'expected an IANA time zone').optional(),
  })
  .strict();
/** `?commit=deferred`: the write takes its TimeStamp now and becomes visible at POST /_sandbox/transactions/{id}/commit. */
const Commit = z.object({ commit: z.enum(['now', 'deferred']).default('now') });
/** Open deferred writes at most (a test tool, bounded all the same). */
const MAX_PENDING = 1000;

export interface MutableSettings {
  pageSize: number;
  sessionIdleSeconds: number;
  /** IANA zone of the server's wall clock (zone-less change dates). */
  serverTimeZone: string;
}

function keyFromSegments(spec: TableSpec, segments: string[]): Value[] | undefined {
  if (segments.length !== spec.key.length) return undefined;
  const key: Value[] = [];
  for (const [i, name] of spec.key.entries()) {
    const raw = segments[i]!;
    if (columnOf(spec, name)!.type === 'Edm.String') key.push(raw);
    else if (/^\d+$/.test(raw)) key.push(Number(raw));
    else return undefined;
  }
  return key;
}

const segmentsOf = (wildcard: string | undefined): string[] => (wildcard ?? '').split('/').filter(Boolean).map(decodeURIComponent);

function sendStoreError(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof StoreError)) throw error;
  const status = error.code === 'not-found' ? 404 : error.code === 'exists' ? 409 : 400;
  return reply.code(status).send({ error: { code: error.code, message: error.message, problems: error.problems } });
}

/**
 * The sandbox's own admin API (never part of SYSPRO): inspect rows, change them the way a SYSPRO
 * user would (each change bumps the row's TimeStamp), expire e.net sessions, change operator rights.
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  { store, accounts, sessions, settings }: { store: SysproStore; accounts: OperatorAccounts; sessions: Sessions; settings: MutableSettings },
): void {
  // Writes whose transaction has not committed: they hold their TimeStamp but nobody reads them yet.
  const pending = new Map<string, () => Row>();
  let transactions = 0;
  /** Runs the write now, or holds it with the stamp it takes now (SQL Server assigns rowversions at write time). */
  const write = (reply: FastifyReply, query: unknown, status: number, run: (stamp?: ReturnType<SysproStore['nextStamp']>) => Row): FastifyReply | Row => {
    const mode = Commit.safeParse(query ?? {});
    if (!mode.success) return reply.code(400).send({ error: { code: 'invalid', message: 'commit must be now or deferred', issues: mode.error.issues } });
    if (mode.data.commit === 'now') return reply.code(status).send(run());
    if (pending.size >= MAX_PENDING) return reply.code(409).send({ error: { code: 'invalid', message: `more than ${MAX_PENDING} deferred writes are open` } });
    const stamp = store.nextStamp();
    transactions += 1;
    const id = String(transactions);
    pending.set(id, () => run(stamp));
    return reply.code(202).send({ transaction: id, TimeStamp: stamp.timestamp, changed: stamp.changed });
  };

  app.post<{ Params: { id: string } }>('/_sandbox/transactions/:id/commit', async (request, reply) => {
    const run = pending.get(request.params.id);
    if (run === undefined) return reply.code(404).send({ error: { code: 'not-found', message: 'no open deferred write with that id' } });
    pending.delete(request.params.id);
    try {
      return run();
    } catch (error) {
      return sendStoreError(reply, error);
    }
  });

  const withChildren = (spec: TableSpec, row: Row): Record<string, unknown> => {
    const child = CHILDREN[spec.name as TableName];
    if (!child) return row;
    return { ...row, [child.name]: store.table(child.table).withPrefix(store.table(spec.name as TableName).keyOf(row)) };
  };

  app.get('/_sandbox/state', async () => ({
    company: store.company,
    lastTimestamp: store.lastTimestamp(),
    tables: Object.fromEntries(TABLES.map((t) => [t.name, store.table(t.name).size()])),
    sessions: sessions.count(),
    settings,
    operators: accounts.list().map(({ operator, deniedBusinessObjects, odataPassword }) => ({ operator, deniedBusinessObjects, odata: odataPassword !== undefined })),
  }));

  for (const [resource, tableName] of Object.entries(RESOURCES) as Array<[string, TableName]>) {
    const table = store.table(tableName);
    const spec = table.spec;

    app.get<{ Querystring: unknown }>(`/_sandbox/state/${resource}`, async (request, reply) => {
      const paging = Paging.safeParse(request.query);
      if (!paging.success) return reply.code(400).send({ error: { code: 'invalid', message: 'offset/limit are not valid', issues: paging.error.issues } });
      const rows = table.slice(paging.data.offset, paging.data.limit).map((row) => withChildren(spec, row));
      return { total: table.size(), offset: paging.data.offset, rows };
    });

    app.get<{ Params: { '*': string } }>(`/_sandbox/state/${resource}/*`, async (request, reply) => {
      const key = keyFromSegments(spec, segmentsOf(request.params['*']));
      const row = key && table.get(key);
      if (!row) return reply.code(404).send({ error: { code: 'not-found', message: `no ${resource} row with that key` } });
      return withChildren(spec, row);
    });

    /** The table and key a path names: /_sandbox/purchase-orders/{po}/lines/{line} reads better than the line resource's own path. */
    const rowAt = (path: string) => {
      const segments = segmentsOf(path);
      const [target, keySegments] =
        tableName === 'PorMasterHdr' && segments.length === 3 && segments[1] === 'lines'
          ? (['PorMasterDetail', [segments[0]!, segments[2]!]] as const)
          : ([tableName, segments] as const);
      return { target, key: keyFromSegments(store.table(target).spec, [...keySegments]) };
    };

    app.patch<{ Params: { '*': string } }>(`/_sandbox/${resource}/*`, async (request, reply) => {
      const { target, key } = rowAt(request.params['*']);
      if (!key) return reply.code(404).send({ error: { code: 'not-found', message: 'the path does not name a row' } });
      const body = RowBody.safeParse(request.body);
      if (!body.success) return reply.code(400).send({ error: { code: 'invalid', message: 'body must be an object of column values', issues: body.error.issues } });
      try {
        // Checked now, so a deferred write that cannot apply is refused before it takes a TimeStamp.
        const problems = store.check(target, key, body.data);
        if (problems !== undefined) throw problems;
        return write(reply, request.query, 200, (stamp) => store.update(target, key, body.data, stamp));
      } catch (error) {
        return sendStoreError(reply, error);
      }
    });

    // A SYSPRO user deleting a record (a supplier, a PO line: /_sandbox/purchase-orders/{po}/lines/{line}).
    app.delete<{ Params: { '*': string } }>(`/_sandbox/${resource}/*`, async (request, reply) => {
      const { target, key } = rowAt(request.params['*']);
      if (!key) return reply.code(404).send({ error: { code: 'not-found', message: 'the path does not name a row' } });
      try {
        return store.remove(target, key);
      } catch (error) {
        return sendStoreError(reply, error);
      }
    });

    app.post(`/_sandbox/${resource}`, async (request, reply) => {
      const body = RowBody.safeParse(request.body);
      if (!body.success) return reply.code(400).send({ error: { code: 'invalid', message: 'body must be an object of column values', issues: body.error.issues } });
      try {
        const row = withDefaults(spec, body.data);
        const problems = store.check(tableName, undefined, row);
        if (problems !== undefined) throw problems;
        return write(reply, request.query, 201, (stamp) => store.insert(tableName, row, stamp));
      } catch (error) {
        return sendStoreError(reply, error);
      }
    });
  }

  app.post('/_sandbox/sessions/expire', async () => ({ expired: sessions.expireAll() }));

  app.patch<{ Params: { operator: string } }>('/_sandbox/operators/:operator', async (request, reply) => {
    const body = Denied.safeParse(request.body);
    if (!body.success) return reply.code(400).send({ error: { code: 'invalid', message: 'expected { deniedBusinessObjects: string[] }', issues: body.error.issues } });
    if (!accounts.setDenied(request.params.operator, body.data.deniedBusinessObjects)) {
      return reply.code(404).send({ error: { code: 'not-found', message: 'no such operator' } });
    }
    return accounts.find(request.params.operator)!.deniedBusinessObjects;
  });

  app.patch('/_sandbox/settings', async (request, reply) => {
    const body = Settings.safeParse(request.body);
    if (!body.success) return reply.code(400).send({ error: { code: 'invalid', message: 'settings are not valid', issues: body.error.issues } });
    Object.assign(settings, body.data);
    return settings;
  });
}
