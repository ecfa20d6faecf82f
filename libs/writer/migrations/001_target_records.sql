-- What each writer last wrote to a target system, per record: the id the target gave it, the
-- content hash of the canonical data written, and the source time of that data. It makes effects
-- idempotent (same hash → nothing to do), stops replays of older snapshots from regressing newer
-- ones, and lets the inbound side recognise echoes of our own writes in two-way sync.
create table if not exists mlc_target_records (
  connection      text        not null,
  target_system   text        not null,
  entity_type     text        not null,
  natural_key     text        not null,
  target_id       text,
  content_hash    text        not null,
  source_time     timestamptz not null,
  event_id        text        not null,
  written_at      timestamptz not null default now(),
  primary key (connection, target_system, entity_type, natural_key)
);
