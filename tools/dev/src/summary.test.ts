import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl, renderSummary, summaryFields, watchCommands, type SummaryInput } from './summary.js';

const infra = { KAFKA_BROKERS: '127.0.0.1:19092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7', DATABASE_URL: 'postgres://app:s3cret@db:5432/mlc' };

const input: SummaryInput = {
  infra,
  sandbox: { syspro: 'http://127.0.0.1:4010', coupa: 'http://127.0.0.1:4020', infor: 'http://127.0.0.1:4030' },
  connectionsFile: '/repo/.sandbox/connections.json',
  services: [
    { name: 'coupa-gateway', main: 'services/coupa-gateway/src/main.ts', port: 8081 },
    { name: 'syspro-poller', main: 'services/syspro-poller/src/main.ts', port: 8083 },
  ],
  host: '127.0.0.1',
  webhookConnections: ['sandbox'],
  stackExit: 'was-running',
  stackEnvFile: '/repo/.stack/stack.env',
};

test('the summary lists every service URL and the gateway webhook, never a password', () => {
  const text = renderSummary(input);
  assert.ok(!text.includes('s3cret'));
  assert.ok(!JSON.stringify(summaryFields(input)).includes('s3cret'));
  for (const url of ['http://127.0.0.1:8081/readyz', 'http://127.0.0.1:8083/metrics', 'http://127.0.0.1:8081/webhooks/coupa/sandbox', 'http://127.0.0.1:4020']) {
    assert.ok(text.includes(url), url);
  }
  assert.ok(!text.includes('8083/webhooks'));
});

test('redactUrl keeps URLs without a password as they are', () => {
  assert.equal(redactUrl('postgres://postgres@127.0.0.1:5432/mlc'), 'postgres://postgres@127.0.0.1:5432/mlc');
  assert.equal(redactUrl('postgres://u:p@h/db'), 'postgres://u:***@h/db');
  assert.equal(redactUrl('not a url'), 'not a url');
});

test('where to look for records: mlc status with the stack env, the audit counters, a flow to try', () => {
  const services = [...input.services, { name: 'audit', main: 'services/audit/src/main.ts', port: 8080 }, { name: 'infor-writer', main: 'x', port: 8084 }];
  const commands = watchCommands({ ...input, services }).map((c) => c.command);
  assert.equal(commands[0], "env $(grep -v '^#' /repo/.stack/stack.env | xargs) npm run mlc -- status --watch");
  assert.ok(commands.includes("curl -s http://127.0.0.1:8080/metrics | grep '^mlc_audit_rows_total'"));
  assert.ok(commands.some((c) => c.startsWith('curl -s -X PATCH http://127.0.0.1:4020/_sandbox/suppliers/1')));
  // Infrastructure from the environment: the command runs as it is; no sandbox: no flow to make.
  const bare = watchCommands({ ...input, services, stackEnvFile: undefined, sandbox: undefined }).map((c) => c.command);
  assert.deepEqual(bare, ['npm run mlc -- status --watch', "curl -s http://127.0.0.1:8080/metrics | grep '^mlc_audit_rows_total'"]);
});

test('the last line says what stopping does to the stack', () => {
  assert.match(renderSummary({ ...input, stackExit: 'down' }), /stops the services, the sandbox and the local stack this run started/);
  assert.match(renderSummary({ ...input, stackExit: 'was-running' }), /was running before and keeps running/);
  assert.match(renderSummary({ ...input, stackExit: 'not-ours' }), /left alone/);
});

test('the summary says where the console is and how to sign in', () => {
  const input = {
    infra: { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r', DATABASE_URL: 'postgres://db' },
    connectionsFile: 'c.json',
    services: [{ name: 'console', main: 'services/console/src/main.ts', port: 8082 }],
    host: '127.0.0.1',
    webhookConnections: [],
    stackExit: 'not-ours' as const,
    console: { url: 'http://127.0.0.1:8082/', token: 'run-token' },
  };
  assert.match(renderSummary(input), /console {6}http:\/\/127\.0\.0\.1:8082\/[\s\S]*sign in with the admin token of this run: run-token/);
  assert.deepEqual(summaryFields(input).console, { url: 'http://127.0.0.1:8082/', signIn: 'with the admin token of this run: run-token' });
  assert.match(renderSummary({ ...input, console: { url: 'http://127.0.0.1:8082/', token: undefined } }), /the admin token you set in MLC_CONSOLE_ADMIN_TOKEN/);
});
