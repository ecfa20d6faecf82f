-- What is kept of a refused call-out's body: its SHA-256 and size (to match it with Coupa's copy)
-- beside an excerpt with bank details and secrets redacted (coupa-gateway `rejectionExcerpt`).
alter table coupa_gateway_rejections add column if not exists body_sha256 text;
alter table coupa_gateway_rejections add column if not exists body_bytes integer;
-- Learned PO lines expire (ORDER_LINE_RETENTION_DAYS); an invoice naming an expired one has it
-- looked up in Coupa's API again.
create index if not exists coupa_gateway_order_lines_updated_at on coupa_gateway_order_lines (updated_at);
