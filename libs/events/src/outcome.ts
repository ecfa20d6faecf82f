import { z } from 'zod';
import { EntityTypeSchema } from './envelope.js';
import { IsoDateTime, NonEmpty } from './primitives.js';

export const OUTCOMES_TOPIC = 'mlc.outcomes.v1';

/** One writer's result for one event, published on mlc.outcomes.v1 and kept by audit. */
export const Outcome = z.object({
  eventId: NonEmpty,
  eventType: z.string(),
  connection: z.string(),
  entity: z.object({ type: EntityTypeSchema, key: z.string() }),
  writer: NonEmpty.describe('consumer group of the writer that handled it'),
  /**
   * `echo`: the event is the echo of our own write (two-way sync), so nothing was written back.
   * `parked`: not written yet; kept in order in the writer's parking lot while its connection's
   * target is down (or behind records that are), and written when the target is back: a later
   * outcome of the same event says how.
   */
  status: z.enum(['created', 'updated', 'unchanged', 'skipped', 'failed', 'dead-lettered', 'echo', 'parked']),
  target: z.object({ system: z.string(), id: z.string().optional() }).optional(),
  attempts: z.number().int().nonnegative(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  correlationId: z.string(),
  source: z.object({ topic: z.string(), partition: z.number().int(), offset: z.string() }),
  /** Set when the event was sent again by an operator (republish, redrive): which action, and whether it forced a write. */
  replay: z.object({ id: NonEmpty, force: z.boolean() }).optional(),
  /** Why a write was left out or cut down (two-way sync: echo, fields not owned, a conflict and who won). */
  reason: z.string().optional(),
  at: IsoDateTime,
});
export type Outcome = z.infer<typeof Outcome>;
