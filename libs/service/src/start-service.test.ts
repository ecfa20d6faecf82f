import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configError } from '@mlc/config';
import { MlcError } from '@mlc/errors';
import { startService, ServiceEnv, type ServiceDefinition } from './start-service.js';

// Nothing here connects: configuration fails before the shell listens, migrates or starts.
const ENV = { KAFKA_BROKERS: '127.0.0.1:1', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1', DATABASE_URL: 'postgres://x@127.0.0.1:1/db', PORT: '0', HOST: '127.0.0.1' };

interface LogLine {
  level: string;
  msg: string;
  path?: string;
  code?: string;
  err?: unknown;
}

async function failedStart(definition: ServiceDefinition, processEnv: NodeJS.ProcessEnv) {
  const lines: LogLine[] = [];
  const exits: number[] = [];
  const error = await startService(definition, {
    processEnv,
    exit: (code) => void exits.push(code),
    logDestination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  }).then(
    () => assert.fail('the service started'),
    (e: unknown) => e,
  );
  return { error, lines, exits };
}

const never: ServiceDefinition['create'] = () => assert.fail('create must not run');

test('a bad environment ends the start with exit 1 and one error line per problem, naming the variable', async () => {
  const { error, lines, exits } = await failedStart({ name: 'svc', env: ServiceEnv, create: never }, { ...ENV, KAFKA_BROKERS: 'no-port', MLC_TOPIC_PREFIX: 'a b' });
  assert.equal((error as MlcError).code, 'MLC_CONFIG_INVALID');
  assert.deepEqual(exits, [1]);
  assert.deepEqual(lines.map((l) => [l.level, l.path, l.code]).sort(), [
    ['error', 'KAFKA_BROKERS[0]', 'MLC_CONFIG_INVALID'],
    ['error', 'MLC_TOPIC_PREFIX', 'MLC_CONFIG_INVALID'],
  ]);
  assert.ok(lines.every((l) => l.err === undefined), 'no stack trace');
});

test('a bad connections file found while the service builds its parts ends the start the same way', async () => {
  const create = () => {
    throw configError('connections file /tmp/c.json', [
      { path: 'connections[0].syspro.odata.url', message: 'Invalid URL' },
      { path: 'connections[0].mappings.syspro.defaultCurrency', message: 'Required' },
    ]);
  };
  const { lines, exits } = await failedStart({ name: 'svc', env: ServiceEnv, create }, ENV);
  assert.deepEqual(exits, [1]);
  assert.deepEqual(lines.map((l) => l.path), ['connections[0].syspro.odata.url', 'connections[0].mappings.syspro.defaultCurrency']);
});

test('a configuration error without field issues is one line; any other error is logged with its error', async () => {
  const noConnection = () => {
    throw new MlcError('MLC_CONFIG_INVALID', 'no connection it can serve', { context: { wanted: ['acme'] } });
  };
  const config = await failedStart({ name: 'svc', env: ServiceEnv, create: noConnection }, ENV);
  assert.equal(config.lines.length, 1);
  assert.equal(config.lines[0]?.code, 'MLC_CONFIG_INVALID');
  assert.equal(config.lines[0]?.err, undefined);

  const bug = () => {
    throw new TypeError('x is undefined');
  };
  const other = await failedStart({ name: 'svc', env: ServiceEnv, create: bug }, ENV);
  assert.deepEqual(other.exits, [1]);
  assert.equal(other.lines.length, 1);
  assert.ok(other.lines[0]?.err !== undefined);
});
