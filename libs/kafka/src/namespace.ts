import { z } from 'zod';

/**
 * The topic settings every service reads from its environment; services extend their env schema
 * with `TopicEnv.shape` so the variables are declared here only.
 */
export const TopicEnv = z.object({
  MLC_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default('')
    .describe('namespaces topics, consumer groups and transactional ids (`staging.` → `staging.syspro.suppliers.v1`), for shared clusters and tests'),
  MLC_TOPIC_PARTITIONS: z.coerce.number().int().positive().default(6).describe('partitions of the topics a service creates'),
  MLC_CREATE_TOPICS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true')
    .describe('`false`: the service does not create or grow its topics at start (the platform or the mlc-topics Job does, with an admin principal)'),
});
export type TopicEnv = z.infer<typeof TopicEnv>;

/**
 * Where a deployment's topics live on the cluster. Code speaks of logical names
 * (`syspro.suppliers.v1`, `coupa-writer`); only this turns them into physical ones and back.
 */
export interface TopicNamespace {
  readonly prefix: string;
  /** Physical topic of a logical one: `syspro.suppliers.v1` → `staging.syspro.suppliers.v1`. */
  topic(logical: string): string;
  /** Logical topic of a physical one, whose schema applies; a topic outside the namespace is returned as it is. */
  logical(physical: string): string;
  /** Consumer group id of a service (its DLQ is `<groupId>.dlq.v1`, so inside the namespace too). */
  groupId(name: string): string;
  /** Transactional id of a producing instance: `transactionalId('syspro-poller', 'acme')` → `staging.syspro-poller:acme`. */
  transactionalId(name: string, instance: string): string;
}

export function createTopicNamespace(prefix = ''): TopicNamespace {
  const withPrefix = (name: string): string => `${prefix}${name}`;
  return {
    prefix,
    topic: withPrefix,
    logical: (physical) => (physical.startsWith(prefix) ? physical.slice(prefix.length) : physical),
    groupId: withPrefix,
    transactionalId: (name, instance) => withPrefix(`${name}:${instance}`),
  };
}

/**
 * The record limit of every service that writes to Kafka, declared once. Extend with
 * `.extend(RecordLimitEnv.shape)`; ConsumerEnv has it.
 */
export const RecordLimitEnv = z.object({
  /**
   * Largest record, and largest batch per partition, written: at most the smallest
   * `max.message.bytes` of the topics the service writes (the broker's default is 1048588). More
   * records than that for one partition are sent as several requests, in order. A poller rejects
   * an event over it (its DLQ names it); a writer sends a DLQ copy over it truncated, referring to
   * its original, and cuts an outcome's texts.
   */
  MLC_MAX_RECORD_BYTES: z.coerce.number().int().min(16 * 1024).default(1_000_000),
});
export type RecordLimitEnv = z.infer<typeof RecordLimitEnv>;

/**
 * The settings of every consumer group member (writers, audit), declared once: retry backoff in
 * place, and the group session. Extend with `.extend(ConsumerEnv.shape)` and refine with
 * `checkConsumerEnv`, since a refinement does not travel with a shape.
 */
export const ConsumerEnv = z.object({
  MLC_RETRY_INITIAL_MS: z.coerce.number().int().positive().default(500),
  MLC_RETRY_MAX_MS: z.coerce.number().int().positive().default(60_000),
  /**
   * How long the group waits for a silent member before moving its partitions to the others: lower
   * means faster failover after a crash, higher tolerates long GC pauses. The broker allows 6 s–30 min.
   */
  MLC_KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(1_800_000).default(30_000),
  MLC_KAFKA_HEARTBEAT_MS: z.coerce.number().int().positive().default(3_000),
  ...RecordLimitEnv.shape,
  /** How much of an oversized original value a truncated DLQ copy keeps. */
  MLC_DLQ_TRUNCATED_VALUE_BYTES: z.coerce.number().int().min(0).default(64 * 1024),
});
export type ConsumerEnv = z.infer<typeof ConsumerEnv>;

/** The heartbeat must fit three times in the session, or the broker drops a healthy member. */
export function checkConsumerEnv(env: Pick<ConsumerEnv, 'MLC_KAFKA_HEARTBEAT_MS' | 'MLC_KAFKA_SESSION_TIMEOUT_MS'>, ctx: z.RefinementCtx): void {
  if (env.MLC_KAFKA_HEARTBEAT_MS * 3 > env.MLC_KAFKA_SESSION_TIMEOUT_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['MLC_KAFKA_HEARTBEAT_MS'],
      message: `must be at most a third of MLC_KAFKA_SESSION_TIMEOUT_MS (${env.MLC_KAFKA_SESSION_TIMEOUT_MS})`,
    });
  }
}
