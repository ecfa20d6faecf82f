-- A resync (a poller asked to read a source again) is an operator action too.
alter table audit_operator_actions drop constraint audit_operator_actions_kind_check;
alter table audit_operator_actions add constraint audit_operator_actions_kind_check
  check (kind in ('rewind', 'republish', 'resync', 'redrive', 'discard'));
