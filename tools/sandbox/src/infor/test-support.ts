import { buildInforSimulator, type InforSimulatorOptions } from './server.js';

interface TestContext {
  after(fn: () => Promise<void>): void;
}

/** A simulator plus a fake clock and helpers that speak its wire protocol through `inject`. */
export function build(t: TestContext, options: InforSimulatorOptions = {}) {
  let clock = Date.UTC(2026, 2, 2, 9, 0, 0);
  const simulator = buildInforSimulator({ sizes: { suppliers: 5, purchaseOrders: 2, poLines: 2 }, now: () => clock, ...options });
  t.after(() => simulator.app.close());
  const file = simulator.ionapiFor('http://sandbox.test');
  const tokenPath = new URL(file.pu + file.ot).pathname;
  const revokePath = new URL(file.pu + file.or).pathname;
  const api = `/${file.ti}/M3/m3api-rest/v2`;
  const basic = `Basic ${Buffer.from(`${file.ci}:${file.cs}`).toString('base64')}`;

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

  async function token(): Promise<string> {
    const res = await simulator.app.inject({
      method: 'POST',
      url: tokenPath,
      headers: { ...formHeaders, authorization: basic },
      payload: form({ grant_type: 'password', username: file.saak, password: file.sask }),
    });
    if (res.statusCode !== 200) throw new Error(`token request answered ${res.statusCode}`);
    return res.json().access_token as string;
  }

  async function execute(bearer: string, program: string, transaction: string, fields: Record<string, string> = {}, matrix = '') {
    const query = new URLSearchParams(fields).toString();
    return simulator.app.inject({
      method: 'GET',
      url: `${api}/execute/${program}/${transaction}${matrix}${query ? `?${query}` : ''}`,
      headers: { authorization: `Bearer ${bearer}` },
    });
  }

  async function bulk(bearer: string, body: unknown) {
    return simulator.app.inject({ method: 'POST', url: `${api}/execute`, headers: { authorization: `Bearer ${bearer}` }, payload: body as object });
  }

  return {
    ...simulator,
    file,
    tokenPath,
    revokePath,
    basic,
    form,
    formHeaders,
    token,
    execute,
    bulk,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}
