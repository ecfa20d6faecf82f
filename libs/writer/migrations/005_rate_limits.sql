-- Vendor rate limits shared by the replicas of a writer (libs/writer rate-limits.ts): one token
-- bucket per connection and target system. A replica leases a few tokens at a time with one
-- UPDATE that refills the bucket from the database clock (clock_timestamp()), so replicas need
-- neither synchronised clocks nor to know of each other. The rate and capacity are not stored:
-- each lease brings the caller's configured limit. Bounded: one row per configured connection
-- and target.
create table if not exists mlc_rate_limits (
  connection     text             not null,
  target_system  text             not null,
  tokens         double precision not null check (tokens >= 0),
  refilled_at    timestamptz      not null,
  -- Tokens handed out by the last lease (read back by the UPDATE's RETURNING).
  last_granted   integer          not null default 0,
  primary key (connection, target_system)
);
