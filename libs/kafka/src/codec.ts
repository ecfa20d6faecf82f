/**
 * What the producer and the consumer runtime need from a value codec: the registry codec of
 * @mlc/events (Confluent wire format, zod validation) in services, `createInMemoryCodec` in tests
 * and benchmarks. `decode` throws MLC_DECODE_FAILED / MLC_EVENT_INVALID for bad input (the runtime
 * dead-letters the message) and MLC_REGISTRY_UNAVAILABLE when the registry is down (the runtime
 * waits and tries again, since every message would fail the same way).
 */
export type { TopicCodec } from '@mlc/events';
