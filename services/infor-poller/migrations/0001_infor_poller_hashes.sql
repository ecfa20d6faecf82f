-- Content hash of the last supplier event the poller published per record, so unchanged records are skipped.
-- Written after the Kafka commit: a lost write only makes a later poll republish an identical event.
create table if not exists infor_poller_hashes (
  connection   text        not null,
  key          text        not null,
  content_hash text        not null,
  published_at timestamptz not null default now(),
  primary key (connection, key)
);
