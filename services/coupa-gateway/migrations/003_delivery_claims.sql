-- A call-out is claimed ('pending') before its event is published and marked 'published' once Kafka
-- has acknowledged it, so two replicas receiving the same Coupa event id at once publish it once:
-- the second sees the claim and answers 503 (Coupa retries and then finds it published). A claim
-- whose holder died is taken over once older than the gateway's claim lease; `claim_token` lets
-- a holder complete or release only its own claim.
alter table coupa_gateway_deliveries drop constraint if exists coupa_gateway_deliveries_outcome_check;
alter table coupa_gateway_deliveries
  add constraint coupa_gateway_deliveries_outcome_check check (outcome in ('pending', 'published', 'echo'));
alter table coupa_gateway_deliveries add column if not exists claim_token uuid;
