// The leader lock moved to @mlc/db (infor-poller uses it too); kept here so this service's imports stay as they are.
export { createLeader, type Leader, type LeaderState, type LockSession } from '@mlc/db';
