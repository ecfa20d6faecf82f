import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envDocumentationGaps, loadEnv } from '@mlc/config';
import { ConsoleEnv, ConsoleSettings } from './env.js';

const base = { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', DATABASE_URL: 'postgres://db/x', MLC_CONSOLE_SESSION_SECRET: 's'.repeat(32) };

test('docs/CONFIGURATION.md documents every console setting with its default', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../../docs/CONFIGURATION.md'), 'utf8');
  assert.deepEqual(envDocumentationGaps(ConsoleSettings, doc), []);
});

test('the console needs a way to sign in, all of OIDC or none, and long secrets', () => {
  assert.throws(() => loadEnv(base, ConsoleEnv), /no way to sign in/);
  assert.throws(() => loadEnv({ ...base, MLC_CONSOLE_OIDC_ISSUER: 'https://idp.example' }, ConsoleEnv), /MLC_CONSOLE_OIDC_CLIENT_ID/);
  assert.throws(() => loadEnv({ ...base, MLC_CONSOLE_ADMIN_TOKEN: 'short' }, ConsoleEnv), /at least 32 characters/);
  const env = loadEnv({ ...base, MLC_CONSOLE_ADMIN_TOKEN: 't'.repeat(32), MLC_CONSOLE_OIDC_OPERATOR_GROUPS: 'ops, admins' }, ConsoleEnv);
  assert.equal(env.MLC_CONSOLE_COOKIE_SECURE, true);
  assert.deepEqual(env.MLC_CONSOLE_OIDC_OPERATOR_GROUPS, ['ops', 'admins']);
  assert.throws(() => loadEnv({ ...base, MLC_CONSOLE_ADMIN_TOKEN: 't'.repeat(32), MLC_CONSOLE_COOKIE_SECUR: 'false' }, ConsoleEnv), /MLC_CONSOLE_COOKIE_SECUR/);
});
