-- A signed body replayed under a new Coupa event id is recognised by what it carries: the newest
-- record handled per key (by Coupa's updated-at) answers a replay of the same content as a
-- duplicate, and an older record as `stale` (recorded, not published).
alter table coupa_gateway_deliveries add column if not exists entity_type text;
alter table coupa_gateway_deliveries add column if not exists occurred_at timestamptz;
alter table coupa_gateway_deliveries drop constraint if exists coupa_gateway_deliveries_outcome_check;
alter table coupa_gateway_deliveries
  add constraint coupa_gateway_deliveries_outcome_check check (outcome in ('pending', 'published', 'echo', 'stale'));
create index if not exists coupa_gateway_deliveries_by_key on coupa_gateway_deliveries (connection, entity_type, entity_key, occurred_at desc);
