import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { envelope, executeTransaction, isKnownTransaction, type ExecuteOptions } from './m3/execute.js';
import type { M3State } from './m3/state.js';
import type { Admission } from './rate-limit.js';
import type { TokenStore } from './tokens.js';

const DEFAULT_MAX_RECORDS = 100;

const BulkRequest = z.object({
  program: z.string().min(1),
  cono: z.union([z.string(), z.number()]).optional(),
  divi: z.string().optional(),
  excludeEmptyValues: z.boolean().optional(),
  rightTrim: z.boolean().optional(),
  maxReturnedRecords: z.number().int().nonnegative().optional(),
  transactions: z
    .array(
      z.object({
        transaction: z.string().min(1),
        record: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
        selectedColumns: z.array(z.string()).optional(),
      }),
    )
    .min(1),
});

const truthy = (value: string | null | undefined, fallback: boolean) => (value == null ? fallback : value.toLowerCase() === 'true');

/**
 * Matrix parameters (`;maxrecs=0;returncols=A,B`) ride on the transaction segment; lower-case
 * query parameters are options, upper-case ones are MI fields.
 */
function parseSingle(request: FastifyRequest<{ Params: { transaction: string } }>) {
  const [transaction = '', ...matrix] = request.params.transaction.split(';');
  const options = new Map<string, string>();
  for (const m of matrix) {
    const eq = m.indexOf('=');
    if (eq > 0) options.set(m.slice(0, eq).toLowerCase(), decodeURIComponent(m.slice(eq + 1)));
  }
  const record: Record<string, string> = {};
  for (const [key, value] of new URL(request.url, 'http://sandbox').searchParams) {
    if (key === key.toUpperCase()) record[key] = value;
    else options.set(key.toLowerCase(), value);
  }
  const executeOptions: ExecuteOptions = {
    maxRecords: options.has('maxrecs') ? Number(options.get('maxrecs')) : DEFAULT_MAX_RECORDS,
    returnColumns: options.get('returncols')?.split(',').filter(Boolean),
    excludeEmpty: truthy(options.get('excludempty'), true),
    cono: options.get('cono'),
    divi: options.get('divi'),
  };
  return { transaction, record, options: executeOptions };
}

function unauthorized(reply: FastifyReply, description: string, error?: string) {
  const challenge = error ? `Bearer realm="ION API", error="${error}", error_description="${description}"` : 'Bearer realm="ION API"';
  return reply.code(401).header('www-authenticate', challenge).send({ error: error ?? 'unauthorized', error_description: description });
}

/** M3 MI REST behind the ION API gateway: bearer auth, throttling, then GET and bulk execute. */
export function registerGateway(
  app: FastifyInstance,
  deps: { tenant: string; state: M3State; tokens: TokenStore; admit: (clientId: string) => Admission; today: () => Date },
) {
  const { tenant, state, tokens, admit, today } = deps;

  void app.register(
    async (gateway) => {
      gateway.addHook('onRequest', async (request, reply) => {
        const header = request.headers.authorization;
        if (!header?.toLowerCase().startsWith('bearer ')) return unauthorized(reply, 'bearer token required');
        const verified = tokens.verify(header.slice(7).trim());
        if (!verified.ok) return unauthorized(reply, `access token ${verified.reason}`, 'invalid_token');
        const admission = admit(verified.clientId);
        if (!admission.allowed) {
          return reply
            .code(429)
            .header('retry-after', String(admission.retryAfterSeconds))
            .send({ error: 'too_many_requests', error_description: 'request quota for this client exceeded' });
        }
      });

      gateway.get<{ Params: { program: string; transaction: string } }>('/execute/:program/:transaction', async (request, reply) => {
        const { transaction, record, options } = parseSingle(request);
        const { program } = request.params;
        const result = executeTransaction({ state, program, transaction, record, options, today: today() });
        // ION answers a GET for a transaction M3 does not have with 400 (see docs/infor.md).
        return reply.code(isKnownTransaction(program, transaction) ? 200 : 400).send(envelope([result]));
      });

      gateway.post('/execute', async (request, reply) => {
        const parsed = BulkRequest.safeParse(request.body);
        if (!parsed.success) return reply.code(400).send({ error: 'invalid bulk request', issues: parsed.error.issues });
        const bulk = parsed.data;
        const results = bulk.transactions.map((t) =>
          executeTransaction({
            state,
            program: bulk.program,
            transaction: t.transaction,
            record: Object.fromEntries(Object.entries(t.record).flatMap(([k, v]) => (v === null ? [] : [[k, String(v)]]))),
            options: {
              maxRecords: bulk.maxReturnedRecords ?? DEFAULT_MAX_RECORDS,
              returnColumns: t.selectedColumns,
              excludeEmpty: bulk.excludeEmptyValues ?? true,
              cono: bulk.cono === undefined ? undefined : String(bulk.cono),
              divi: bulk.divi,
            },
            today: today(),
          }),
        );
        return envelope(results);
      });
    },
    { prefix: `/${tenant}/M3/m3api-rest/v2` },
  );
}
