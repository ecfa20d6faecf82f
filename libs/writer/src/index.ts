export {
  createTargetRecordStore,
  decideWrite,
  targetRefFor,
  TARGET_RECORDS_MIGRATIONS,
  type Queryable,
  type TargetRef,
  type TargetRecord,
  type TargetRecordStore,
  type WriteDecision,
} from './target-records.js';
export { WriterEnv, routeByConnection, runWriterService, writerService, type ConnectionHandlerDeps, type WriterDefinition } from './service.js';
