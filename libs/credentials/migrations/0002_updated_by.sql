-- Who set or last rotated a secret (mlc's --actor), never what.
alter table mlc_credentials add column if not exists updated_by text not null default '';
