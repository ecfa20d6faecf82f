/**
 * What the producer and the consumer runtime need from a value codec. @mlc/events implements it
 * with the schema registry (Confluent wire format, zod validation); tests may hand in their own.
 *
 * `decode` throws an MlcError: MLC_DECODE_FAILED / MLC_EVENT_INVALID for bad input (the runtime
 * dead-letters the message), MLC_REGISTRY_UNAVAILABLE when the registry is down (the runtime
 * waits and tries again, since every message would fail the same way).
 */
export interface TopicCodec {
  encode(topic: string, value: unknown): Promise<Buffer>;
  decode(topic: string, value: Buffer | null): Promise<unknown>;
}
