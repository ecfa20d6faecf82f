import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { OUTCOMES_TOPIC, type CanonicalEvent, type Outcome } from '@mlc/events';
import { buildDlqHeaders } from '@mlc/kafka';
import { MlcError } from '@mlc/errors';
import { mlcHarness, supplier } from '@mlc/mlc/test-support';
import { startOidcSimulator, type OidcSimulator } from '@mlc/sandbox';
import { createTestTopics, waitFor } from '@mlc/testing';
import { buildEvent } from '@mlc/events';
import { startReadyService } from './pipeline.js';

// The operator console on a deployment of its own (mlcHarness: topic prefix, audit schema, the
// audit service filling the log from real Kafka), with the OIDC simulator as identity provider:
// a supplier that travelled both ways, and an entry in coupa-writer's DLQ.

export const ADMIN_TOKEN = 'console-e2e-admin-token-0123456789abcdef';
const SESSION_SECRET = 'console-e2e-session-secret-0123456789abcdef';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ConsoleWorld {
  url: string;
  h: Awaited<ReturnType<typeof mlcHarness>>;
  idp: OidcSimulator;
  /** The supplier with a trail in both directions. */
  key: string;
  suppliersTopic: string;
}

function outcome(connection: string, event: CanonicalEvent, writer: string, status: Outcome['status'], target: string, sourceTopic: string, error?: Outcome['error']): Outcome {
  return {
    eventId: event.id,
    eventType: event.type,
    connection,
    entity: { type: 'supplier', key: event.entity.key },
    writer,
    status,
    target: { system: target, id: status === 'failed' ? undefined : `${target}-42` },
    attempts: 1,
    ...(error === undefined ? {} : { error }),
    correlationId: event.correlationId,
    source: { topic: sourceTopic, partition: 0, offset: '0' },
    at: new Date().toISOString(),
  };
}

export async function startConsoleWorld(t: Pick<TestContext, 'after'>): Promise<ConsoleWorld> {
  const h = await mlcHarness(t);
  const key = `TW${Date.now() % 100000}`;
  const suppliersTopic = h.topic('syspro.suppliers.v1');
  const coupaTopic = h.topic('coupa.suppliers.v1');
  await createTestTopics(h.admin, [coupaTopic]);
  h.own([coupaTopic]);

  // syspro → coupa: created in SYSPRO, written to Coupa; coupa → syspro: contact changed in Coupa, written to SYSPRO.
  const fromSyspro = supplier(h.connection, key, 'Two Way Ltd');
  const fromCoupa = buildEvent({
    source: 'coupa',
    connection: h.connection,
    entity: 'supplier',
    key,
    data: { number: key, name: 'Two Way Ltd', status: 'active', currency: 'ZAR', bank: { iban: 'ZA00BANK0000111122223333', accountNumber: '1234567890' } },
    occurredAt: '2026-11-02T11:00:00Z',
    observedAt: '2026-11-02T11:00:01Z',
    correlationId: `corr-coupa-${key}`,
    actor: 'buyer@acme.example',
  });
  await h.producer.publish(suppliersTopic, [fromSyspro]);
  await h.producer.publish(coupaTopic, [fromCoupa]);
  const outcomesTopic = h.topic(OUTCOMES_TOPIC);
  const outcomes = [
    outcome(h.connection, fromSyspro, `${h.prefix}coupa-writer`, 'created', 'coupa', suppliersTopic),
    outcome(h.connection, fromCoupa, `${h.prefix}syspro-writer`, 'updated', 'syspro', coupaTopic),
  ];
  await h.raw.send({ topic: outcomesTopic, messages: await Promise.all(outcomes.map(async (o) => ({ key: `${o.connection}:supplier:${key}`, value: await h.codec.encode(outcomesTopic, o) }))), acks: -1 });

  // A supplier coupa-writer gave up on: its original in the DLQ.
  const dead = supplier(h.connection, `${key}-DLQ`);
  await h.producer.publish(suppliersTopic, [dead]);
  await h.raw.send({
    topic: h.topic('coupa-writer.dlq.v1'),
    acks: -1,
    messages: [
      {
        key: `${h.connection}:supplier:${dead.entity.key}`,
        value: await h.codec.encode(suppliersTopic, dead),
        headers: buildDlqHeaders({
          error: new MlcError('MLC_VENDOR_REJECTED', 'Coupa refused the supplier: tax id invalid'),
          group: `${h.prefix}coupa-writer`,
          topic: suppliersTopic,
          partition: 0,
          offset: '1',
          attempts: 3,
          at: new Date(),
          originalHeaders: { 'mlc-event-id': dead.id, 'mlc-correlation-id': dead.correlationId, 'mlc-event-type': dead.type },
        }),
      },
    ],
  });
  h.startAudit();
  await waitFor(async () => (await h.count('audit_events')) >= 3 && (await h.count('audit_outcomes')) >= 2 && (await h.count('audit_dlq')) >= 1, {
    message: 'events, outcomes and the DLQ entry in the log',
    timeoutMs: 90_000,
  });

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const idp = await startOidcSimulator({
    users: [
      { sub: 'olivia', name: 'Olivia Operator', groups: ['mlc-operators'] },
      { sub: 'rory', name: 'Rory Reader', groups: ['mlc-readers'] },
      { sub: 'nobody', name: 'Nora Nogroup', groups: ['finance'] },
    ],
    clients: [{ clientId: 'mlc-console', clientSecret: 'console-client-secret', redirectUris: [`${url}/auth/callback`] }],
  });
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await idp.close();
  });
  await startReadyService(
    'console',
    {
      PORT: String(port),
      MLC_TOPIC_PREFIX: h.prefix,
      MLC_AUDIT_DB_SCHEMA: h.schema,
      MLC_CONSOLE_SESSION_SECRET: SESSION_SECRET,
      MLC_CONSOLE_COOKIE_SECURE: 'false',
      MLC_CONSOLE_ADMIN_TOKEN: ADMIN_TOKEN,
      MLC_CONSOLE_OIDC_ISSUER: idp.issuer,
      MLC_CONSOLE_OIDC_CLIENT_ID: 'mlc-console',
      MLC_CONSOLE_OIDC_CLIENT_SECRET: 'console-client-secret',
      MLC_CONSOLE_OIDC_REDIRECT_URL: `${url}/auth/callback`,
      MLC_CONSOLE_OIDC_OPERATOR_GROUPS: 'mlc-operators',
      MLC_CONSOLE_OIDC_READER_GROUPS: 'mlc-readers',
      MLC_CONSOLE_PAGE_SIZE: '20',
    },
    children,
  );
  return { url, h, idp, key, suppliersTopic };
}
