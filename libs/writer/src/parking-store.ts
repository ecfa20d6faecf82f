import type pg from 'pg';
import { toDbError } from '@mlc/errors';
import { headersFromJson, headersToJson, type ParkedRecord, type ParkingStore } from '@mlc/kafka';

interface Row {
  topic: string;
  kafka_partition: number;
  kafka_offset: string;
  connection: string;
  record_key: Buffer | null;
  record_value: Buffer | null;
  headers: unknown;
  attempts: number;
  reason: string;
  parked_at: Date;
}

/**
 * The PostgreSQL parking lot of one writer group (`mlc_parked_records`, migration 004). A lane is
 * drained by one drainer at a time across replicas: a session advisory lock on the lane, taken
 * without waiting, held while its oldest record is replayed and released (or dropped with the
 * session, on a crash) right after.
 */
export function createParkingStore({ db, group }: { db: pg.Pool; group: string }): ParkingStore {
  const fail = (error: unknown, operation: string, context: Record<string, unknown> = {}) => toDbError(error, { ...context, group, operation });
  return {
    async connectionsParkedOn(topic, partition) {
      try {
        const { rows } = await db.query<{ connection: string }>(
          'select distinct connection from mlc_parked_records where writer_group = $1 and topic = $2 and kafka_partition = $3',
          [group, topic, partition],
        );
        return new Set(rows.map((r) => r.connection));
      } catch (error) {
        throw fail(error, 'read parked connections', { topic, partition });
      }
    },
    async park(record, cap) {
      try {
        // One statement: the cap and the insert see the same snapshot; a redelivered record
        // (already parked) counts as parked whatever the cap.
        const { rows } = await db.query<{ existed: boolean; inserted: boolean }>(
          `with existing as (
             select 1 from mlc_parked_records where writer_group = $1 and topic = $2 and kafka_partition = $3 and kafka_offset = $4
           ), ins as (
             insert into mlc_parked_records (writer_group, topic, kafka_partition, kafka_offset, connection, record_key, record_value, headers, reason)
             select $1, $2, $3, $4, $5, $6, $7, $8, $9
              where not exists (select 1 from existing)
                and (select count(*) from mlc_parked_records where writer_group = $1 and connection = $5) < $10
             on conflict do nothing
             returning 1
           )
           select exists (select 1 from existing) as existed, exists (select 1 from ins) as inserted`,
          [group, record.topic, record.partition, record.offset, record.connection, record.key, record.value, JSON.stringify(headersToJson(record.headers)), record.reason, cap],
        );
        const row = rows[0];
        return row?.existed === true || row?.inserted === true ? 'parked' : 'full';
      } catch (error) {
        throw fail(error, 'park a record', { topic: record.topic, partition: record.partition, offset: record.offset, connection: record.connection });
      }
    },
    async lanes() {
      try {
        const { rows } = await db.query<{ topic: string; kafka_partition: number; connection: string; count: string }>(
          `select topic, kafka_partition, connection, count(*) as count from mlc_parked_records
            where writer_group = $1 group by topic, kafka_partition, connection order by connection, topic, kafka_partition`,
          [group],
        );
        return rows.map((r) => ({ topic: r.topic, partition: r.kafka_partition, connection: r.connection, count: Number(r.count) }));
      } catch (error) {
        throw fail(error, 'list parking lanes');
      }
    },
    async drainOne(lane, work) {
      const context = { topic: lane.topic, partition: lane.partition, connection: lane.connection };
      let client: pg.PoolClient;
      try {
        client = await db.connect();
      } catch (error) {
        throw fail(error, 'drain a parking lane', context);
      }
      const lockKey = `mlc-parking|${group}|${lane.topic}|${lane.partition}|${lane.connection}`;
      let locked = false;
      let broken = false;
      try {
        const { rows: got } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [lockKey]);
        locked = got[0]?.locked === true;
        if (!locked) return 'locked';
        const { rows } = await client.query<Row>(
          `select topic, kafka_partition, kafka_offset::text as kafka_offset, connection, record_key, record_value, headers, attempts, reason, parked_at
             from mlc_parked_records
            where writer_group = $1 and connection = $2 and topic = $3 and kafka_partition = $4
            order by mlc_parked_records.kafka_offset limit 1 -- the bigint column, not the text alias
          `,
          [group, lane.connection, lane.topic, lane.partition],
        );
        const row = rows[0];
        if (row === undefined) return 'empty';
        const record: ParkedRecord = {
          topic: row.topic,
          partition: row.kafka_partition,
          offset: row.kafka_offset,
          connection: row.connection,
          key: row.record_key,
          value: row.record_value,
          headers: headersFromJson(row.headers),
          attempts: row.attempts,
          reason: row.reason,
          parkedAt: row.parked_at,
        };
        const verdict = await work(record);
        const pk = [group, row.topic, row.kafka_partition, row.kafka_offset];
        if (verdict.done) {
          await client.query('delete from mlc_parked_records where writer_group = $1 and topic = $2 and kafka_partition = $3 and kafka_offset = $4', pk);
          return 'done';
        }
        if (verdict.attempts !== row.attempts) {
          await client.query('update mlc_parked_records set attempts = $5 where writer_group = $1 and topic = $2 and kafka_partition = $3 and kafka_offset = $4', [...pk, verdict.attempts]);
        }
        return 'kept';
      } catch (error) {
        broken = true;
        throw error instanceof Error && error.name === 'MlcError' ? error : fail(error, 'drain a parking lane', context);
      } finally {
        if (locked) await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]).catch(() => (broken = true));
        // A client whose session may still hold the lock (or is broken) is closed: the lock goes with it.
        client.release(broken ? true : undefined);
      }
    },
    async saveCircuit(connection, target, snapshot) {
      try {
        await db.query(
          `insert into mlc_writer_circuits (writer_group, connection, target_system, state, failures, last_code, next_probe_at, since)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           on conflict (writer_group, connection, target_system) do update
             set state = excluded.state, failures = excluded.failures, last_code = excluded.last_code,
                 next_probe_at = excluded.next_probe_at, since = excluded.since, updated_at = now()`,
          [group, connection, target, snapshot.state, snapshot.failures, snapshot.lastCode ?? null, snapshot.nextProbeAt === undefined ? null : new Date(snapshot.nextProbeAt), new Date(snapshot.since)],
        );
      } catch (error) {
        throw fail(error, 'record circuit state', { connection, target });
      }
    },
  };
}
