import kafkajs, { type Admin, type Consumer, type ConsumerSubscribeTopics, type Kafka } from 'kafkajs';
import { z } from 'zod';
import { ENTITY_TYPES, OUTCOMES_TOPIC, topicFor, type Source } from '@mlc/events';
import { MlcError, toMlcError } from '@mlc/errors';
import { dlqTopicFor } from './dead-letter.js';
import { createTopicNamespace, type TopicNamespace } from './namespace.js';

// kafkajs is CommonJS and Node cannot see this export by name; the default import is module.exports.
const { ConfigResourceTypes } = kafkajs;

/** Desired state of one topic, applied by `ensureTopics`. */
export const TopicDefinition = z.object({
  topic: z.string().min(1).max(249).regex(/^[a-zA-Z0-9._-]+$/, 'Kafka topic names allow letters, digits, ".", "_" and "-"'),
  partitions: z.number().int().positive(),
  /** Only used on creation; Kafka cannot change it in place. Defaults to the broker's default. */
  replicationFactor: z.number().int().positive().optional(),
  retentionMs: z.number().int().min(-1).optional(),
  cleanupPolicy: z.enum(['delete', 'compact', 'compact,delete']).optional(),
  /** Further topic configs by Kafka name, e.g. `{ 'min.insync.replicas': '2' }`. */
  configs: z.record(z.string(), z.string()).optional(),
});
export type TopicDefinition = z.input<typeof TopicDefinition>;

