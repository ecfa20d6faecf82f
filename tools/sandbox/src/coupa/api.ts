import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { scopeFor, type Auth, type ResourceName } from './auth.js';
import type { EventType } from './callouts.js';
import {
  AccountCreate,
  AccountUpdate,
  InvoiceCreate,
  InvoiceUpdate,
  LookupCreate,
  LookupUpdate,
  LookupValueCreate,
  LookupValueUpdate,
  PurchaseOrderCreate,
  PurchaseOrderUpdate,
  SupplierCreate,
  SupplierUpdate,
  hyphenateKeys,
  issuesToErrors,
} from './inputs.js';
import { matches, parseQuery } from './query.js';
import type { Limiter } from './rate-limit.js';
import * as ops from './state.js';
import type { Table } from './table.js';

interface ResourceSpec {
  table: Table<{ id: number }>;
  createSchema: z.ZodType;
  updateSchema: z.ZodType;
  create(input: unknown, at: string): ops.Outcome<{ id: number }>;
  update(id: number, input: unknown, at: string): ops.Outcome<{ id: number }>;
  /** Event to send after a successful create / update, if any. */
  onCreate?: (record: { id: number }) => EventType | undefined;
  onUpdate?: (record: { id: number }) => EventType | undefined;
  exportable: boolean;
  /** A unique field whose index key is the value itself: `?field=value` is served from the index. */
  naturalKey?: string;
}

export interface ApiSettings {
  latencyMs: number;
  apiVersionHeader: string;
  /** true: the header must be present; a string: it must have this value. */
  requireApiVersion: boolean | string;
  defaultLimit: number;
  maxLimit: number;
}

export interface ApiDeps {
  state: ops.CoupaState;
  auth: Auth;
  settings: ApiSettings;
  limiter: () => Limiter | undefined;
  emit: (type: EventType, record: unknown) => void;
  apiVersions: Map<string, number>;
  now: () => number;
}

const send = (reply: FastifyReply, status: number, errors: Record<string, string[]>) => reply.code(status).send({ errors });

function specs(state: ops.CoupaState): Record<ResourceName, ResourceSpec> {
  const issuedEvent = (po: { id: number }) => ('status' in po && po.status === 'issued' ? 'purchase_order.issued' : undefined);
  return {
    suppliers: {
      table: state.suppliers,
      createSchema: SupplierCreate,
      updateSchema: SupplierUpdate,
      create: (input, at) => ops.createSupplier(state, input as SupplierCreate, at),
      update: (id, input, at) => ops.updateSupplier(state, id, input as SupplierUpdate, at),
      onCreate: () => 'supplier.created',
      onUpdate: () => 'supplier.updated',
      exportable: false,
      naturalKey: 'number',
    },
    purchase_orders: {
      naturalKey: 'po-number',
      table: state.purchaseOrders,
      createSchema: PurchaseOrderCreate,
      updateSchema: PurchaseOrderUpdate,
      create: (input, at) => ops.createPurchaseOrder(state, input as PurchaseOrderCreate, at),
      update: (id, input, at) => ops.updatePurchaseOrder(state, id, input as PurchaseOrderUpdate, at),
      onCreate: issuedEvent,
      onUpdate: issuedEvent,
      exportable: true,
    },
    invoices: {
      table: state.invoices,
      createSchema: InvoiceCreate,
      updateSchema: InvoiceUpdate,
      create: (input, at) => ops.createInvoice(state, input as InvoiceCreate, at),
      update: (id, input, at) => ops.updateInvoice(state, id, input as InvoiceUpdate, at),
      onCreate: () => 'invoice.created',
      exportable: true,
    },
    lookups: {
      table: state.lookups,
      createSchema: LookupCreate,
      updateSchema: LookupUpdate,
      create: (input, at) => ops.createLookup(state, input as LookupCreate, at),
      update: (id, input, at) => ops.updateLookup(state, id, input as z.infer<typeof LookupUpdate>, at),
      exportable: false,
    },
    lookup_values: {
      table: state.lookupValues,
      createSchema: LookupValueCreate,
      updateSchema: LookupValueUpdate,
      create: (input, at) => ops.createLookupValue(state, input as LookupValueCreate, at),
      update: (id, input, at) => ops.updateLookupValue(state, id, input as LookupValueUpdate, at),
      exportable: false,
    },
    accounts: {
      table: state.accounts,
      createSchema: AccountCreate,
      updateSchema: AccountUpdate,
      create: (input, at) => ops.createAccount(state, input as AccountCreate, at),
      update: (id, input, at) => ops.updateAccount(state, id, input as AccountUpdate, at),
      exportable: false,
    },
  };
}

