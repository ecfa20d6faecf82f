export { createKafkaClient, kafkaClientFromEnv, type CreateKafkaClientParams, type KafkaClientFromEnvParams, type KafkaEnv } from './client.js';
export { CIRCUIT_GAUGE, CircuitOptions, createCircuit, createCircuits, type Circuit, type CircuitSnapshot, type CircuitState, type CircuitTransition, type Circuits } from './circuit.js';
export {
  OutageSettings,
  decideDrainFailure,
  decideFailure,
  headersFromJson,
  headersToJson,
  type DrainVerdict,
  type FailureDecision,
  type ParkedRecord,
  type ParkingLane,
  type ParkingStore,
} from './parking.js';
export { createPartitionRouter, sendPerPartition, type PartitionRouter, type PartitionSendOptions } from './partition-send.js';
export { lastStableOffsets, readCompactedTopic, type ReadCompactedParams } from './compacted.js';
export type { TopicCodec } from './codec.js';
export {
  DEFAULT_DLQ_TRUNCATED_VALUE_BYTES,
  DEFAULT_MAX_RECORD_BYTES,
  DLQ_HEADERS,
  DLQ_TRUNCATION_HEADERS,
  NO_POSITION,
  buildDlqHeaders,
  dlqTopicFor,
  fitDeadLetter,
  readDeadLetterReason,
  readDeadLetterTruncation,
  recordBytes,
  rejectRecord,
  type RejectRecordInput,
  type DeadLetterInput,
  type DeadLetterReason,
  type DeadLetterRecord,
  type DeadLetterTruncation,
} from './dead-letter.js';
export { EVENT_HEADERS, REPLAY_HEADERS, headerString, readReplay, replayHeaders, type Replay } from './headers.js';
export { ConsumerEnv, RecordLimitEnv, TopicEnv, checkConsumerEnv, createTopicNamespace, type TopicNamespace } from './namespace.js';
export { eventRecord, oversizedRecord } from './event-record.js';
export { createInMemoryCodec, type InMemoryCodecParams } from './in-memory-codec.js';
export { createEventProducer, type CreateEventProducerParams, type EventProducer, type EventTransaction, type RawRecord } from './producer.js';
export {
  RetryOptions,
  createConsumerRuntime,
  type ConsumerRuntime,
  type CreateConsumerRuntimeParams,
  type EventHandler,
  type HandlerContext,
  type HandlerResult,
} from './runtime.js';
export {
  TopicDefinition,
  applyTopics,
  ensureTopics,
  standardTopics,
  subscribeSettled,
  type ConfigDifference,
  type EnsureTopicsOptions,
  type ExistingTopic,
  type StandardTopicsOptions,
  type TopicPlan,
  type WarnFn,
} from './topics.js';
export { createRuntimeMetrics, type RuntimeMetrics } from './metrics.js';
export { watchCrashes, type WatchCrashesParams } from './crashes.js';
