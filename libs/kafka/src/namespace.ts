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
