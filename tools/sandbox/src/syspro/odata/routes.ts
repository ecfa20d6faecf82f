import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TABLES, type TableName, type TableSpec } from '../data/schema.js';
import type { SysproStore } from '../data/store.js';
import type { OperatorAccounts } from '../accounts.js';
import { ODataError } from './errors.js';
import { csdl } from './metadata.js';
import { parseQuery, runQuery, splitQuery } from './query.js';

export const ODATA_PREFIX = '/SYSPRO8Odata/SYSPROOData';

const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
const sameSecret = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const rawQuery = (request: FastifyRequest): string => {
  const q = request.url.indexOf('?');
  return q === -1 ? '' : request.url.slice(q + 1);
};

const baseUrl = (request: FastifyRequest, company: string): string => `${request.protocol}://${request.host}${ODATA_PREFIX}/${company}`;

/**
 * The read-only SYSPRO OData service: `${ODATA_PREFIX}/{company}/{EntitySet}` with HTTP Basic
 * (operator code + the operator's OData password), JSON per OData v4, errors as OData error bodies.
 */
export function registerODataRoutes(app: FastifyInstance, { store, accounts, pageSize }: { store: SysproStore; accounts: OperatorAccounts; pageSize: () => number }): void {
  const specs = new Map<string, TableSpec>(TABLES.map((t) => [t.name, t]));

  app.register(
    async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const given = basicCredentials(request.headers.authorization);
      const operator = given && accounts.find(given.user);
      if (!operator?.odataPassword || !given || !sameSecret(operator.odataPassword, given.password)) {
        reply.header('www-authenticate', 'Basic realm="SYSPRO OData"');
        return sendError(reply, new ODataError('Unauthorized', 'basic authentication with an operator enabled for OData is required', 401));
      }
      reply.header('odata-version', '4.0');
    });
    scope.setErrorHandler((error, _request, reply) => {
      if (error instanceof ODataError) return sendError(reply, error);
      reply.log.error({ err: error }, 'OData request failed');
      return reply.code(500).type(JSON_TYPE).send({ error: { code: 'InternalError', message: 'the request could not be processed' } });
    });
    scope.setNotFoundHandler((_request, reply) => sendError(reply, new ODataError('UnknownEntitySet', 'no such resource', 404)));

    const company = (request: FastifyRequest<{ Params: { company: string } }>): string => {
      if (request.params.company !== store.company) throw new ODataError('UnknownCompany', `company '${request.params.company}' is not served here`, 404);
      return store.company;
    };
    const entitySet = (name: string): TableSpec => {
      const spec = specs.get(name);
      if (!spec) {
        if (/^\w+\(/.test(name)) throw new ODataError('UnsupportedSyntax', 'addressing single entities by key is not supported; use $filter on the key', 400);
        throw new ODataError('UnknownEntitySet', `entity set '${name}' does not exist`, 404);
      }
      return spec;
    };

    scope.get<{ Params: { company: string } }>('/:company/', async (request, reply) => {
      const base = baseUrl(request, company(request));
      return reply.type(JSON_TYPE).send({
        '@odata.context': `${base}/$metadata`,
        value: TABLES.map((t) => ({ name: t.name, kind: 'EntitySet', url: t.name })),
      });
    });

    scope.get<{ Params: { company: string } }>('/:company/$metadata', async (request, reply) => {
      company(request);
      return reply.type('application/xml;charset=utf-8').send(csdl(TABLES));
    });

    scope.get<{ Params: { company: string; set: string } }>('/:company/:set/$count', async (request, reply) => {
      company(request);
      const spec = entitySet(request.params.set);
      const query = parseQuery(splitQuery(rawQuery(request)), spec);
      const result = runQuery(store.table(spec.name as TableName), { ...query, top: 0, skip: 0, count: true }, 0);
      return reply.type('text/plain;charset=utf-8').send(String(result.count));
    });

    scope.get<{ Params: { company: string; set: string } }>('/:company/:set', async (request, reply) => {
      const base = baseUrl(request, company(request));
      const spec = entitySet(request.params.set);
      const options = splitQuery(rawQuery(request));
      const query = parseQuery(options, spec);
      let size = pageSize();
      // Prefer: odata.maxpagesize lets a client ask for smaller pages (OData v4 §8.2.8.3).
      const prefer = /odata\.maxpagesize=(\d+)/i.exec(String(request.headers.prefer ?? ''));
      if (prefer) {
        size = Math.min(size, Math.max(1, Number(prefer[1])));
        reply.header('preference-applied', `odata.maxpagesize=${size}`);
      }
      const result = runQuery(store.table(spec.name as TableName), query, size);
      const body: Record<string, unknown> = {
        '@odata.context': `${base}/$metadata#${spec.name}${query.select ? `(${query.select.join(',')})` : ''}`,
      };
      if (result.count !== undefined) body['@odata.count'] = result.count;
      body.value = result.rows;
      if (result.next) {
        const params: Array<[string, string]> = [...query.passThrough];
        if (result.next.top !== undefined) params.push(['$top', String(result.next.top)]);
        params.push(['$skip', String(result.next.skip)]);
        body['@odata.nextLink'] = `${base}/${spec.name}?${params.map(([k, v]) => `${encodeURIComponent(k).replace(/%24/g, '$')}=${encodeURIComponent(v)}`).join('&')}`;
      }
      return reply.type(JSON_TYPE).send(body);
    });
    },
    { prefix: ODATA_PREFIX },
  );
}

function sendError(reply: FastifyReply, error: ODataError): FastifyReply {
  return reply.code(error.status).type(JSON_TYPE).header('odata-version', '4.0').send(error.toBody());
}
