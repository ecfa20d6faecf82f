import { knownTopics, parseTopic, type EntityType, type Source } from '@mlc/events';

/** What a topic audit reads carries. */
export type AuditTopic =
  | { kind: 'event'; source: Source; entity: EntityType }
  | { kind: 'outcome' }
  | { kind: 'dlq'; component: string };

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// A component (consumer group) name has no dot, so an unprefixed audit does not also read the
// DLQs of prefixed deployments sharing the cluster (`staging.coupa-writer.dlq.v1`).
const COMPONENT = '[a-zA-Z0-9_-]+';

/**
 * Every topic audit keeps, after `prefix`: `<source>.<entity plural>.v1` for every source,
 * `mlc.outcomes.v1` and `<component>.dlq.v1`. Used to subscribe, so topics created later match.
 */
export function auditTopicPattern(prefix: string): RegExp {
  return new RegExp(`^${escape(prefix)}(?:${knownTopics().map(escape).join('|')}|${COMPONENT}\\.dlq\\.v1)$`);
}

/** What `topic` carries, or undefined for a topic audit does not read. */
export function classifyTopic(topic: string, prefix: string): AuditTopic | undefined {
  if (!topic.startsWith(prefix)) return undefined;
  const logical = topic.slice(prefix.length);
  const dlq = new RegExp(`^(${COMPONENT})\\.dlq\\.v1$`).exec(logical);
  if (dlq) return { kind: 'dlq', component: dlq[1]! };
  try {
    const info = parseTopic(logical);
    return info.kind === 'outcomes' ? { kind: 'outcome' } : { kind: 'event', source: info.source, entity: info.entity };
  } catch {
    return undefined;
  }
}
