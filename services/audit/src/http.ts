import { z } from 'zod';
import { EntityTypeSchema } from '@mlc/events';
import { toMlcError, type MlcError } from '@mlc/errors';
import type { ServiceServer } from '@mlc/service';
import { decodeCursor, type TrailPage, type TrailQuery } from './trail.js';

export const MAX_TRAIL_LIMIT = 1000;

/** `GET /trail` query: a record (connection, entity, key) or a correlation id; paging. */
export const TrailRequest = z
  .strictObject({
    connection: z.string().min(1).optional(),
    entity: EntityTypeSchema.optional(),
    key: z.string().min(1).optional(),
    correlationId: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_TRAIL_LIMIT).default(100),
    cursor: z.string().min(1).optional(),
  })
  // Run even when a field failed (`when`), so one answer names every problem.
  .superRefine((q, ctx) => {
    const record = [q.connection, q.entity, q.key].filter((v) => v !== undefined).length;
    if (q.correlationId !== undefined && record > 0) {
      ctx.addIssue({ code: 'custom', path: ['correlationId'], message: 'give either correlationId or connection, entity and key, not both' });
    } else if (q.correlationId === undefined && record < 3) {
      for (const field of ['connection', 'entity', 'key'] as const) {
        if (q[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'required (or give correlationId instead)' });
      }
    }
  }, { when: (payload) => typeof payload.value === 'object' && payload.value !== null });

export interface QueryIssue {
  field: string;
  message: string;
}

/** The store query a request asks for, or the issues that make it a 400. Pure. */
export function parseTrailRequest(query: unknown): { query: TrailQuery } | { issues: QueryIssue[] } {
  const parsed = TrailRequest.safeParse(query);
  if (!parsed.success) return { issues: parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(query)', message: i.message })) };
  const q = parsed.data;
  let after;
  try {
    after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  } catch (error) {
    return { issues: [{ field: 'cursor', message: (error as MlcError).message }] };
  }
  const subject = q.correlationId !== undefined ? { correlationId: q.correlationId } : { connection: q.connection!, entityType: q.entity!, key: q.key! };
  return { query: { subject, limit: q.limit, after } };
}

export interface TrailRoutesParams {
  trail: (query: TrailQuery) => Promise<TrailPage>;
}

/**
 * `GET /trail?connection=&entity=&key=` or `GET /trail?correlationId=`, with `limit` (1–1000,
 * default 100) and `cursor` (the previous page's `nextCursor`). 200 with `{ items, nextCursor }`;
 * 400 with `{ error: 'invalid-query', issues: [{ field, message }] }`; 503 with the error code when
 * the database is unavailable.
 */
export function registerTrailRoutes(server: ServiceServer, { trail }: TrailRoutesParams): void {
  server.get('/trail', async (request, reply) => {
    const parsed = parseTrailRequest(request.query);
    if ('issues' in parsed) return reply.code(400).send({ error: 'invalid-query', issues: parsed.issues });
    try {
      return await trail(parsed.query);
    } catch (error) {
      const e = toMlcError(error);
      request.log.error({ err: e }, 'trail query failed');
      return reply.code(e.retriable ? 503 : 500).send({ error: e.code });
    }
  });
}
