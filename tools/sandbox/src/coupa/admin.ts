import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { ClientConfig, type Auth } from './auth.js';
import { CalloutEndpoint, CalloutFault, type Callouts, type EventType } from './callouts.js';
import { InvoiceCreate, PurchaseOrderCreate, SupplierCreate, SupplierUpdate, hyphenateKeys, issuesToErrors } from './inputs.js';
import type { ApiSettings } from './api.js';
import { RateLimitSetting } from './options.js';
import * as ops from './state.js';
import type { Table } from './table.js';

export interface AdminDeps {
  state: ops.CoupaState;
  auth: Auth;
  callouts: Callouts;
  settings: ApiSettings;
  setRateLimit: (limit: z.infer<typeof RateLimitSetting>) => void;
  rateLimit: () => z.infer<typeof RateLimitSetting>;
  apiVersions: Map<string, number>;
  emit: (type: EventType, record: unknown) => void;
  now: () => number;
}

const Settings = z.object({
  latencyMs: z.number().int().nonnegative().optional(),
  requireApiVersion: z.union([z.boolean(), z.string().min(1)]).optional(),
  rateLimit: RateLimitSetting.optional(),
});

const invalid = (reply: FastifyReply, errors: Record<string, string[]>, status = 400) => reply.code(status).send({ errors });

/**
 * The admin API under /_sandbox: inspect state, make the changes a Coupa user would make in the UI
 * (approve a PO, edit a supplier, enter an invoice), manage tokens and clients, drive call-outs.
 * It has no authentication: the sandbox binds to 127.0.0.1 by default.
 */
