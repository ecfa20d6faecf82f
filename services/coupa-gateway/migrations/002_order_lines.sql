-- Coupa order-line id → its PO number and line number, learned from purchase_order.issued
-- call-outs (and from Coupa's API when an invoice names a PO line we never saw). Invoice call-outs
-- name PO lines only by Coupa id, while the ERPs match invoice lines on PO number + line number.
create table if not exists coupa_gateway_order_lines (
  connection     text        not null,
  order_line_id  bigint      not null,
  po_number      text        not null,
  line_num       integer     not null,
  updated_at     timestamptz not null default now(),
  primary key (connection, order_line_id)
);