// Clients send the same few Accept values on every call: each is parsed once.
const acceptsJsonSeen = new Map<string, boolean>();
function acceptsJson(accept: string | undefined): boolean {
  const key = accept ?? '';
  let ok = acceptsJsonSeen.get(key);
  if (ok === undefined) {
    ok = parseAcceptsJson(key);
    if (acceptsJsonSeen.size < 100) acceptsJsonSeen.set(key, ok);
  }
  return ok;
}

const parseAcceptsJson = (accept: string): boolean =>
  accept.split(',').some((part) => {
    const [type, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return type?.trim().toLowerCase() === 'application/json' && (q === undefined || Number(q.slice(2)) > 0);
  });

const rawQuery = (request: FastifyRequest): URLSearchParams => {
  const q = request.url.indexOf('?');
  return new URLSearchParams(q === -1 ? '' : request.url.slice(q + 1));
};

function parseId(raw: string): number | undefined {
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** The REST API under /api, with the checks every call goes through (order matters, see the onRequest hook). */
export function registerApi(app: FastifyInstance, deps: ApiDeps) {
  const { state, auth, settings } = deps;
  const resources = specs(state);
  // The scopes of a request's token ride on the request: a decoration, so every request has them from the start (no WeakMap per request).
  type Granted = FastifyRequest & { coupaGrants: ReadonlySet<string> | null };
  const grantsOf = (request: FastifyRequest) => (request as Granted).coupaGrants;
  const at = () => new Date(deps.now()).toISOString();

  return app.register(
    async (api) => {
      api.decorateRequest('coupaGrants', null);
      api.addHook('onRequest', async (request, reply) => {
        if (settings.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, settings.latencyMs));
        const version = request.headers[settings.apiVersionHeader.toLowerCase()];
        const versionValue = Array.isArray(version) ? version[0] : version;
        deps.apiVersions.set(versionValue ?? '(missing)', (deps.apiVersions.get(versionValue ?? '(missing)') ?? 0) + 1);

        const check = auth.check(request.headers.authorization);
        if (!check.ok) {
          const error = check.reason === 'missing' ? 'invalid_request' : 'invalid_token';
          reply.header('www-authenticate', `Bearer realm="coupa-sandbox", error="${error}"`);
          return send(reply, 401, { base: [check.reason === 'missing' ? 'Bearer token required' : `token ${check.reason}`] });
        }
        const wait = deps.limiter()?.take(check.clientId);
        if (wait !== undefined) {
          reply.header('retry-after', String(wait));
          return send(reply, 429, { base: ['Rate limit exceeded'] });
        }
        if (!acceptsJson(request.headers.accept)) {
          return send(reply, 406, { base: ['The sandbox answers JSON only: send Accept: application/json'] });
        }
        if (settings.requireApiVersion !== false) {
          const ok = versionValue !== undefined && (settings.requireApiVersion === true || versionValue === settings.requireApiVersion);
          if (!ok) return send(reply, 400, { [settings.apiVersionHeader]: [versionValue === undefined ? 'header is required' : 'unsupported API version'] });
        }
        (request as Granted).coupaGrants = check.scopes;
      });

      api.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
        if (body === '') return done(null, {});
        try {
          done(null, JSON.parse(body as string));
        } catch {
          done(Object.assign(new Error('malformed JSON body'), { statusCode: 400 }), undefined);
        }
      });
      api.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
        const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
        return send(reply, status, { base: [status === 500 ? 'internal error' : 'malformed request'] });
      });

      function resolve(request: FastifyRequest<{ Params: { resource: string } }>, reply: FastifyReply, right: 'read' | 'write') {
        const name = request.params.resource as ResourceName;
        const spec = Object.hasOwn(resources, name) ? resources[name] : undefined;
        if (!spec) {
          send(reply, 404, { base: ['No route matches'] });
          return undefined;
        }
        const needed = scopeFor(name, right);
        if (!grantsOf(request)?.has(needed)) {
          reply.header('www-authenticate', `Bearer realm="coupa-sandbox", error="insufficient_scope", scope="${needed}"`);
          send(reply, 403, { base: [`scope ${needed} required`] });
          return undefined;
        }
        return spec;
      }

      function parseBody(schema: z.ZodType, body: unknown) {
        return schema.safeParse(hyphenateKeys(body ?? {}));
      }

      api.get<{ Params: { resource: string } }>('/:resource', async (request, reply) => {
        const spec = resolve(request, reply, 'read');
        if (!spec) return reply;
        const parsed = parseQuery(rawQuery(request), { defaultLimit: settings.defaultLimit, maxLimit: settings.maxLimit });
        if ('problems' in parsed) return send(reply, 400, Object.fromEntries(parsed.problems.map((p) => [p.param, [p.message]])));
        const { filters, limit, offset, orderBy, descending } = parsed.query;
        // Writers look records up by natural key before every write, one (`=`) or several (`[in]`)
        // at a time; scanning the table for each lookup would make a 100k-record backfill measure
        // the simulator, not the client.
        const byKey = filters.find((f) => (f.op === 'eq' || f.op === 'in') && f.path.length === 1 && f.path[0] === spec.naturalKey);
        const keys = byKey === undefined ? [] : byKey.op === 'eq' ? [byKey.value] : [...new Set(byKey.value.split(',').map((v) => v.trim()))];
        const candidates = byKey
          ? keys
              .map((key) => spec.table.findBy(byKey.path[0]!, key))
              .filter((r) => r !== undefined)
              .sort((a, b) => a.id - b.id)
          : [...spec.table.all()];
        let rows = candidates.filter((r) => matches(r, filters));
        if (orderBy) {
          const key = (r: object) => (r as Record<string, unknown>)[orderBy] as string | number | null;
          rows.sort((a, b) => {
            const x = key(a) ?? '';
            const y = key(b) ?? '';
            return x < y ? -1 : x > y ? 1 : a.id - b.id;
          });
        }
        if (descending) rows = rows.reverse();
        return rows.slice(offset, offset + limit);
      });

      api.get<{ Params: { resource: string; id: string } }>('/:resource/:id', async (request, reply) => {
        const spec = resolve(request, reply, 'read');
        if (!spec) return reply;
        const id = parseId(request.params.id);
        const record = id === undefined ? undefined : spec.table.get(id);
        return record ?? send(reply, 404, { base: ['Record not found'] });
      });

      api.post<{ Params: { resource: string } }>('/:resource', async (request, reply) => {
        const spec = resolve(request, reply, 'write');
        if (!spec) return reply;
        const input = parseBody(spec.createSchema, request.body);
        if (!input.success) return send(reply, 400, issuesToErrors(input.error));
        const outcome = spec.create(input.data, at());
        if (!outcome.ok) return send(reply, outcome.status, outcome.errors);
        const event = spec.onCreate?.(outcome.record);
        if (event) deps.emit(event, outcome.record);
        return reply.code(201).send(outcome.record);
      });

      const update = async (request: FastifyRequest<{ Params: { resource: string; id: string } }>, reply: FastifyReply) => {
        const spec = resolve(request, reply, 'write');
        if (!spec) return reply;
        const id = parseId(request.params.id);
        if (id === undefined || !spec.table.get(id)) return send(reply, 404, { base: ['Record not found'] });
        const exported = rawQuery(request).get('exported');
        if (exported !== null) {
          if (!spec.exportable) return send(reply, 400, { exported: ['this resource has no exported flag'] });
          if (exported !== 'true' && exported !== 'false') return send(reply, 400, { exported: ['must be true or false'] });
          // Coupa treats ?exported= as its own action; other changes in the same call are ignored.
          const outcome = ops.setExported(spec.table as Table<{ id: number; exported: boolean }>, id, exported === 'true');
          return outcome.ok ? outcome.record : send(reply, outcome.status, outcome.errors);
        }
        const input = parseBody(spec.updateSchema, request.body);
        if (!input.success) return send(reply, 400, issuesToErrors(input.error));
        const outcome = spec.update(id, input.data, at());
        if (!outcome.ok) return send(reply, outcome.status, outcome.errors);
        const event = spec.onUpdate?.(outcome.record);
        if (event) deps.emit(event, outcome.record);
        return outcome.record;
      };
      api.put('/:resource/:id', update);
      api.patch('/:resource/:id', update);

      // Coupa's purchase_order_lines resource: only the documented DELETE is simulated here.
      api.delete<{ Params: { id: string } }>('/purchase_order_lines/:id', async (request, reply) => {
        if (!grantsOf(request)?.has(scopeFor('purchase_orders', 'write'))) return send(reply, 403, { base: [`scope ${scopeFor('purchase_orders', 'write')} required`] });
        const id = parseId(request.params.id);
        if (id === undefined) return send(reply, 404, { base: ['Record not found'] });
        const outcome = ops.deleteOrderLine(state, id, at());
        if (!outcome.ok) return send(reply, outcome.status, outcome.errors);
        return reply.code(204).send();
      });

      api.put<{ Params: { resource: string; id: string; action: string } }>('/:resource/:id/:action', async (request, reply) => {
        const spec = resolve(request, reply, 'write');
        if (!spec) return reply;
        const action = request.params.action;
        if (request.params.resource !== 'purchase_orders' || (action !== 'issue' && action !== 'cancel' && action !== 'close')) {
          return send(reply, 404, { base: ['No route matches'] });
        }
        const id = parseId(request.params.id);
        if (id === undefined) return send(reply, 404, { base: ['Record not found'] });
        const outcome = ops.actOnPurchaseOrder(state, id, action, at());
        if (!outcome.ok) return send(reply, outcome.status, outcome.errors);
        if (action === 'issue') deps.emit('purchase_order.issued', outcome.record);
        return outcome.record;
      });
    },
    { prefix: '/api' },
  );
}
