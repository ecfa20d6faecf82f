/**
 * A statement whose commit need not wait for its WAL record to reach the disk: bookkeeping whose
 * loss in a PostgreSQL crash is already a case the protocol around it handles, never a record's
 * only copy. The statement names this CTE in its `with` list and joins `NO_COMMIT_WAIT` in a
 * `from` (PostgreSQL evaluates a CTE only when it is referenced):
 *
 *   with ${NO_COMMIT_WAIT_CTE} update t set … from ${NO_COMMIT_WAIT} where …
 *
 * `set_config(…, true)` is `SET LOCAL`: it lasts until the statement's own transaction commits
 * (that commit does not wait for the flush; PostgreSQL's `synchronous_commit = off`) and never
 * leaks into the pooled session. The change is visible to other sessions at once, as any commit;
 * a server crash can lose the last few hundred milliseconds of such commits (3 × wal_writer_delay
 * at most), never a part of one, and never a commit that waited.
 */
export const NO_COMMIT_WAIT = 'mlc_no_commit_wait';
export const NO_COMMIT_WAIT_CTE = `${NO_COMMIT_WAIT} as materialized (select set_config('synchronous_commit', 'off', true) as setting)`;
