-- The audit log: one row per Kafka record, in four tables by what the record is, each
-- range-partitioned by month on kafka_ts (the Kafka record timestamp).
--
-- Why kafka_ts is the partition column: PostgreSQL requires every unique key of a partitioned
-- table to contain the partition column, so (topic, partition, offset) alone cannot be the key.
-- The record timestamp is fixed for a given offset (it is stored in the log, whether CreateTime
-- or LogAppendTime), so a redelivered record carries the same kafka_ts, lands in the same
-- partition, and conflicts on (topic, kafka_partition, kafka_offset, kafka_ts):
-- `on conflict do nothing` absorbs it. Uniqueness of (topic, partition, offset) thus holds as
-- long as Kafka keeps offsets unique, which it does until a topic is deleted and recreated under
-- the same name (then both histories are kept, told apart by kafka_ts). A time column from the
-- payload (observedAt) would not do: undecodable records have none, and a replayed record keeps
-- its payload while getting a new offset.
--
-- Partitions are created ahead by the service (see partitions.ts); the default partition only
-- catches rows outside every monthly partition (clock skew, records older than the oldest
-- partition) and is drained into the monthly partition when that is created.

create table audit_events (
  topic           text        not null,
  kafka_partition int         not null,
  kafka_offset    bigint      not null,
  kafka_ts        timestamptz not null,
  event_id        text,
  connection      text,
  entity_type     text,
  entity_key      text,
  source          text,
  event_type      text,
  occurred_at     timestamptz,
  observed_at     timestamptz,
  actor           text,
  content_hash    text,
  correlation_id  text,
  causation_id    text,
  schema_id       int,
  record_key      text,
  headers         jsonb       not null,
  -- The whole value as published (envelope and data), so a republish re-encodes it verbatim.
  payload         jsonb       not null,
  stored_at       timestamptz not null default now(),
  primary key (topic, kafka_partition, kafka_offset, kafka_ts)
) partition by range (kafka_ts);
create index audit_events_record on audit_events (connection, entity_type, entity_key, kafka_ts);
create index audit_events_correlation on audit_events (correlation_id, kafka_ts);
create index audit_events_event_id on audit_events (event_id);
create table audit_events_default partition of audit_events default;

create table audit_outcomes (
  topic            text        not null,
  kafka_partition  int         not null,
  kafka_offset     bigint      not null,
  kafka_ts         timestamptz not null,
  event_id         text,
  event_type       text,
  connection       text,
  entity_type      text,
  entity_key       text,
  correlation_id   text,
  writer           text,
  status           text,
  target_system    text,
  target_id        text,
  attempts         int,
  error_code       text,
  error_message    text,
  source_topic     text,
  source_partition int,
  source_offset    bigint,
  at               timestamptz,
  schema_id        int,
  headers          jsonb       not null,
  payload          jsonb       not null,
  stored_at        timestamptz not null default now(),
  primary key (topic, kafka_partition, kafka_offset, kafka_ts)
) partition by range (kafka_ts);
create index audit_outcomes_record on audit_outcomes (connection, entity_type, entity_key, kafka_ts);
create index audit_outcomes_correlation on audit_outcomes (correlation_id, kafka_ts);
create index audit_outcomes_event_id on audit_outcomes (event_id);
create index audit_outcomes_writer on audit_outcomes (writer, status, kafka_ts);
create table audit_outcomes_default partition of audit_outcomes default;

-- DLQ records: the reason headers (mlc-dlq-*) as columns, the original record's bytes and headers
-- as they were, so a redrive republishes exactly what the writer gave up on.
create table audit_dlq (
  topic            text        not null,
  kafka_partition  int         not null,
  kafka_offset     bigint      not null,
  kafka_ts         timestamptz not null,
  component        text        not null,
  error_code       text,
  error_message    text,
  retriable        boolean,
  dlq_group        text,
  source_topic     text,
  source_partition int,
  source_offset    bigint,
  attempts         int,
  dead_lettered_at timestamptz,
  event_id         text,
  connection       text,
  entity_type      text,
  entity_key       text,
  correlation_id   text,
  original_key     bytea,
  original_value   bytea,
  original_headers jsonb       not null,
  stored_at        timestamptz not null default now(),
  primary key (topic, kafka_partition, kafka_offset, kafka_ts)
) partition by range (kafka_ts);
create index audit_dlq_record on audit_dlq (connection, entity_type, entity_key, kafka_ts);
create index audit_dlq_correlation on audit_dlq (correlation_id, kafka_ts);
create index audit_dlq_listing on audit_dlq (dlq_group, error_code, kafka_ts);
create table audit_dlq_default partition of audit_dlq default;

-- Records that could not be decoded (not wire format, not JSON, not an object) or whose row
-- Postgres refused: kept as bytes so nothing is lost and the partition never blocks on them.
create table audit_undecodable (
  topic           text        not null,
  kafka_partition int         not null,
  kafka_offset    bigint      not null,
  kafka_ts        timestamptz not null,
  record_key      bytea,
  value           bytea,
  headers         jsonb       not null,
  error_code      text        not null,
  error_message   text        not null,
  stored_at       timestamptz not null default now(),
  primary key (topic, kafka_partition, kafka_offset, kafka_ts)
) partition by range (kafka_ts);
create table audit_undecodable_default partition of audit_undecodable default;

-- What operators did (rewind, republish, redrive, discard): who, when, which selection, how many.
-- Few rows, and the record of people's actions: not partitioned, not subject to retention.
create table audit_operator_actions (
  id           bigint generated always as identity primary key,
  kind         text        not null check (kind in ('rewind', 'republish', 'redrive', 'discard')),
  actor        text        not null,
  at           timestamptz not null default now(),
  selection    jsonb       not null,
  reason       text,
  dry_run      boolean     not null default false,
  record_count int         not null default 0,
  details      jsonb       not null default '{}'
);
create index audit_operator_actions_at on audit_operator_actions (at);

-- The records an action touched, so each shows up in its record's trail.
create table audit_operator_action_records (
  action_id      bigint      not null references audit_operator_actions (id),
  connection     text,
  entity_type    text,
  entity_key     text,
  correlation_id text,
  event_id       text,
  dlq_topic      text,
  dlq_partition  int,
  dlq_offset     bigint
);
create index audit_action_records_record on audit_operator_action_records (connection, entity_type, entity_key);
create index audit_action_records_correlation on audit_operator_action_records (correlation_id);
create index audit_action_records_dlq on audit_operator_action_records (dlq_topic, dlq_partition, dlq_offset);
create index audit_action_records_action on audit_operator_action_records (action_id);
