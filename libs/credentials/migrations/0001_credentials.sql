-- The credentials store: one row per secret, its value encrypted (AES-256-GCM) under its own data
-- key, the data key wrapped (AES-256-GCM) under a master key the services are given. Neither the
-- value nor the data key is ever stored in clear; master_key_id says which master key opens the
-- row, so a master-key rotation re-wraps rows one by one while the old key still opens the rest.
create table if not exists mlc_credentials (
  name          text        primary key,
  version       integer     not null,
  data_key_id   text        not null,
  master_key_id text        not null,
  wrapped_key   bytea       not null,
  ciphertext    bytea       not null,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);
create index if not exists mlc_credentials_master_key on mlc_credentials (master_key_id);
