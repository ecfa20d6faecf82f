-- What an operator decided about a DLQ entry: `redriven` (its original republished) or
-- `discarded` (the reason is on the operator action); `open` until then. Operators name an entry
-- by its position in the DLQ topic, `<topic>:<partition>:<offset>` (unique, as the key says).
-- Constant defaults only touch the catalog, however many rows there are. No CHECK constraint:
-- monthly partitions are created `like` the parent and attached, and an attached table must carry
-- every CHECK of its parent; the values are the CLI's (`DLQ_STATUSES` in dlq.ts).
alter table audit_dlq
  add column status             text not null default 'open',
  add column resolved_action_id bigint,
  add column resolved_at        timestamptz;
create index audit_dlq_status on audit_dlq (status, kafka_ts);
