-- The operator console's queries (services/console), each by an index:
-- a free-text search of an entity key (supplier, PO or invoice number) across connections;
create index audit_events_entity_key on audit_events (entity_key, kafka_ts);
-- outcomes of the last hour and day across connections (the connections page's chart);
create index audit_outcomes_ts on audit_outcomes (kafka_ts);
-- the DLQ list by connection in DLQ time order (keyset paging).
create index audit_dlq_connection on audit_dlq (connection, kafka_ts);

-- The results of `mlc check`, kept so the console shows each connection's last check.
create table audit_check_runs (
  id         bigint generated always as identity primary key,
  at         timestamptz not null default now(),
  -- null: every connection of the file was checked.
  connection text,
  ok         boolean     not null,
  -- [{ connection, system, check, ok, detail }] as `mlc check` printed them.
  lines      jsonb       not null
);
create index audit_check_runs_at on audit_check_runs (at);
