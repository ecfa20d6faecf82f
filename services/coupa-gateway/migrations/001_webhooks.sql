-- Coupa call-outs the gateway has handled, by Coupa's event id: a retransmission (Coupa retries,
-- duplicates, redeliveries keep the id) is acknowledged without publishing again. Rows expire
-- after the configured retention, which must outlast Coupa's retry window.
create table if not exists coupa_gateway_deliveries (
  connection      text        not null,
  coupa_event_id  text        not null,
  event_type      text        not null,
  outcome         text        not null check (outcome in ('published', 'echo')),
  entity_key      text        not null,
  event_id        text        not null,
  content_hash    text        not null,
  received_at     timestamptz not null default now(),
  primary key (connection, coupa_event_id)
);
create index if not exists coupa_gateway_deliveries_received_at on coupa_gateway_deliveries (received_at);

-- Authenticated call-outs the gateway refused (malformed JSON, unknown event type, unmappable
-- record), kept for audit with the start of the body. Unauthenticated requests are only counted
-- in metrics: recording them would let anyone fill this table.
create table if not exists coupa_gateway_rejections (
  id              bigserial   primary key,
  connection      text        not null,
  coupa_event_id  text,
  event_type      text,
  status          integer     not null,
  code            text        not null,
  reason          text        not null,
  body_excerpt    text,
  received_at     timestamptz not null default now()
);
create index if not exists coupa_gateway_rejections_received_at on coupa_gateway_rejections (received_at);
