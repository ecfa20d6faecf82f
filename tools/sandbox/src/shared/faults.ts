import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createRandom } from './random.js';

/**
 * Fault injection and a request log for one simulator, driven through its admin API:
 *   POST   /_sandbox/faults     add a rule (FaultRule)      GET /_sandbox/faults   list rules
 *   DELETE /_sandbox/faults     remove all rules
 *   GET    /_sandbox/requests   what clients sent (?path=prefix&limit=n)   DELETE clears it
 * Admin routes (/_sandbox/*) are never faulted nor logged.
 */
export const FaultRule = z.object({
  /** Request path prefix the rule applies to (query string excluded); default: every route. */
  path: z.string().default('/'),
  method: z.string().toUpperCase().optional(),
  /** Share of matching requests that get the fault, 0..1. */
  rate: z.number().min(0).max(1).default(1),
  /** Answer with this status instead of handling the request. */
  status: z.number().int().min(200).max(599).optional(),
  /** Sent as Retry-After (seconds) with a 429 or 503. */
  retryAfterSeconds: z.number().int().nonnegative().optional(),
  /** Delay before handling (or before the fault), in milliseconds. */
  latencyMs: z.number().int().nonnegative().default(0),
  /**
   * Answer with this raw text instead of handling the request (status 200 unless `status` says
   * otherwise): a malformed page, a proxy's HTML error page.
   */
  body: z.string().max(1_000_000).optional(),
  /** Content type of `body`. */
  contentType: z.string().default('application/json'),
  /** Destroy the socket without answering (a connection reset). */
  reset: z.boolean().default(false),
  /** Stop after this many faults; unlimited when absent. */
  times: z.number().int().positive().optional(),
}).refine((rule) => rule.body !== undefined || rule.status === undefined || rule.status >= 400, {
  path: ['status'],
  message: 'a status below 400 needs a body',
});
export type FaultRule = z.infer<typeof FaultRule>;

export interface LoggedRequest {
  at: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  status?: number;
  fault?: string;
}

export interface FaultControl {
  add(rule: z.input<typeof FaultRule>): void;
  clear(): void;
  requests(): readonly LoggedRequest[];
  clearRequests(): void;
}

const ADMIN_PREFIX = '/_sandbox';

type LogEntryOn = FastifyRequest & { sandboxLogEntry: LoggedRequest | null };

function pathOf(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  return q === -1 ? request.url : request.url.slice(0, q);
}

/** Installs the hooks and admin routes on `app`; call before registering the simulator's routes. */
export function installFaults(app: FastifyInstance, options: { seed?: number; maxLoggedRequests?: number } = {}): FaultControl {
  const random = createRandom(options.seed ?? 1);
  const maxLogged = options.maxLoggedRequests ?? 10_000;
  const rules: Array<FaultRule & { used: number }> = [];
  const log: LoggedRequest[] = [];
  // A request's log entry rides on the request: a decoration, so every request has it from the start (no WeakMap per request).
  app.decorateRequest('sandboxLogEntry', null);
  const entryOf = (request: FastifyRequest) => (request as LogEntryOn).sandboxLogEntry;

  const control: FaultControl = {
    add: (rule) => rules.push({ ...FaultRule.parse(rule), used: 0 }),
    clear: () => void rules.splice(0),
    requests: () => log,
    clearRequests: () => void log.splice(0),
  };

  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request);
    if (path.startsWith(ADMIN_PREFIX)) return;
    const entry: LoggedRequest = { at: new Date().toISOString(), method: request.method, url: request.url, headers: { ...request.headers }, body: undefined };
    (request as LogEntryOn).sandboxLogEntry = entry;
    log.push(entry);
    if (log.length > maxLogged) log.splice(0, log.length - maxLogged);

    const rule = rules.find(
      (r) => path.startsWith(r.path) && (!r.method || r.method === request.method) && (r.times === undefined || r.used < r.times),
    );
    if (!rule || !random.chance(rule.rate)) return;
    rule.used += 1;
    if (rule.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, rule.latencyMs));
    if (rule.reset) {
      entry.fault = 'reset';
      request.raw.socket.destroy();
      return reply.hijack();
    }
    if (rule.body !== undefined) {
      entry.fault = `body (${rule.body.length} characters)`;
      if (rule.retryAfterSeconds !== undefined) reply.header('retry-after', String(rule.retryAfterSeconds));
      return reply.code(rule.status ?? 200).type(rule.contentType).send(rule.body);
    }
    if (rule.status !== undefined) {
      entry.fault = `status ${rule.status}`;
      if (rule.retryAfterSeconds !== undefined) reply.header('retry-after', String(rule.retryAfterSeconds));
      return reply.code(rule.status).send({ errors: { sandbox: [`injected fault: HTTP ${rule.status}`] } });
    }
  });

  app.addHook('preHandler', async (request) => {
    const entry = entryOf(request);
    if (entry) entry.body = request.body;
  });
  app.addHook('onResponse', async (request, reply) => {
    const entry = entryOf(request);
    if (entry) entry.status = reply.statusCode;
  });

  app.post(`${ADMIN_PREFIX}/faults`, async (request, reply) => {
    const parsed = FaultRule.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid fault rule', issues: parsed.error.issues });
    control.add(parsed.data);
    return reply.code(201).send(parsed.data);
  });
  app.get(`${ADMIN_PREFIX}/faults`, async () => rules);
  app.delete(`${ADMIN_PREFIX}/faults`, async (_request, reply) => {
    control.clear();
    return reply.code(204).send();
  });
  app.get<{ Querystring: { path?: string; limit?: string } }>(`${ADMIN_PREFIX}/requests`, async (request) => {
    const prefix = request.query.path ?? '';
    const limit = Number(request.query.limit ?? 1000);
    return log.filter((r) => r.url.startsWith(prefix)).slice(-limit);
  });
  app.delete(`${ADMIN_PREFIX}/requests`, async (_request, reply) => {
    control.clearRequests();
    return reply.code(204).send();
  });
  return control;
}
