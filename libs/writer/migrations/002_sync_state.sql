-- Two-way sync: per record, what both systems were last left agreeing on, leaf by leaf
-- (`{ "contact.email": { "h": <sha256 of the value>, "at": <source change time> } }`). Values are
-- kept as hashes only, so bank details never rest here in clear. Writers of both directions merge
-- into it (jsonb ||), each its own leaves.
create table if not exists mlc_sync_state (
  connection   text        not null,
  entity_type  text        not null,
  natural_key  text        not null,
  fields       jsonb       not null default '{}'::jsonb,
  updated_at   timestamptz not null default now(),
  primary key (connection, entity_type, natural_key)
);
