import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Agent } from 'undici';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { isMlcError } from '@mlc/errors';
import { fetchOAuth2Token } from './oauth2.js';

const SECRET = 'client-s3cret-value';
const PASSWORD = 'sask-s3cret-value';

type Handler = (req: FastifyRequest, reply: FastifyReply) => unknown;

async function tokenEndpoint(t: TestContext, handler: Handler) {
  const app = Fastify();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  app.post('/TENANT/as/token.oauth2', handler);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const dispatcher = new Agent();
  t.after(async () => {
    await dispatcher.close();
    await app.close();
  });
  const address = app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { tokenUrl: `http://127.0.0.1:${address.port}/TENANT/as/token.oauth2`, dispatcher };
}

test('password grant with Basic client auth (ION .ionapi shape)', async (t) => {
  let seen: { authorization?: string; contentType?: string; body?: unknown } = {};
  const { tokenUrl, dispatcher } = await tokenEndpoint(t, async (req) => {
    seen = { authorization: req.headers.authorization, contentType: req.headers['content-type'], body: req.body };
    return { access_token: 'ion-token', token_type: 'Bearer', expires_in: 7200, refresh_token: 'ignored' };
  });
  const token = await fetchOAuth2Token({
    tokenUrl,
    dispatcher,
    grant: 'password',
    clientId: 'ACME_TST~abc',
    clientSecret: SECRET,
    clientAuth: 'basic',
    username: 'ACME_TST#saak',
    password: PASSWORD,
  });
  assert.deepEqual(token, { accessToken: 'ion-token', expiresInSeconds: 7200 });
  assert.equal(seen.authorization, `Basic ${Buffer.from(`ACME_TST~abc:${SECRET}`).toString('base64')}`);
  assert.equal(seen.contentType, 'application/x-www-form-urlencoded');
  assert.deepEqual({ ...(seen.body as object) }, { grant_type: 'password', username: 'ACME_TST#saak', password: PASSWORD });
});

test('client_credentials with the secret in the body and a scope (Coupa shape); string expires_in', async (t) => {
  let body: unknown;
  const { tokenUrl, dispatcher } = await tokenEndpoint(t, async (req) => {
    body = req.body;
    return { access_token: 'coupa-token', token_type: 'bearer', expires_in: '86399' };
  });
  const token = await fetchOAuth2Token({
    tokenUrl,
    dispatcher,
    grant: 'client_credentials',
    clientId: 'coupa-client',
    clientSecret: SECRET,
    clientAuth: 'body',
    scope: 'core.supplier.read core.supplier.write',
  });
  assert.deepEqual(token, { accessToken: 'coupa-token', expiresInSeconds: 86_399 });
  assert.deepEqual(
    { ...(body as object) },
    { grant_type: 'client_credentials', scope: 'core.supplier.read core.supplier.write', client_id: 'coupa-client', client_secret: SECRET },
  );
});

test('the scopes the server says it granted come back with the token (RFC 6749 §5.1)', async (t) => {
  const { tokenUrl, dispatcher } = await tokenEndpoint(t, async () => ({ access_token: 't', token_type: 'bearer', expires_in: 60, scope: 'core.supplier.read' }));
  const token = await fetchOAuth2Token({ tokenUrl, dispatcher, grant: 'client_credentials', clientId: 'c', clientSecret: SECRET, clientAuth: 'body', scope: 'core.supplier.read core.supplier.write' });
  assert.deepEqual(token, { accessToken: 't', expiresInSeconds: 60, scope: 'core.supplier.read' });
});

test('a refused grant is MLC_AUTH_FAILED with the RFC error code and no secret anywhere', async (t) => {
  const { tokenUrl, dispatcher } = await tokenEndpoint(t, async (req, reply) =>
    reply.code(400).send({ error: 'invalid_grant', error_description: `bad password ${JSON.stringify(req.body)}` }),
  );
  const error = await fetchOAuth2Token({
    tokenUrl,
    dispatcher,
    grant: 'password',
    clientId: 'id',
    clientSecret: SECRET,
    clientAuth: 'basic',
    username: 'u',
    password: PASSWORD,
  }).then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  );
  assert.ok(isMlcError(error));
  assert.equal(error.code, 'MLC_AUTH_FAILED');
  assert.equal(error.context.oauthError, 'invalid_grant');
  assert.equal(error.context.status, 400);
  const rendered = `${inspect(error, { depth: 10 })}${JSON.stringify(error)}`;
  assert.ok(!rendered.includes(SECRET) && !rendered.includes(PASSWORD), rendered);
});

test('an unusable token response is MLC_AUTH_FAILED naming the fields, not their values', async (t) => {
  const { tokenUrl, dispatcher } = await tokenEndpoint(t, async () => ({ access_token: 'leaky-token-value', token_type: 'mac' }));
  const error = await fetchOAuth2Token({ tokenUrl, dispatcher, grant: 'client_credentials', clientId: 'id', clientSecret: SECRET, clientAuth: 'body' }).then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(isMlcError(error));
  assert.equal(error.code, 'MLC_AUTH_FAILED');
  assert.deepEqual(error.context.invalidFields, ['token_type']);
  assert.ok(!inspect(error, { depth: 10 }).includes('leaky-token-value'));
});

test('a token endpoint 503 is retried (token requests are safe to repeat)', async (t) => {
  let hits = 0;
  const { tokenUrl, dispatcher } = await tokenEndpoint(t, async (_req, reply) =>
    ++hits === 1 ? reply.code(503).send() : { access_token: 'x', expires_in: 60 },
  );
  const token = await fetchOAuth2Token({
    tokenUrl,
    dispatcher,
    grant: 'client_credentials',
    clientId: 'id',
    clientSecret: SECRET,
    clientAuth: 'body',
    retry: { sleep: async () => {} },
  });
  assert.equal(token.accessToken, 'x');
  assert.equal(hits, 2);
});
