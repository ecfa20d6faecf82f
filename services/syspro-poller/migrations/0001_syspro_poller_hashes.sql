-- Content hash of the last event the poller published per record, so unchanged rows are skipped.
-- Written after the Kafka commit: a lost write only makes the next poll republish an identical event.
create table if not exists syspro_poller_hashes (
  connection   text        not null,
  entity       text        not null,
  key          text        not null,
  content_hash text        not null,
  published_at timestamptz not null default now(),
  primary key (connection, entity, key)
);
