import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toM3Date } from './m3/protocol.js';
import { changeStamp, snapshot, type M3State } from './m3/state.js';
import type { TokenStore } from './tokens.js';

const SupplierChange = z.record(z.string().regex(/^[A-Z0-9]{4}$/), z.string());
const ChangeAt = z.object({ at: z.iso.datetime({ offset: true }).optional() });
/** CHID of a change made through the admin API, as if a person changed it in CRS620. */
const ADMIN_USER = 'M3USER';

/**
 * Admin API under /_sandbox (never authenticated, throttled or faulted):
 *   GET  /_sandbox/state/suppliers | purchase-orders | invoice-batches | po-entries
 *   PUT  /_sandbox/state/suppliers/:suno   change a supplier as an M3 user would (sets LMDT/LMTS/CHNO/CHID);
 *        `?at=<ISO 8601 instant>`: what the M3 server's clock read at the change (a clock set wrong),
 *        so LMTS/LMDT carry that time instead of now
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
    const query = ChangeAt.safeParse(request.query ?? {});
    if (!query.success) return reply.code(400).send({ error: 'at must be an ISO 8601 instant with an offset', issues: query.error.issues });
    const { suno } = request.params;
    const current = state.suppliers.get(suno);
    const at = query.data.at === undefined ? today() : new Date(query.data.at);
    // The audit columns are M3's to set; a CHID in the body names the user who made the change.
    const { LMDT: _lmdt, LMTS: _lmts, CHNO: _chno, CHID: user = ADMIN_USER, ...changes } = parsed.data;
    const next = {
      CONO: state.company,
      SUTY: '0',
      STAT: '20',
      RGDT: toM3Date(at),
      ...current,
      ...changes,
      SUNO: suno,
      ...changeStamp(current, at, user),
    };
    state.suppliers.set(suno, next);
    return reply.code(current ? 200 : 201).send(next);
  });

  app.post('/_sandbox/tokens/expire', async () => ({ expired: tokens.expireAll() }));
}
