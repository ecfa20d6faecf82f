import type pg from 'pg';
import { deleteConnectionRows } from '@mlc/db';

/**
 * The gateway's tables keyed by connection that describe the Coupa instance: call-outs handled (by
 * Coupa's event id) and learned PO lines (by Coupa's order-line id). Refused call-outs
 * (`coupa_gateway_rejections`) are a record, not state, and are kept.
 */
export const GATEWAY_CONNECTION_TABLES = ['coupa_gateway_deliveries', 'coupa_gateway_order_lines'] as const;

/**
 * Forgets what the gateway knows of `connection`'s Coupa instance. For a Coupa that started over
 * empty (the dev sandbox started fresh by `npm start`), whose event and order-line ids start again:
 * without it its call-outs would be taken as retransmissions of old ones and not published.
 */
export function forgetConnection(db: Pick<pg.Pool, 'connect'>, connection: string): Promise<Record<string, number>> {
  return deleteConnectionRows(db, connection, GATEWAY_CONNECTION_TABLES);
}
