// A writer process for the crash test: runs the consumer runtime with a handler that upserts into
// a Postgres table by event id. With `hangAfterEffect`, the handler never returns after its effect,
// so the parent can SIGKILL us between the effect and the commit.
import pg from 'pg';
import { createConsumerRuntime } from '../runtime.js';
import { testCodec, testKafka, testLogger } from '../test-support.js';

interface ChildArgs {
  topic: string;
  outcomesTopic: string;
  groupId: string;
  table: string;
  hangAfterEffect: boolean;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
const runtime = createConsumerRuntime({
  kafka: testKafka(),
  groupId: args.groupId,
  topics: [args.topic],
  codec: testCodec([args.topic], args.outcomesTopic),
  logger: testLogger('crash-child'),
  retry: { initialMs: 10, maxMs: 100, maxAttempts: 3 },
  outcomesTopic: args.outcomesTopic,
  // The killed member must leave the group quickly for the restarted one to get the partition.
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 1_000,
  handler: async (event) => {
    await pool.query(
      `INSERT INTO ${args.table} (event_id, deliveries) VALUES ($1, 1)
       ON CONFLICT (event_id) DO UPDATE SET deliveries = ${args.table}.deliveries + 1`,
      [event.id],
    );
    if (args.hangAfterEffect) await new Promise(() => undefined);
    return { status: 'created' };
  },
});

process.once('SIGTERM', () => {
  void runtime
    .stop()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
await runtime.start();
