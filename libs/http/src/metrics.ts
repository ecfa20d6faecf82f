import { Counter, Histogram, type Registry } from 'prom-client';

// Module-wide, like the HTTP clients themselves: vendor clients are built deep inside the
// libraries (per connection, per token endpoint), far from the service's registry, so the metrics
// live here and the service shell registers them in its registry (`registerHttpMetrics`).
const responses = new Counter({
  name: 'mlc_http_responses_total',
  help: 'Responses from vendor APIs (every attempt, retries included), by client and HTTP status',
  labelNames: ['client', 'status'],
  registers: [],
});

const limiterWait = new Histogram({
  name: 'mlc_http_limiter_wait_seconds',
  help: 'Time a call waited for its rate limiter before being sent, by client',
  labelNames: ['client'],
  buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [],
});

/** Adds the HTTP client metrics to a service's registry (once; again is a no-op). */
export function registerHttpMetrics(registry: Registry): void {
  const own: [string, Counter | Histogram][] = [
    ['mlc_http_responses_total', responses],
    ['mlc_http_limiter_wait_seconds', limiterWait],
  ];
  for (const [name, metric] of own) if (registry.getSingleMetric(name) === undefined) registry.registerMetric(metric);
}

export const httpMetrics = {
  response: (client: string, status: number) => responses.inc({ client, status: String(status) }),
  limiterWait: (client: string, seconds: number) => limiterWait.observe({ client }, seconds),
};
