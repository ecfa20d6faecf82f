import { buildCoupaSimulator, type CoupaSimulator } from './simulator.js';
import type { CoupaSimulatorOptions } from './options.js';

/** Builds a simulator for one test and closes it with the test (fastify's `build(t)` pattern). */
export async function build(t: { after: (fn: () => Promise<void>) => void }, options: CoupaSimulatorOptions = {}): Promise<CoupaSimulator> {
  const sim = await buildCoupaSimulator({ sizes: { suppliers: 5, purchaseOrders: 3, invoices: 3, accounts: 4, lookupValues: 4 }, ...options });
  t.after(() => sim.app.close());
  return sim;
}

export async function tokenFor(sim: CoupaSimulator, { scope, clientId, clientSecret }: { scope?: string; clientId?: string; clientSecret?: string } = {}) {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId ?? sim.credentials.clientId,
    client_secret: clientSecret ?? sim.credentials.clientSecret,
    ...(scope ? { scope } : {}),
  });
  const res = await sim.app.inject({
    method: 'POST',
    url: '/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form.toString(),
  });
  if (res.statusCode !== 200) throw new Error(`token request failed: ${res.statusCode} ${res.body}`);
  return res.json<{ access_token: string }>().access_token;
}

/** An authorised JSON call against /api. */
export function api(sim: CoupaSimulator, token: string) {
  return (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    sim.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });
}
