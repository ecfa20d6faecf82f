import { startInforSimulator } from '@mlc/sandbox';
import { parseIonApi, type IonApiCredentials } from './ionapi.js';

/** One Infor simulator per test, with its `.ionapi` parsed and typed admin helpers (test-only module). */
export async function simulator(t: { after: (fn: () => Promise<void>) => void }, options: Parameters<typeof startInforSimulator>[0] = {}) {
  const sim = await startInforSimulator({ sizes: { suppliers: 3, purchaseOrders: 0, poLines: 0 }, ...options });
  t.after(() => sim.close());
  const credentials: IonApiCredentials = parseIonApi(sim.ionapi);
  const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${sim.url}/_sandbox${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!response.ok) throw new Error(`admin ${method} ${path} answered ${response.status}`);
    return response.status === 204 ? undefined : response.json();
  };
  const gatewayRequests = async () =>
    (await admin('GET', `/requests?path=/${credentials.tenant}/M3&limit=100000`)) as Array<{ at: string; method: string; url: string; status?: number }>;
  return { sim, credentials, admin, gatewayRequests };
}

/** The most requests that arrived within any `windowMs` (half-open, as a sliding-window limiter counts). */
export function maxInWindow(timestamps: readonly number[], windowMs: number): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= windowMs) start += 1;
    max = Math.max(max, end - start + 1);
  }
  return max;
}
