import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IonApiCredentials } from './ionapi.js';
import type { TokenStore } from './tokens.js';

type Form = Record<string, string | undefined>;

/** Client authentication per RFC 6749 §2.3.1: HTTP Basic, or client_id/client_secret in the body. */
function clientOf(request: FastifyRequest, form: Form): { id: string; secret: string; basic: boolean } | undefined {
  const header = request.headers.authorization;
  if (header?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) return undefined;
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)), basic: true };
  }
  if (form.client_id !== undefined) return { id: form.client_id, secret: form.client_secret ?? '', basic: false };
  return undefined;
}

function oauthError(reply: FastifyReply, status: number, error: string, description: string) {
  return reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description });
}

/**
 * The ION API authorization server at `{pu}` = `{url}/{ti}/as/`: `token.oauth2` (password and
 * refresh_token grants) and `revoke_token.oauth2` (RFC 7009).
 */
export function registerAuthServer(app: FastifyInstance, { tenant, credentials, tokens }: { tenant: string; credentials: IonApiCredentials; tokens: TokenStore }) {
  const authenticate = (request: FastifyRequest, reply: FastifyReply, form: Form) => {
    const client = clientOf(request, form);
    if (client && client.id === credentials.clientId && client.secret === credentials.clientSecret) return client;
    // RFC 6749 §5.2: 401 with a challenge when the client tried Basic.
    if (client?.basic) reply.header('www-authenticate', `Basic realm="${tenant}"`);
    void oauthError(reply, 401, 'invalid_client', 'client authentication failed');
    return undefined;
  };

  app.post(`/${tenant}/as/token.oauth2`, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const client = authenticate(request, reply, form);
    if (!client) return reply;
    switch (form.grant_type) {
      case 'password': {
        if (!form.username || !form.password) return oauthError(reply, 400, 'invalid_request', 'username and password are required');
        if (form.username !== credentials.serviceAccountAccessKey || form.password !== credentials.serviceAccountSecretKey) {
          return oauthError(reply, 400, 'invalid_grant', 'service account credentials are not valid');
        }
        return reply.header('cache-control', 'no-store').send(tokens.issue(client.id));
      }
      case 'refresh_token': {
        const issued = form.refresh_token ? tokens.refresh(form.refresh_token, client.id) : undefined;
        if (!issued) return oauthError(reply, 400, 'invalid_grant', 'refresh token is not valid');
        return reply.header('cache-control', 'no-store').send(issued);
      }
      case undefined:
        return oauthError(reply, 400, 'invalid_request', 'grant_type is required');
      default:
        return oauthError(reply, 400, 'unsupported_grant_type', `grant_type ${form.grant_type} is not supported`);
    }
  });

  app.post(`/${tenant}/as/revoke_token.oauth2`, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const client = authenticate(request, reply, form);
    if (!client) return reply;
    if (!form.token) return oauthError(reply, 400, 'invalid_request', 'token is required');
    // RFC 7009 §2.2: unknown tokens are answered 200 too, so revocation is safe to repeat.
    tokens.revoke(form.token, client.id);
    return reply.code(200).send();
  });
}
