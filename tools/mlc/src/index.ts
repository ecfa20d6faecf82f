export { USAGE, parseCommand, type Command, type DlqFilterArgs, type ParseContext, type TrailSubjectArgs } from './args.js';
export { MlcEnv, createMlcDeps, type CreateMlcDepsParams, type MlcDeps } from './context.js';
export {
  decodeOriginal,
  discard,
  formatEntries,
  formatResolved,
  formatShown,
  listEntries,
  notRedrivable,
  physicalPosition,
  redrive,
  showEntry,
  type DlqDeps,
  type ResolveResult,
  type ShownEntry,
  type ShownRecord,
} from './dlq.js';
export { EXIT, describeError, exitCodeFor } from './exit.js';
export { createProgress, progressLine, type Progress, type ProgressStream } from './progress.js';
export { formatRepublish, replayHeaders, republish, selectionOf, type RepublishDeps, type RepublishResult } from './republish.js';
export { formatMoves, planMoves, rewindGroup, type PartitionMove, type RewindDeps, type RewindResult } from './rewind.js';
export { runCommand, type CommandOutput } from './run.js';
export { renderTable, type Cell, type Column } from './table.js';
export { parseDuration, parseTime } from './time.js';
export { formatTrail, loadTrail, trailRow } from './trail.js';
export { WRITERS, formatAge, loadStatus, type ConnectionWriterStatus, type PollMark, type StatusDeps, type StatusReport, type WriterLag } from './status.js';
export { COUPA_PAGE_SIZE, coupaReader, formatReconcile, reconcile, sysproReader, type ReconcileDeps, type ReconcileReport, type SideReader, type Unmappable } from './reconcile.js';
export { RECONCILED_ENTITIES, compareSides, type Comparison, type Drift, type ReconciledEntity, type SideRecord } from './reconcile-compare.js';
