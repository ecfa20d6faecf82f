-- A reconciliation (mlc reconcile) is an operator action too, and says per record why it was
-- touched (its drift category and the fields that differ), so each record's trail shows why.
alter table audit_operator_actions drop constraint audit_operator_actions_kind_check;
alter table audit_operator_actions add constraint audit_operator_actions_kind_check
  check (kind in ('rewind', 'republish', 'resync', 'redrive', 'discard', 'reconcile'));
alter table audit_operator_action_records add column reason text;
