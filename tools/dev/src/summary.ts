import type { ServicePlan } from './services.js';
import type { StackExit } from './stack.js';

export interface SummaryInput {
  infra: Record<string, string>;
  sandbox?: { syspro: string; coupa: string; infor: string } | undefined;
  connectionsFile: string;
  services: readonly ServicePlan[];
  host: string;
  /** Connection ids whose Coupa call-outs the gateway accepts. */
  webhookConnections: readonly string[];
  stackExit: StackExit;
  /** Where the stack's addresses came from: `.stack/stack.env` (a file to source), or the environment. */
  stackEnvFile?: string | undefined;
  /** The operator console, when it runs: its address and the admin token of this run (undefined: the one in MLC_CONSOLE_ADMIN_TOKEN). */
  console?: { url: string; token: string | undefined } | undefined;
}

/** How to sign in to the console, for the summary. Pure. */
export function consoleLines(console: NonNullable<SummaryInput['console']>): string[] {
  return [
    `  console      ${console.url}   (operator console: connections, trail, DLQ, replays)`,
    console.token === undefined
      ? '               sign in with the admin token you set in MLC_CONSOLE_ADMIN_TOKEN'
      : `               sign in with the admin token of this run: ${console.token}`,
  ];
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

const STOP_TEXT: Record<StackExit, string> = {
  down: 'Ctrl-C (or SIGTERM) stops the services, the sandbox and the local stack this run started.',
  kept: 'Ctrl-C (or SIGTERM) stops the services and the sandbox; the local stack keeps running (--keep-stack; `npm run stack -- down` stops it).',
  'was-running': 'Ctrl-C (or SIGTERM) stops the services and the sandbox; the local stack was running before and keeps running (`npm run stack -- down` stops it).',
  'not-ours': 'Ctrl-C (or SIGTERM) stops the services and the sandbox; the stack is not ours (KAFKA_BROKERS etc. were set) and is left alone.',
};

/** Commands that show records arriving, for the summary. Pure. */
export function watchCommands({ sandbox, services, stackEnvFile }: Pick<SummaryInput, 'sandbox' | 'services' | 'stackEnvFile'>): Array<{ what: string; command: string }> {
  const commands: Array<{ what: string; command: string }> = [];
  const withEnv = stackEnvFile ? `env $(grep -v '^#' ${stackEnvFile} | xargs) ` : '';
  commands.push({ what: 'records per connection and writer (refreshes)', command: `${withEnv}npm run mlc -- status --watch` });
  const audit = services.find((s) => s.name === 'audit');
  if (audit) commands.push({ what: 'records in the audit log, by table', command: `curl -s ${serviceUrl('127.0.0.1', audit.port, '/metrics')} | grep '^mlc_audit_rows_total'` });
  const names = new Set(services.map((s) => s.name));
  if (sandbox && names.has('coupa-gateway') && names.has('infor-writer')) {
    commands.push({
      what: 'make one flow: a supplier changed in Coupa is sent to M3',
      command: `curl -s -X PATCH ${sandbox.coupa}/_sandbox/suppliers/1 -H 'content-type: application/json' -d '{"name":"Renamed in Coupa","payment-term":{"code":"N30"}}'`,
    });
    commands.push({ what: 'where it arrives (M3)', command: `curl -s ${sandbox.infor}/_sandbox/state/suppliers | grep -o '{[^}]*Renamed in Coupa[^}]*}'` });
  }
  return commands;
}

/** The "where is everything" block printed once the services were started. */
export function renderSummary(input: SummaryInput): string {
  const { infra, sandbox, connectionsFile, services, host, webhookConnections, stackExit } = input;
  const lines = [
    '',
    'ml-connector is running',
    `  stack        Kafka ${infra.KAFKA_BROKERS}   registry ${infra.SCHEMA_REGISTRY_URL}   Postgres ${redactUrl(infra.DATABASE_URL ?? '')}`,
  ];
  if (sandbox) {
    lines.push(`  sandbox      SYSPRO ${sandbox.syspro}   Coupa ${sandbox.coupa}   Infor ${sandbox.infor}   (admin API under /_sandbox on each)`);
  }
  lines.push(`  connections  ${connectionsFile}`);
  if (input.console) lines.push(...consoleLines(input.console));
  lines.push('');
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
  lines.push('', 'Records arriving: a "records" block below, per flow, whenever the counts change; or');
  for (const { what, command } of watchCommands(input)) lines.push(`  # ${what}`, `  ${command}`);
  lines.push('', STOP_TEXT[stackExit], '');
  return lines.join('\n');
}

/** The same as one JSON object (for `--output json`): addresses, services, commands. Pure. */
export function summaryFields(input: SummaryInput): Record<string, unknown> {
  const { infra, sandbox, connectionsFile, services, host, webhookConnections, stackExit } = input;
  return {
    stack: { kafkaBrokers: infra.KAFKA_BROKERS, schemaRegistryUrl: infra.SCHEMA_REGISTRY_URL, databaseUrl: redactUrl(infra.DATABASE_URL ?? ''), onExit: stackExit },
    ...(sandbox ? { sandbox } : {}),
    connectionsFile,
    ...(input.console ? { console: { url: input.console.url, signIn: input.console.token === undefined ? 'with the admin token in MLC_CONSOLE_ADMIN_TOKEN' : `with the admin token of this run: ${input.console.token}` } } : {}),
    services: services.map((s) => ({
      name: s.name,
      port: s.port,
      ready: serviceUrl(host, s.port, '/readyz'),
      metrics: serviceUrl(host, s.port, '/metrics'),
      ...(s.name === 'coupa-gateway' ? { webhooks: webhookConnections.map((id) => serviceUrl(host, s.port, `/webhooks/coupa/${encodeURIComponent(id)}`)) } : {}),
    })),
    commands: watchCommands(input),
  };
}
