import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toM3Date } from './m3/protocol.js';
import { snapshot, type M3State } from './m3/state.js';
import type { TokenStore } from './tokens.js';

const SupplierChange = z.record(z.string().regex(/^[A-Z0-9]{4}$/), z.string());

/**
 * Admin API under /_sandbox (never authenticated, throttled or faulted):
 *   GET  /_sandbox/state/suppliers | purchase-orders | invoice-batches | po-entries
 *   PUT  /_sandbox/state/suppliers/:suno   change a supplier as an M3 user would (bumps LMDT/CHNO)
 *   POST /_sandbox/tokens/expire           expire every access token issued so far
 */
export function registerAdmin(app: FastifyInstance, { state, tokens, today }: { state: M3State; tokens: TokenStore; today: () => Date }) {
  app.get('/_sandbox/state/suppliers', async () => snapshot(state).suppliers);
  app.get('/_sandbox/state/purchase-orders', async () => snapshot(state).purchaseOrders);
  app.get('/_sandbox/state/invoice-batches', async () => snapshot(state).invoiceBatches);
  app.get('/_sandbox/state/po-entries', async () => snapshot(state).poEntries);

  app.put<{ Params: { suno: string } }>('/_sandbox/state/suppliers/:suno', async (request, reply) => {
    const parsed = SupplierChange.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'body must map M3 field names to string values', issues: parsed.error.issues });
    const { suno } = request.params;
    const current = state.suppliers.get(suno);
    const stamp = toM3Date(today());
    const next = {
      CONO: state.company,
      SUTY: '0',
      STAT: '20',
      RGDT: stamp,
      ...current,
      ...parsed.data,
      SUNO: suno,
      LMDT: stamp,
      CHNO: String(Number(current?.CHNO ?? '0') + 1),
    };
    state.suppliers.set(suno, next);
    return reply.code(current ? 200 : 201).send(next);
  });

  app.post('/_sandbox/tokens/expire', async () => ({ expired: tokens.expireAll() }));
}
