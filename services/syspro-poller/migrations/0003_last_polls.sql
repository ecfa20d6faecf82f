-- When each entity of a connection was last polled successfully, whether it found changes or not
-- (a quiet poll commits no cursor). Written after every successful poll; read by `mlc status`.
create table if not exists syspro_poller_polls (
  connection      text        not null,
  entity          text        not null,
  last_success_at timestamptz not null,
  primary key (connection, entity)
);
