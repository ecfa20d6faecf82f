// `npm start [-- --only a,b --no-sandbox --connections file --keep-stack --output json …]`: the
// local stack, the sandbox and every service with a src/main.ts, supervised, until Ctrl-C or
// SIGTERM; pretty on a terminal, JSON lines otherwise. See ../README.md.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMlcError, MlcError } from '@mlc/errors';
import { startSandbox, type Sandbox } from '@mlc/sandbox';
import { parseDevArgs, USAGE, type DevOptions } from './args.js';
import { createRestartPolicy } from './backoff.js';
import { forgetSandboxState } from './forget.js';
import { createPrettyServiceLine, jsonNotice, jsonServiceLine, outputMode, type OutputMode } from './output.js';
import { noticeLine } from './prefix.js';
import { countsObject, flowCounts, mergeCounts, renderCounts } from './records.js';
import { discoverServices, planServices, type ServicePlan } from './services.js';
import { INFRA_VARS, readStackEnv, runStackCommand, stackOnExit, startedParts } from './stack.js';
import { renderSummary, serviceUrl, summaryFields, type SummaryInput } from './summary.js';
import { createSupervisor, type Supervisor, type SupervisorEvent } from './supervisor.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const HOST = '127.0.0.1';
const SANDBOX_PORTS = { syspro: 4010, coupa: 4020, infor: 4030 };
// Longer than the services' own shutdown timeout (set below), so they normally exit on their own.
const GRACE_MS = 15_000;
const SERVICE_SHUTDOWN_TIMEOUT_MS = 10_000;
// How often the services' /metrics are read for the records block.
const RECORDS_EVERY_MS = 10_000;
// A signal this soon after the first is the same stop, not a second Ctrl-C: a terminal signals the
// whole foreground group (npm, the bootstrap, this process) and npm and the bootstrap pass theirs on.
const SAME_STOP_MS = 1_000;

// With `npm start | pino-pretty`, Ctrl-C ends the reader too: a write error must not kill this
// process before it has stopped the (detached) services.
process.stdout.on('error', () => undefined);
const ansi = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const print = (line: string) => process.stdout.write(`${line}\n`);

