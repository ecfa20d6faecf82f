-- Hashes belong to the cursor state (epoch) they were made under: a cursor that starts over (a new
-- cursor topic, a resync) has a new epoch and so no known hashes, and publishes what it reads.
-- A new table rather than a changed key on syspro_poller_hashes, so a replica of the previous
-- version still runs against this schema during a rolling upgrade; that table is no longer read.
create table if not exists syspro_poller_epoch_hashes (
  connection   text        not null,
  entity       text        not null,
  epoch        text        not null,
  key          text        not null,
  content_hash text        not null,
  published_at timestamptz not null default now(),
  primary key (connection, entity, epoch, key)
);

-- Cursor records written before epochs read as the legacy epoch '': their hashes carry over.
insert into syspro_poller_epoch_hashes (connection, entity, epoch, key, content_hash, published_at)
select connection, entity, '', key, content_hash, published_at from syspro_poller_hashes
on conflict do nothing;

-- An operator's request that the poller of a connection read an entity (null: every entity it
-- polls) again from the start, or from a time. The leader applies it at the entity's next poll.
create table if not exists syspro_poller_resync_requests (
  id           bigint generated always as identity primary key,
  connection   text        not null,
  entity       text,
  since        timestamptz,
  requested_by text,
  reason       text,
  requested_at timestamptz not null default now()
);
create index if not exists syspro_poller_resync_requests_connection on syspro_poller_resync_requests (connection, id);

-- One row per request and entity it was applied to, with the epoch the reset started.
create table if not exists syspro_poller_resync_applied (
  request_id bigint      not null references syspro_poller_resync_requests (id) on delete cascade,
  entity     text        not null,
  epoch      text        not null,
  applied_at timestamptz not null default now(),
  primary key (request_id, entity)
);
