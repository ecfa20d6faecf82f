-- The parking lot of the writers (libs/kafka parking.ts): records of a connection whose target is
-- down, kept in order with their original bytes and headers, so they are replayed through the same
-- handler once it answers. One table for every writer group, keyed by group, topic, partition and
-- offset (a redelivered record is parked once); a lane is (group, topic, partition, connection) and
-- is drained in offset order. Bounded per connection by MLC_PARKING_MAX_PER_CONNECTION.
create table if not exists mlc_parked_records (
  writer_group     text        not null,
  topic            text        not null,
  kafka_partition  integer     not null,
  kafka_offset     bigint      not null,
  connection       text        not null,
  record_key       bytea,
  record_value     bytea,
  headers          jsonb       not null default '{}'::jsonb,
  attempts         integer     not null default 0,
  reason           text        not null,
  parked_at        timestamptz not null default now(),
  primary key (writer_group, topic, kafka_partition, kafka_offset)
);
create index if not exists mlc_parked_records_lane on mlc_parked_records (writer_group, connection, topic, kafka_partition, kafka_offset);

-- Each writer's circuit per connection and target, as last seen by a replica (for `mlc status`).
-- The gauge mlc_writer_circuit_state is the live view; this row is written on every change of state.
create table if not exists mlc_writer_circuits (
  writer_group   text        not null,
  connection     text        not null,
  target_system  text        not null,
  state          text        not null check (state in ('closed', 'half-open', 'open')),
  failures       integer     not null,
  last_code      text,
  next_probe_at  timestamptz,
  since          timestamptz not null,
  updated_at     timestamptz not null default now(),
  primary key (writer_group, connection, target_system)
);