export interface StandardTopicsOptions {
  partitions?: number;
  replicationFactor?: number;
  /** Retention of event and outcome topics; Postgres (audit) is the long-term record. Default 7 days. */
  retentionMs?: number;
  /** Retention of DLQ topics: long enough for someone to look and redrive. Default 30 days. */
  dlqRetentionMs?: number;
  /** Consumer groups of the writers; each gets `<group>.dlq.v1`. */
  writerGroups?: readonly string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const STANDARD_SOURCES: readonly Source[] = ['syspro', 'coupa', 'infor'];

/** The product's topics: syspro.*, coupa.* and infor.* for every entity, mlc.outcomes.v1, and a DLQ per writer group. */
export function standardTopics({
  partitions = 6,
  replicationFactor,
  retentionMs = 7 * DAY_MS,
  dlqRetentionMs = 30 * DAY_MS,
  writerGroups = [],
}: StandardTopicsOptions = {}): TopicDefinition[] {
  const common = { partitions, replicationFactor, cleanupPolicy: 'delete' as const };
  return [
    ...STANDARD_SOURCES.flatMap((source) => ENTITY_TYPES.map((entity) => ({ ...common, topic: topicFor(source, entity), retentionMs }))),
    { ...common, topic: OUTCOMES_TOPIC, retentionMs },
    ...writerGroups.map((group) => ({ ...common, topic: dlqTopicFor(group), retentionMs: dlqRetentionMs })),
  ];
}

/** The Kafka configs a definition asks for, by Kafka name. */
export function desiredConfigs(def: TopicDefinition): Record<string, string> {
  const configs: Record<string, string> = { ...def.configs };
  if (def.retentionMs !== undefined) configs['retention.ms'] = String(def.retentionMs);
  if (def.cleanupPolicy !== undefined) configs['cleanup.policy'] = def.cleanupPolicy;
  return configs;
}

/** What exists now, as far as the plan cares. */
export interface ExistingTopic {
  partitions: number;
  /** Current values of the configs named by the definition. */
  configs: Record<string, string | undefined>;
}

/** One config of an existing topic whose value differs from its definition. */
export interface ConfigDifference {
  topic: string;
  config: string;
  defined: string;
  /** Undefined when the broker did not report the config. */
  actual: string | undefined;
}

export interface TopicPlan {
  create: TopicDefinition[];
  addPartitions: { topic: string; count: number }[];
  /**
   * Configs of existing topics that differ from their definitions. Reported, never applied: an
   * operator may have changed them on purpose (longer retention during an incident), and a service
   * start must not undo that.
   */
  configDifferences: ConfigDifference[];
  /** Topics with more partitions than defined: Kafka cannot shrink them, so they are left alone. */
  cannotShrink: { topic: string; existing: number; defined: number }[];
}

/** Pure diff between definitions and what exists. Definitions are validated; duplicates rejected. */
export function planTopics(defs: readonly TopicDefinition[], existing: ReadonlyMap<string, ExistingTopic>): TopicPlan {
  const plan: TopicPlan = { create: [], addPartitions: [], configDifferences: [], cannotShrink: [] };
  const seen = new Set<string>();
  for (const input of defs) {
    const parsed = TopicDefinition.safeParse(input);
    if (!parsed.success) {
      throw new MlcError('MLC_CONFIG_INVALID', `invalid topic definition ${JSON.stringify(input.topic)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, {
        context: { topic: input.topic },
      });
    }
    const def = parsed.data;
    if (seen.has(def.topic)) {
      throw new MlcError('MLC_CONFIG_INVALID', `topic ${def.topic} is defined twice`, { context: { topic: def.topic } });
    }
    seen.add(def.topic);
    const current = existing.get(def.topic);
    if (current === undefined) {
      plan.create.push(def);
      continue;
    }
    if (current.partitions < def.partitions) plan.addPartitions.push({ topic: def.topic, count: def.partitions });
    if (current.partitions > def.partitions) {
      plan.cannotShrink.push({ topic: def.topic, existing: current.partitions, defined: def.partitions });
    }
    for (const [config, defined] of Object.entries(desiredConfigs(def))) {
      const actual = current.configs[config];
      if (actual !== defined) plan.configDifferences.push({ topic: def.topic, config, defined, actual });
    }
  }
  return plan;
}

/** Where `ensureTopics` reports config differences; kafkajs' logger signature, so `admin.logger().warn` fits. */
export type WarnFn = (message: string, extra?: Record<string, unknown>) => void;

export interface EnsureTopicsOptions {
  /** Default: the admin client's logger (our pino logger when the client came from `createKafkaClient`). */
  warn?: WarnFn;
}

async function applyPlanOnce(admin: Admin, defs: readonly TopicDefinition[]): Promise<TopicPlan> {
  const existing = await describeExisting(admin, defs);
  const plan = planTopics(defs, existing);
  if (plan.create.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: plan.create.map((def) => ({
        topic: def.topic,
        numPartitions: def.partitions,
        ...(def.replicationFactor === undefined ? {} : { replicationFactor: def.replicationFactor }),
        configEntries: Object.entries(desiredConfigs(def)).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  if (plan.addPartitions.length > 0) {
    await admin.createPartitions({ topicPartitions: plan.addPartitions });
  }
  return plan;
}

// Services start together (a deploy, `npm start`) and declare overlapping topics; the loser of a
// creation race gets TOPIC_ALREADY_EXISTS (or a retriable error while the winner's topic gets its
// leaders). Planning again against what now exists converges. Seven services starting at once on
// a busy machine (a first `npm start`) took longer than five tries 0.2-1 s apart: a writer exited
// with "This server does not host this topic-partition" and was restarted; twenty tries at most
// 1 s apart (about 17 s) wait for the brokers' metadata instead.
const ENSURE_ATTEMPTS = 20;

/**
 * Applies topic definitions idempotently: creates missing topics and raises partition counts.
 * Configs of existing topics are compared, not changed: each difference is warned about (one line
 * per config) and listed in the returned plan. Kafka errors come out as MlcError
 * (MLC_KAFKA_UNAVAILABLE when kafkajs calls them retriable).
 */
export async function ensureTopics(admin: Admin, defs: readonly TopicDefinition[], { warn }: EnsureTopicsOptions = {}): Promise<TopicPlan> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const plan = await applyPlanOnce(admin, defs);
      reportDifferences(plan, warn ?? ((message, extra) => admin.logger().warn(message, extra)));
      return plan;
    } catch (error) {
      const wrapped = toMlcError(error, { operation: 'ensureTopics', topics: defs.map((d) => d.topic), attempt });
      if (attempt >= ENSURE_ATTEMPTS || !(wrapped.retriable || isCreationRace(error))) throw wrapped;
      await settleDelay(attempt);
    }
  }
}

const settleDelay = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(200 * attempt, 1_000)));

/**
 * `consumer.subscribe`, tried again while a topic looks just created: kafkajs fetches the topics'
 * metadata when subscribing and throws "This server does not host this topic-partition" for a
 * topic another service created a moment ago and the broker answering has not learnt of yet (seen
 * in CI: a writer started beside the poller that created its topics ended its start on it). The
 * same budget as `ensureTopics` (about 17 s); a topic still unknown after it fails the start,
 * naming the topics.
 */
export async function subscribeSettled(consumer: Consumer, subscription: ConsumerSubscribeTopics): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await consumer.subscribe(subscription);
      return;
    } catch (error) {
      if (attempt >= ENSURE_ATTEMPTS || !isCreationRace(error)) {
        throw toMlcError(error, { operation: 'subscribe', topics: subscription.topics.map(String), attempt });
      }
      await settleDelay(attempt);
    }
  }
}

function reportDifferences(plan: TopicPlan, warn: WarnFn): void {
  for (const { topic, config, defined, actual } of plan.configDifferences) {
    warn(`topic ${topic}: ${config} is ${actual ?? '(unset)'}, defined as ${defined}; left as it is (change it with kafka-configs if the definition should win)`, {
      topic,
      config,
      defined,
      actual,
    });
  }
}

// What another service creating the same topics at the same moment looks like: the topic exists
// already, or exists but its partitions are not in the broker's metadata yet. kafkajs may wrap the
// latter as not retriable (seen on CI: "This server does not host this topic-partition" ended a
// writer's start), so the whole chain of causes is looked at.
const CREATION_RACE = new Set(['TOPIC_ALREADY_EXISTS', 'UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER']);

function isCreationRace(error: unknown, depth = 0): boolean {
  const e = error as { type?: unknown; errors?: unknown[]; cause?: unknown; originalError?: unknown } | null;
  if (e === null || typeof e !== 'object' || depth > 5) return false;
  if (typeof e.type === 'string' && CREATION_RACE.has(e.type)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isCreationRace(inner, depth + 1))) return true;
  return isCreationRace(e.cause, depth + 1) || isCreationRace(e.originalError, depth + 1);
}

async function describeExisting(admin: Admin, defs: readonly TopicDefinition[]): Promise<Map<string, ExistingTopic>> {
  const names = new Set(await admin.listTopics());
  const present = defs.filter((def) => names.has(def.topic));
  const result = new Map<string, ExistingTopic>();
  if (present.length === 0) return result;
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((def) => def.topic) });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((def) => ({ type: ConfigResourceTypes.TOPIC, name: def.topic, configNames: Object.keys(desiredConfigs(def)) })),
  });
  for (const def of present) {
    const partitions = metadata.topics.find((t) => t.name === def.topic)?.partitions.length ?? 0;
    const entries = described.resources.find((r) => r.resourceName === def.topic)?.configEntries ?? [];
    result.set(def.topic, {
      partitions,
      configs: Object.fromEntries(entries.map((e) => [e.configName, e.configValue])),
    });
  }
  return result;
}

/**
 * What a service does at start: connect an admin client, apply the definitions (logical topic
 * names) in the namespace's physical names, disconnect.
 */
export async function applyTopics(
  kafka: Kafka,
  defs: readonly TopicDefinition[],
  namespace: TopicNamespace = createTopicNamespace(),
  options: EnsureTopicsOptions = {},
): Promise<TopicPlan> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await ensureTopics(admin, defs.map((d) => ({ ...d, topic: namespace.topic(d.topic) })), options);
  } finally {
    await admin.disconnect();
  }
}
