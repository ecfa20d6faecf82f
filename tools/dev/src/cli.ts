// `npm start [-- --only a,b --no-sandbox --connections file --with-stack-down]`: the local stack,
// the sandbox and every service with a src/main.ts, supervised, until Ctrl-C. See ../README.md.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMlcError, MlcError } from '@mlc/errors';
import { startSandbox, type Sandbox } from '@mlc/sandbox';
import { parseDevArgs, USAGE, type DevOptions } from './args.js';
import { createRestartPolicy } from './backoff.js';
import { noticeLine, prefixLine } from './prefix.js';
import { discoverServices, planServices, type ServicePlan } from './services.js';
import { INFRA_VARS, readStackEnv, runStackCommand } from './stack.js';
import { renderSummary, serviceUrl } from './summary.js';
import { createSupervisor, type Supervisor, type SupervisorEvent } from './supervisor.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const HOST = '127.0.0.1';
const SANDBOX_PORTS = { syspro: 4010, coupa: 4020, infor: 4030 };
// Longer than the services' own shutdown timeout (set below), so they normally exit on their own.
const GRACE_MS = 15_000;
const SERVICE_SHUTDOWN_TIMEOUT_MS = 10_000;

// With `npm start | pino-pretty`, Ctrl-C ends the reader too: a write error must not kill this
// process before it has stopped the (detached) services.
process.stdout.on('error', () => undefined);
const ansi = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const print = (line: string) => process.stdout.write(`${line}\n`);

function describe(event: SupervisorEvent): { text: string; alarm: boolean } | undefined {
  switch (event.type) {
    case 'started':
      return { text: `started (pid ${event.pid})`, alarm: false };
    case 'exited':
      if (event.expected) return { text: `stopped (${event.signal ?? `exit ${event.code}`})`, alarm: event.code !== 0 && event.signal === null };
      return { text: `crashed: ${event.signal ? `signal ${event.signal}` : `exit code ${event.code}`} after ${(event.ranMs / 1000).toFixed(1)} s`, alarm: true };
    case 'restarting':
      return { text: `restart ${event.attempt} in ${(event.delayMs / 1000).toFixed(0)} s`, alarm: true };
    case 'gave-up':
      return { text: `gave up after ${event.attempts} restarts; fix it and run npm start again`, alarm: true };
    case 'killed':
      return { text: `did not stop within ${event.graceMs / 1000} s: SIGKILL`, alarm: true };
    case 'spawn-failed':
      return { text: `could not start: ${event.error.message}`, alarm: true };
  }
}

function webhookConnections(file: string): string[] {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { connections?: Array<{ id?: unknown; coupa?: { webhook?: unknown } }> };
    return (parsed.connections ?? []).filter((c) => typeof c.id === 'string' && c.coupa?.webhook !== undefined).map((c) => c.id as string);
  } catch {
    return []; // the services report a broken file with every problem in it
  }
}

async function startOwnSandbox(): Promise<Sandbox> {
  try {
    return await startSandbox({ ports: SANDBOX_PORTS, outDir: resolve(repoRoot, '.sandbox') });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new MlcError('MLC_CONFIG_INVALID', `sandbox ports ${Object.values(SANDBOX_PORTS).join('/')} are taken: is \`npm run sandbox\` running? Then use --no-sandbox`, {
        cause: error,
      });
    }
    throw error;
  }
}