export function registerAdmin(app: FastifyInstance, deps: AdminDeps) {
  const { state, auth, callouts } = deps;
  const at = () => new Date(deps.now()).toISOString();
  const tables: Record<string, Table<{ id: number }>> = {
    suppliers: state.suppliers,
    purchase_orders: state.purchaseOrders,
    invoices: state.invoices,
    lookups: state.lookups,
    lookup_values: state.lookupValues,
    accounts: state.accounts,
    account_types: state.accountTypes,
  };

  return app.register(
    async (admin) => {
      admin.get<{ Params: { resource: string }; Querystring: { limit?: string; offset?: string } }>('/state/:resource', async (request, reply) => {
        const { resource } = request.params;
        if (resource === 'tokens') return auth.tokens();
        if (resource === 'clients') return auth.clients();
        const table = Object.hasOwn(tables, resource) ? tables[resource] : undefined;
        if (!table) return invalid(reply, { resource: [`unknown; one of ${Object.keys(tables).join(', ')}, tokens, clients`] }, 404);
        const offset = Number(request.query.offset ?? 0);
        const limit = Number(request.query.limit ?? 1000);
        reply.header('x-total-count', String(table.size));
        return [...table.all()].slice(offset, offset + limit);
      });
      admin.get<{ Params: { resource: string; id: string } }>('/state/:resource/:id', async (request, reply) => {
        const table = Object.hasOwn(tables, request.params.resource) ? tables[request.params.resource] : undefined;
        const record = table?.get(Number(request.params.id));
        return record ?? invalid(reply, { base: ['Record not found'] }, 404);
      });

      const reply201 = <T>(reply: FastifyReply, outcome: ops.Outcome<T>, event?: (r: T) => EventType | undefined) => {
        if (!outcome.ok) return invalid(reply, outcome.errors, outcome.status);
        const type = event?.(outcome.record);
        if (type) deps.emit(type, outcome.record);
        return reply.code(201).send(outcome.record);
      };

      admin.post('/suppliers', async (request, reply) => {
        const input = SupplierCreate.safeParse(hyphenateKeys(request.body ?? {}));
        if (!input.success) return invalid(reply, issuesToErrors(input.error));
        return reply201(reply, ops.createSupplier(state, input.data, at()), () => 'supplier.created');
      });
      admin.patch<{ Params: { id: string } }>('/suppliers/:id', async (request, reply) => {
        const input = SupplierUpdate.safeParse(hyphenateKeys(request.body ?? {}));
        if (!input.success) return invalid(reply, issuesToErrors(input.error));
        const outcome = ops.updateSupplier(state, Number(request.params.id), input.data, at());
        if (!outcome.ok) return invalid(reply, outcome.errors, outcome.status);
        deps.emit('supplier.updated', outcome.record);
        return outcome.record;
      });
      admin.post('/purchase_orders', async (request, reply) => {
        const input = PurchaseOrderCreate.safeParse(hyphenateKeys(request.body ?? {}));
        if (!input.success) return invalid(reply, issuesToErrors(input.error));
        return reply201(reply, ops.createPurchaseOrder(state, input.data, at()), (po) => (po.status === 'issued' ? 'purchase_order.issued' : undefined));
      });
      // Approval and issue are one step here: in Coupa a PO is issued when its approvals complete.
      for (const action of ['approve', 'issue'] as const) {
        admin.post<{ Params: { id: string } }>(`/purchase_orders/:id/${action}`, async (request, reply) => {
          const outcome = ops.actOnPurchaseOrder(state, Number(request.params.id), 'issue', at());
          if (!outcome.ok) return invalid(reply, outcome.errors, outcome.status);
          deps.emit('purchase_order.issued', outcome.record);
          return outcome.record;
        });
      }
      admin.post('/invoices', async (request, reply) => {
        const input = InvoiceCreate.safeParse(hyphenateKeys({ status: 'approved', ...(request.body as object | undefined) }));
        if (!input.success) return invalid(reply, issuesToErrors(input.error));
        return reply201(reply, ops.createInvoice(state, input.data, at()), () => 'invoice.created');
      });

      admin.post('/tokens/expire', async () => ({ expired: auth.expireAll() }));
      admin.post<{ Body: { clientId?: string } | undefined }>('/tokens/revoke', async (request) => ({ revoked: auth.revoke({ clientId: request.body?.clientId }) }));
      admin.get('/clients', async () => auth.clients());
      admin.post('/clients', async (request, reply) => {
        const input = ClientConfig.safeParse(request.body ?? {});
        if (!input.success) return invalid(reply, issuesToErrors(input.error));
        const client = auth.addClient(input.data);
        return reply.code(201).send({ clientId: client.clientId, scopes: client.scopes });
      });

      admin.post<{ Params: { clientId: string }; Body: { clientSecret?: unknown } | undefined }>('/clients/:clientId/secret', async (request, reply) => {
        const secret = request.body?.clientSecret;
        if (typeof secret !== 'string' || secret === '') return invalid(reply, { clientSecret: ['required'] });
        if (!auth.rotateSecret(request.params.clientId, secret)) return invalid(reply, { client: ['not found'] }, 404);
        return { clientId: request.params.clientId, rotated: true };
      });

      admin.get('/settings', async () => ({ ...deps.settings, rateLimit: deps.rateLimit() }));
      admin.put('/settings', async (request, reply) => {
        const input = Settings.safeParse(request.body ?? {});
        if (!input.success) return invalid(reply, issuesToErrors(input.error));
        const { rateLimit, ...rest } = input.data;
        for (const [k, v] of Object.entries(rest)) if (v !== undefined) Object.assign(deps.settings, { [k]: v });
        if (rateLimit !== undefined) deps.setRateLimit(rateLimit);
        return { ...deps.settings, rateLimit: deps.rateLimit() };
      });
      admin.get('/api-versions', async () => Object.fromEntries(deps.apiVersions));

      admin.post('/callouts', async (request, reply) => {
        const input = CalloutEndpoint.safeParse(request.body ?? {});
        if (!input.success) return invalid(reply, issuesToErrors(input.error));
        return reply.code(201).send(callouts.addEndpoint(input.data));
      });
      admin.get('/callouts', async () => callouts.endpoints());
      admin.delete<{ Params: { id: string } }>('/callouts/:id', async (request, reply) =>
        callouts.removeEndpoint(Number(request.params.id)) ? reply.code(204).send() : invalid(reply, { base: ['Endpoint not found'] }, 404),
      );
      admin.get<{ Querystring: { eventType?: string; status?: string } }>('/callouts/deliveries', async (request) =>
        callouts
          .deliveries()
          .filter((d) => (!request.query.eventType || d.eventType === request.query.eventType) && (!request.query.status || d.status === request.query.status)),
      );
      admin.post<{ Params: { id: string } }>('/callouts/deliveries/:id/redeliver', async (request, reply) => {
        const delivery = callouts.redeliver(Number(request.params.id));
        return delivery ? reply.code(202).send(delivery) : invalid(reply, { base: ['Delivery not found'] }, 404);
      });
      admin.post('/callouts/faults', async (request, reply) => {
        const input = CalloutFault.safeParse(request.body ?? {});
        if (!input.success) return invalid(reply, issuesToErrors(input.error));
        return reply.code(201).send(callouts.addFault(input.data));
      });
      admin.post('/callouts/hold', async (_request, reply) => {
        callouts.hold();
        return reply.code(204).send();
      });
      admin.post<{ Body: { order?: 'fifo' | 'reverse' } | undefined }>('/callouts/release', async (request, reply) => {
        const order = request.body?.order ?? 'fifo';
        if (order !== 'fifo' && order !== 'reverse') return invalid(reply, { order: ['must be fifo or reverse'] });
        return { released: callouts.release(order) };
      });
    },
    { prefix: '/_sandbox' },
  );
}
