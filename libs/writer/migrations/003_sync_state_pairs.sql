-- Sync state belongs to a pair of systems (`coupa|syspro`, `coupa|infor`): what two systems last
-- agreed on says nothing about a third. A connection with SYSPRO and M3 beside Coupa syncs a
-- supplier SYSPRO → Coupa and then Coupa → M3; one state per record made the second an "echo".
alter table mlc_sync_state add column if not exists systems text not null default '';
alter table mlc_sync_state drop constraint if exists mlc_sync_state_pkey;
alter table mlc_sync_state add primary key (connection, entity_type, natural_key, systems);