// Coupa sends call-outs only to registered endpoints; the sandbox starts with none.
async function registerCallouts(sandbox: Sandbox, gateway: ServicePlan): Promise<void> {
  const connection = sandbox.connections.connections[0]!;
  const webhook = connection.coupa!.webhook;
  const response = await fetch(`${sandbox.coupa.url}/_sandbox/callouts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      url: serviceUrl(HOST, gateway.port, `/webhooks/coupa/${connection.id}`),
      auth: { type: 'hmac', secret: webhook.hmacSecret, header: webhook.signatureHeader },
    }),
  });
  if (!response.ok) throw new MlcError('MLC_HTTP_CLIENT_ERROR', 'the Coupa sandbox refused the call-out endpoint', { context: { status: response.status } });
}

async function waitReady(url: string, signal: AbortSignal): Promise<boolean> {
  while (!signal.aborted) {
    const ok = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(2000)]) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((done) => setTimeout(done, 500).unref());
  }
  return false;
}

async function main(options: DevOptions): Promise<number> {
  const services = planServices({ discovered: discoverServices(repoRoot), only: options.only, basePort: options.basePort });
  const width = Math.max('sandbox'.length, ...services.map((s) => s.name.length));
  const notice = (name: string, text: string, alarm = false) => print(noticeLine(name, text, { width, ansi, alarm }));

  const explicitInfra = INFRA_VARS.every((name) => process.env[name]);
  if (!explicitInfra) {
    notice('stack', 'npm run stack -- up (idempotent; the first start downloads Kafka and the registry)');
    await runStackCommand('up', { repoRoot, env: process.env, onLine: (line) => print(prefixLine('stack', line, { width, colour: 9, ansi })) });
  }
  const infra = explicitInfra ? Object.fromEntries(INFRA_VARS.map((name) => [name, process.env[name]!])) : await readStackEnv({ repoRoot, env: process.env });

  let sandbox: Sandbox | undefined;
  let connectionsFile: string;
  if (options.connections !== undefined) {
    connectionsFile = resolve(options.connections);
  } else if (options.sandbox) {
    sandbox = await startOwnSandbox();
    connectionsFile = sandbox.files!.connections;
    const gateway = services.find((s) => s.name === 'coupa-gateway');
    if (gateway) await registerCallouts(sandbox, gateway);
  } else {
    connectionsFile = resolve(repoRoot, '.sandbox/connections.json');
  }
  if (!existsSync(connectionsFile)) {
    await sandbox?.close();
    throw new MlcError('MLC_CONFIG_INVALID', `no connections file at ${connectionsFile}`, { context: { connectionsFile } });
  }

  const controller = new AbortController();
  const supervisors = new Map<string, Supervisor>();
  for (const [index, service] of services.entries()) {
    const env = {
      ...process.env,
      ...Object.fromEntries(INFRA_VARS.map((name) => [name, process.env[name] || infra[name]])),
      MLC_CONNECTIONS_FILE: connectionsFile,
      HOST,
      PORT: String(service.port),
      LOG_LEVEL: options.logLevel,
      SHUTDOWN_TIMEOUT_MS: process.env.SHUTDOWN_TIMEOUT_MS ?? String(SERVICE_SHUTDOWN_TIMEOUT_MS),
    };
    let run: AbortController | undefined;
    const supervisor = createSupervisor({
      command: process.execPath,
      args: ['--conditions=source', '--import', 'tsx', service.main],
      cwd: repoRoot,
      env,
      policy: createRestartPolicy(),
      onLine: (line) => print(prefixLine(service.name, line, { width, colour: index, ansi })),
      onEvent: (event) => {
        const described = describe(event);
        if (described) notice(service.name, described.text, described.alarm);
        if (event.type === 'started') {
          const since = Date.now();
          run = new AbortController();
          void waitReady(serviceUrl(HOST, service.port, '/readyz'), AbortSignal.any([controller.signal, run.signal])).then((ready) => {
            if (ready) notice(service.name, `ready in ${((Date.now() - since) / 1000).toFixed(1)} s`);
          });
        } else if (event.type === 'exited') {
          run?.abort(); // a restarted process gets its own readiness wait
        }
      },
    });
    supervisors.set(service.name, supervisor);
    supervisor.start();
  }

  print(
    renderSummary({
      infra,
      sandbox: sandbox && { syspro: sandbox.syspro.url, coupa: sandbox.coupa.url, infor: sandbox.infor.url },
      connectionsFile,
      services,
      host: HOST,
      webhookConnections: webhookConnections(connectionsFile),
      withStackDown: options.withStackDown,
    }),
  );

  const signal = await new Promise<NodeJS.Signals>((done) => {
    for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(name, () => done(name));
  });
  controller.abort();
  notice('dev', `${signal}: stopping the services (SIGTERM, SIGKILL after ${GRACE_MS / 1000} s); again to kill them now`);
  const killNow = () => {
    notice('dev', 'killing the services');
    for (const supervisor of supervisors.values()) supervisor.kill();
  };
  process.once('SIGINT', killNow);
  process.once('SIGTERM', killNow);
  await Promise.all([...supervisors.values()].map((s) => s.stop(GRACE_MS)));
  if (sandbox) {
    notice('sandbox', 'stopping');
    await sandbox.close();
  }
  if (options.withStackDown && !explicitInfra) {
    await runStackCommand('down', { repoRoot, env: process.env, onLine: (line) => print(prefixLine('stack', line, { width, colour: 9, ansi })) });
  } else {
    notice('stack', explicitInfra ? 'not ours (KAFKA_BROKERS etc. were set): left alone' : 'left running (`npm run stack -- down` stops it)');
  }
  return 0;
}

let options: DevOptions | 'help';
try {
  options = parseDevArgs(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
if (options === 'help') {
  print(USAGE);
  process.exit(0);
}
main(options).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(isMlcError(error) ? `${error.code}: ${error.message}` : error);
    process.exit(1);
  },
);