// Stop requests: SIGINT/SIGTERM/SIGHUP, or the parent going away (npm or the bootstrap killed with
// SIGKILL: this process is then adopted by another, and stops the services rather than leaving
// them behind). Installed before anything is started, so a stop during start-up stops what has
// been started so far. A second request later than SAME_STOP_MS kills the services at once.
const stopping = new AbortController();
let stopReason: string | undefined;
let stoppedAt = 0;
let killNow: (() => void) | undefined;
function requestStop(reason: string): void {
  if (stopReason === undefined) {
    stopReason = reason;
    stoppedAt = Date.now();
    stopping.abort();
  } else if (Date.now() - stoppedAt >= SAME_STOP_MS) {
    killNow?.();
  }
}
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(name, () => requestStop(name));
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) requestStop('parent process gone');
}, 1000).unref();
const stopped = new Promise<void>((done) => stopping.signal.addEventListener('abort', () => done(), { once: true }));

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
  const mode: OutputMode = outputMode({ requested: options.output, isTTY: process.stdout.isTTY === true });
  const services = planServices({ discovered: discoverServices(repoRoot), only: options.only, basePort: options.basePort });
  const width = Math.max('sandbox'.length, ...services.map((s) => s.name.length));
  const notice = (name: string, text: string, alarm = false, fields?: Record<string, unknown>) =>
    print(mode === 'json' ? jsonNotice(name, text, { alarm, now: new Date(), ...(fields ? { fields } : {}) }) : noticeLine(name, text, { width, ansi, alarm }));
  const prettyLine = mode === 'pretty' ? createPrettyServiceLine() : undefined;
  const serviceLine = (name: string, colour: number) => (line: string, stream: 'stdout' | 'stderr') => {
    if (prettyLine) for (const part of prettyLine(name, line, { width, colour, ansi })) print(part);
    else print(jsonServiceLine(name, line, stream, new Date()));
  };
  const stackLine = serviceLine('stack', 9);

  const explicitInfra = INFRA_VARS.every((name) => process.env[name]);
  const upLines: string[] = [];
  const stackExit = () => stackOnExit({ explicitInfra, started: startedParts(upLines), withStackDown: options.withStackDown, keepStack: options.keepStack });
  const stopStack = async (): Promise<void> => {
    const exit = stackExit();
    if (exit === 'down') {
      notice('stack', `stopping it${startedParts(upLines).length > 0 ? ` (this run started ${startedParts(upLines).join(', ')})` : ''}: npm run stack -- down`);
      await runStackCommand('down', { repoRoot, env: process.env, onLine: (line) => stackLine(line, 'stdout') });
    } else {
      const why = { kept: 'left running (--keep-stack; `npm run stack -- down` stops it)', 'was-running': 'was running before: left running (`npm run stack -- down` stops it)', 'not-ours': 'not ours (KAFKA_BROKERS etc. were set): left alone' };
      notice('stack', why[exit]);
    }
  };

  if (!explicitInfra) {
    notice('stack', 'npm run stack -- up (idempotent; the first start downloads Kafka and the registry)');
    try {
      await runStackCommand('up', {
        repoRoot,
        env: process.env,
        signal: stopping.signal,
        onLine: (line) => {
          upLines.push(line);
          stackLine(line, 'stdout');
        },
      });
    } catch (error) {
      if (stopping.signal.aborted) {
        await stopStack();
        return 0;
      }
      throw error;
    }
  }
  if (stopping.signal.aborted) {
    await stopStack();
    return 0;
  }
  const infra = explicitInfra
    ? Object.fromEntries(INFRA_VARS.map((name) => [name, process.env[name]!]))
    : await readStackEnv({ repoRoot, env: process.env }).catch(async (error: unknown) => {
        await stopStack();
        throw error;
      });

  let sandbox: Sandbox | undefined;
  const closeSandbox = async () => {
    if (!sandbox) return;
    notice('sandbox', 'stopping');
    await sandbox.close();
  };
  let connectionsFile: string;
  try {
    if (options.connections !== undefined) {
      connectionsFile = resolve(options.connections);
    } else if (options.sandbox) {
      sandbox = await startOwnSandbox();
      connectionsFile = sandbox.files!.connections;
      // A fresh sandbox: what the services kept in PostgreSQL about the previous one no longer holds.
      const connection = sandbox.connections.connections[0]!.id;
      const forgotten = await forgetSandboxState(process.env.DATABASE_URL || infra.DATABASE_URL!, connection);
      const rows = Object.values(forgotten.deleted).reduce((sum, n) => sum + n, 0);
      notice('sandbox', `started fresh: forgot ${rows} rows of connection ${connection} in PostgreSQL${forgotten.resync !== undefined ? `, SYSPRO resync ${forgotten.resync} requested` : ''}`, false, forgotten);
      const gateway = services.find((s) => s.name === 'coupa-gateway');
      if (gateway) await registerCallouts(sandbox, gateway);
    } else {
      connectionsFile = resolve(repoRoot, '.sandbox/connections.json');
    }
  } catch (error) {
    await closeSandbox();
    await stopStack();
    throw error;
  }
  if (!existsSync(connectionsFile)) {
    await closeSandbox();
    await stopStack();
    throw new MlcError('MLC_CONFIG_INVALID', `no connections file at ${connectionsFile}`, { context: { connectionsFile } });
  }
  if (stopping.signal.aborted) {
    await closeSandbox();
    await stopStack();
    return 0;
  }

  // The console signs in with an admin token: the developer's (MLC_CONSOLE_ADMIN_TOKEN) or one made for this run.
  const consoleToken = process.env.MLC_CONSOLE_ADMIN_TOKEN === undefined ? randomBytes(24).toString('base64url') : undefined;
  const consoleEnv = {
    MLC_CONSOLE_ADMIN_TOKEN: process.env.MLC_CONSOLE_ADMIN_TOKEN ?? consoleToken!,
    MLC_CONSOLE_SESSION_SECRET: process.env.MLC_CONSOLE_SESSION_SECRET ?? randomBytes(32).toString('base64url'),
    MLC_CONSOLE_COOKIE_SECURE: process.env.MLC_CONSOLE_COOKIE_SECURE ?? 'false',
  };
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
      ...(service.name === 'console' ? consoleEnv : {}),
    };
    let run: AbortController | undefined;
    const supervisor = createSupervisor({
      command: process.execPath,
      args: ['--conditions=source', '--import', 'tsx', service.main],
      cwd: repoRoot,
      env,
      policy: createRestartPolicy(),
      onLine: serviceLine(service.name, index),
      onEvent: (event) => {
        const described = describe(event);
        if (described) notice(service.name, described.text, described.alarm);
        if (event.type === 'started') {
          const since = Date.now();
          run = new AbortController();
          void waitReady(serviceUrl(HOST, service.port, '/readyz'), AbortSignal.any([stopping.signal, run.signal])).then((ready) => {
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
  killNow = () => {
    notice('dev', 'killing the services');
    for (const supervisor of supervisors.values()) supervisor.kill();
  };

  const consolePlan = services.find((s) => s.name === 'console');
  const summary: SummaryInput = {
    infra,
    sandbox: sandbox && { syspro: sandbox.syspro.url, coupa: sandbox.coupa.url, infor: sandbox.infor.url },
    connectionsFile,
    services,
    host: HOST,
    webhookConnections: webhookConnections(connectionsFile),
    stackExit: stackExit(),
    stackEnvFile: explicitInfra ? undefined : join(process.env.MLC_STACK_DIR ?? join(repoRoot, '.stack'), 'stack.env'),
    console: consolePlan && { url: serviceUrl('127.0.0.1', consolePlan.port, '/'), token: consoleToken },
  };
  if (mode === 'json') notice('dev', 'ml-connector is running', false, summaryFields(summary));
  else print(renderSummary(summary));

  const records = watchRecords(services, (counts) => {
    const lines = renderCounts(counts);
    if (lines === undefined) return;
    if (mode === 'json') notice('records', 'records per flow', false, { flows: countsObject(counts) });
    else for (const line of ['records per flow (total, by status):', ...lines]) print(noticeLine('records', line, { width, ansi }));
  });

  await stopped;
  records.abort();
  notice('dev', `${stopReason}: stopping the services (SIGTERM, SIGKILL after ${GRACE_MS / 1000} s); again to kill them now`);
  await Promise.all([...supervisors.values()].map((s) => s.stop(GRACE_MS)));
  await closeSandbox();
  await stopStack();
  return 0;
}

/**
 * Reads every service's /metrics every RECORDS_EVERY_MS and hands over the merged counts when
 * they changed. A service that does not answer (starting, restarting) counts as nothing yet.
 */
function watchRecords(services: readonly ServicePlan[], onChange: (counts: ReturnType<typeof mergeCounts>) => void): AbortController {
  const controller = new AbortController();
  const prefix = process.env.MLC_TOPIC_PREFIX ?? '';
  let last = '';
  const tick = async () => {
    const texts = await Promise.all(
      services.map((s) =>
        fetch(serviceUrl(HOST, s.port, '/metrics'), { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(2000)]) }).then(
          (r) => (r.ok ? r.text() : ''),
          () => '',
        ),
      ),
    );
    if (controller.signal.aborted) return;
    const counts = mergeCounts(texts.map((text) => flowCounts(text, prefix)));
    const key = JSON.stringify(countsObject(counts));
    if (key !== last) {
      last = key;
      onChange(counts);
    }
  };
  const timer = setInterval(() => void tick(), RECORDS_EVERY_MS);
  timer.unref();
  controller.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  return controller;
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
