import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OperatorAccounts } from '../accounts.js';
import type { SysproStore } from '../data/store.js';
import { runApsssp, type SetupMethod } from './apsssp.js';
import { EnetError } from './errors.js';
import type { Sessions } from './sessions.js';

export const ENET_PREFIX = '/SYSPROWCFService/Rest';

type Query = Record<string, string | undefined>;

const text = (reply: FastifyReply, body: string): FastifyReply => reply.type('text/plain; charset=utf-8').send(body);

// e.net over REST answers its exceptions as HTTP 200 with an "ERROR..." text body, which is what
// public clients test for. The x-sandbox-error header is the simulator's own, for assertions.
const fail = (reply: FastifyReply, error: EnetError): FastifyReply => reply.header('x-sandbox-error', error.code).type('text/plain; charset=utf-8').send(`ERROR: ${error.message}`);

function required(query: Query, name: string): string {
  const value = query[name];
  if (value === undefined || value === '') throw new EnetError('MISSING_PARAMETER', `${name} is required`);
  return value;
}

/** The e.net Solutions REST binding: Logon, Logoff, Setup/{Add,Update,Delete}, Transaction/Post. */
export function registerEnetRoutes(app: FastifyInstance, { store, accounts, sessions, now }: { store: SysproStore; accounts: OperatorAccounts; sessions: Sessions; now: () => number }): void {
  app.register(
    async (scope) => {
      scope.setErrorHandler((error, _request, reply) => {
        if (error instanceof EnetError) return fail(reply, error);
        reply.log.error({ err: error }, 'e.net request failed');
        return reply.code(500).type('text/plain; charset=utf-8').send('ERROR: internal error');
      });

      scope.get<{ Querystring: Query }>('/Logon', async (request, reply) => {
        const q = request.query;
        const account = accounts.find(required(q, 'Operator'));
        const valid =
          account !== undefined &&
          account.password === (q.OperatorPassword ?? '') &&
          required(q, 'CompanyId') === store.company &&
          accounts.companyPassword === (q.CompanyPassword ?? '');
        if (!valid) throw new EnetError('LOGON_FAILED', 'Invalid operator, password, company or company password');
        return text(reply, sessions.open(account.operator).id);
      });

      scope.get<{ Querystring: Query }>('/Logoff', async (request, reply) => {
        if (!sessions.close(required(request.query, 'UserId'))) throw new EnetError('INVALID_SESSION', 'UserId is not logged on');
        return text(reply, '0');
      });

      const businessObjectCall = (kind: 'Setup' | 'Transaction', method: SetupMethod | 'Post') =>
        async (request: FastifyRequest, reply: FastifyReply) => {
          const q = request.query as Query;
          const session = sessions.use(required(q, 'UserId'));
          if (!session) throw new EnetError('INVALID_SESSION', 'UserId is not logged on or the session has expired');
          const businessObject = required(q, 'BusinessObject').toUpperCase();
          if (kind !== 'Setup' || businessObject !== 'APSSSP') {
            throw new EnetError('UNKNOWN_BUSINESS_OBJECT', `Business object '${businessObject}' is not available for ${kind}/${method} in the sandbox`);
          }
          if (accounts.find(session.operator)?.deniedBusinessObjects.includes(businessObject)) {
            throw new EnetError('ACCESS_DENIED', `Operator '${session.operator}' does not have access to business object '${businessObject}'`);
          }
          const xmlOut = runApsssp({ method: method as SetupMethod, xmlParameters: q.XmlParameters, xmlIn: q.XmlIn, store, now });
          return reply.type('application/xml; charset=utf-8').send(xmlOut);
        };

      scope.get('/Setup/Add', businessObjectCall('Setup', 'Add'));
      scope.get('/Setup/Update', businessObjectCall('Setup', 'Update'));
      scope.get('/Setup/Delete', businessObjectCall('Setup', 'Delete'));
      scope.get('/Transaction/Post', businessObjectCall('Transaction', 'Post'));
    },
    { prefix: ENET_PREFIX },
  );
}
