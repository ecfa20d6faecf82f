import type { ServicePlan } from './services.js';

export interface SummaryInput {
  infra: Record<string, string>;
  sandbox?: { syspro: string; coupa: string; infor: string } | undefined;
  connectionsFile: string;
  services: readonly ServicePlan[];
  host: string;
  /** Connection ids whose Coupa call-outs the gateway accepts. */
  webhookConnections: readonly string[];
  withStackDown: boolean;
}

/** A URL with its password replaced, for printing (DATABASE_URL may carry one). */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = '***';
    return url.toString();
  } catch {
    return value;
  }
}

export function serviceUrl(host: string, port: number, path: string): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
}

/** The "where is everything" block printed once the services were started. */
export function renderSummary({ infra, sandbox, connectionsFile, services, host, webhookConnections, withStackDown }: SummaryInput): string {
  const lines = [
    '',
    'ml-connector is running',
    `  stack        Kafka ${infra.KAFKA_BROKERS}   registry ${infra.SCHEMA_REGISTRY_URL}   Postgres ${redactUrl(infra.DATABASE_URL ?? '')}`,
  ];
  if (sandbox) {
    lines.push(`  sandbox      SYSPRO ${sandbox.syspro}   Coupa ${sandbox.coupa}   Infor ${sandbox.infor}   (admin API under /_sandbox on each)`);
  }
  lines.push(`  connections  ${connectionsFile}`, '');
  const width = Math.max(7, ...services.map((s) => s.name.length));
  lines.push(`  ${'service'.padEnd(width)}  port   ready                             metrics`);
  for (const service of services) {
    lines.push(
      `  ${service.name.padEnd(width)}  ${String(service.port).padEnd(5)}  ${serviceUrl(host, service.port, '/readyz').padEnd(32)}  ${serviceUrl(host, service.port, '/metrics')}`,
    );
    if (service.name === 'coupa-gateway') {
      for (const id of webhookConnections) lines.push(`  ${''.padEnd(width)}  webhook ${serviceUrl(host, service.port, `/webhooks/coupa/${encodeURIComponent(id)}`)}`);
    }
  }
  lines.push(
    '',
    withStackDown
      ? 'Ctrl-C stops the services, the sandbox and the local stack.'
      : 'Ctrl-C stops the services and the sandbox; the local stack keeps running (`npm run stack -- down` stops it).',
    '',
  );
  return lines.join('\n');
}
