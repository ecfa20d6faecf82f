import { performance } from 'node:perf_hooks';
import { createM3Client, parseIonApi } from '@mlc/infor';
import { startInforSimulator } from '@mlc/sandbox';
import { intOption, type Bench, type SummaryRow } from './bench.js';

/**
 * How much of a configured ION requests/minute allowance the M3 client achieves against the
 * simulator, whose gateway throttles at the same number: achieved rate, its share of the limit,
 * and the 429s the gateway answered (the client's limiter should leave none).
 */
const bench: Bench = {
  description: 'M3 client throughput as % of a requests/minute limit (--limit 600 --seconds 30 --concurrency 8)',
  async run(args): Promise<SummaryRow[]> {
    const limit = intOption(args, 'limit', 600);
    const seconds = intOption(args, 'seconds', 30);
    const concurrency = intOption(args, 'concurrency', 8);
    const sim = await startInforSimulator({ requestsPerMinute: limit, sizes: { suppliers: 5, purchaseOrders: 0, poLines: 0 } });
    const m3 = createM3Client({ credentials: parseIonApi(sim.ionapi), requestsPerMinute: limit });
    try {
      await m3.execute('CRS620MI', 'GetBasicData', { SUNO: 'SUP00001' }); // token + connection outside the clock
      await fetch(`${sim.url}/_sandbox/requests`, { method: 'DELETE' });
      const started = performance.now();
      const deadline = started + seconds * 1000;
      let ok = 0;
      let failed = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (performance.now() < deadline) {
            try {
              await m3.execute('CRS620MI', 'GetBasicData', { SUNO: 'SUP00001' });
              ok += 1;
            } catch {
              failed += 1;
            }
          }
        }),
      );
      const elapsedMin = (performance.now() - started) / 60_000;
      const log = (await (await fetch(`${sim.url}/_sandbox/requests?limit=1000000`)).json()) as Array<{ status?: number }>;
      const rate = ok / elapsedMin;
      const throttled = log.filter((r) => r.status === 429).length;
      console.log(
        JSON.stringify({
          limitPerMinute: limit,
          seconds: Number((elapsedMin * 60).toFixed(1)),
          concurrency,
          succeeded: ok,
          failed,
          achievedPerMinute: Number(rate.toFixed(1)),
          percentOfLimit: Number(((rate / limit) * 100).toFixed(1)),
          gateway429s: throttled,
        }),
      );
      return [
        {
          path: 'M3 client vs ION requests/minute limit (infor)',
          measured: rate,
          unit: 'req/min',
          reference: { label: 'limit', value: limit },
          ratio: rate / limit,
          note: `${throttled} 429s, ${failed} failed`,
        },
      ];
    } finally {
      await m3.close();
      await sim.close();
    }
  },
};
export default bench;
