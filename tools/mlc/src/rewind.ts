import type { Admin, GroupDescription } from 'kafkajs';
import { recordOperatorAction, type Db } from '@mlc/audit';
import { MlcError, toMlcError } from '@mlc/errors';
import type { TopicNamespace } from '@mlc/kafka';
import type { Command } from './args.js';
import { renderTable } from './table.js';

export type RewindCommand = Extract<Command, { name: 'rewind' }>;

/** One partition's committed offset now and where the rewind puts it (null: nothing committed). */
export interface PartitionMove {
  topic: string;
  partition: number;
  current: string | null;
  target: string;
}

export interface RewindResult {
  group: string;
  to: string;
  dryRun: boolean;
  /** Members of the group when it was checked (a dry run reports them; a real rewind needs none). */
  activeMembers: number;
  moves: PartitionMove[];
  /** The operator action that recorded it; absent on a dry run. */
  actionId?: string;
}

type Offsets = readonly { topic: string; partitions: readonly { partition: number; offset: string }[] }[];

/**
 * Where each partition moves: the target is the first offset at or after the time (the end of the
 * partition when nothing is that recent), the current one the group's commit (`-1`: none). Pure.
 */
export function planMoves(committed: Offsets, targets: Offsets): PartitionMove[] {
  const current = new Map(committed.flatMap((t) => t.partitions.map((p) => [`${t.topic}\u0000${p.partition}`, p.offset] as const)));
  return targets
    .flatMap((t) =>
      t.partitions.map((p) => {
        const now = current.get(`${t.topic}\u0000${p.partition}`);
        return { topic: t.topic, partition: p.partition, current: now === undefined || Number(now) < 0 ? null : now, target: p.offset };
      }),
    )
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** The moves as a table; `logical` turns physical topic names back into the ones the operator typed. Pure. */
export function formatMoves(result: RewindResult, logical: (topic: string) => string = (t) => t): string {
  const change = (m: PartitionMove) => (m.current === null ? 'new' : String(BigInt(m.target) - BigInt(m.current)));
  const table = renderTable(
    [{ header: 'TOPIC' }, { header: 'PARTITION', align: 'right' }, { header: 'CURRENT', align: 'right' }, { header: 'NEW', align: 'right' }, { header: 'CHANGE', align: 'right' }],
    result.moves.map((m) => [logical(m.topic), m.partition, m.current ?? '-', m.target, change(m)]),
  );
  const head = result.dryRun
    ? `dry run: group ${result.group} would be rewound to ${result.to}${result.activeMembers > 0 ? ` (it has ${result.activeMembers} active member(s) now; stop them before the real run)` : ''}`
    : `group ${result.group} rewound to ${result.to} (operator action #${result.actionId})`;
  return `${head}\n${table}`;
}

function activeMessage(groupId: string, description: GroupDescription): string {
  const clients = [...new Set(description.members.map((m) => `${m.clientId}@${m.clientHost}`))].join(', ');
  return (
    `consumer group ${groupId} has ${description.members.length} active member(s) (${clients}); Kafka only lets an empty group's offsets change. ` +
    'Stop its consumers first: scale the writer to 0 (kubectl scale deployment/<writer> --replicas=0, or stop its process), ' +
    'run the rewind, then scale it back; or add --wait to wait here until the group is empty.'
  );
}

export interface RewindDeps {
  db: Db;
  admin(): Promise<Admin>;
  namespace: TopicNamespace;
  /** Progress while waiting for members to leave (stderr). */
  notify?: (line: string) => void;
  /** Injected for tests of the waiting loop; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

async function describe(admin: Admin, groupId: string): Promise<GroupDescription> {
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]!;
  } catch (error) {
    throw toMlcError(error, { call: 'describe group', group: groupId });
  }
}

/** The group's topics: the ones given, else every topic of the namespace it has committed offsets on. */
async function groupTopics(admin: Admin, groupId: string, given: readonly string[], namespace: TopicNamespace): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  if (given.length > 0) {
    const topics = given.map((t) => namespace.topic(t));
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) throw new MlcError('MLC_CONFIG_INVALID', `no such topic: ${missing.join(', ')}`, { context: { topics: missing } });
    return topics;
  }
  const candidates = [...existing].filter((t) => t.startsWith(namespace.prefix) && !t.startsWith('__')).sort();
  const committed = candidates.length === 0 ? [] : await admin.fetchOffsets({ groupId, topics: candidates });
  const topics = committed.filter((t) => t.partitions.some((p) => Number(p.offset) >= 0)).map((t) => t.topic);
  if (topics.length === 0) {
    throw new MlcError('MLC_CONFIG_INVALID', `group ${groupId} has no committed offsets on any topic${namespace.prefix ? ` under "${namespace.prefix}"` : ''}; name the topics with --topic`, {
      context: { group: groupId },
    });
  }
  return topics;
}

/**
 * Rewinds a consumer group to a time (offsets for times), on the given topics or on every topic it
 * has committed offsets on. An unknown group, topic or a group without offsets is bad input and
 * changes nothing; a group with members is refused (MLC_GROUP_ACTIVE) unless `wait`, which polls
 * until it is empty or `waitTimeoutMs` has passed. A dry run only reports. The rewind is recorded
 * as an operator action.
 */
export async function rewindGroup(deps: RewindDeps, cmd: Pick<RewindCommand, 'group' | 'topics' | 'to' | 'dryRun' | 'wait' | 'waitTimeoutMs' | 'actor'>): Promise<RewindResult> {
  const { db, namespace, notify = () => undefined, sleep = (ms) => new Promise((r) => setTimeout(r, ms)), now = () => new Date() } = deps;
  const admin = await deps.admin();
  const groupId = namespace.groupId(cmd.group);
  let description = await describe(admin, groupId);
  // Kafka calls a group it does not know "Dead"; setting offsets on it would create it.
  if (description.state === 'Dead') {
    throw new MlcError('MLC_CONFIG_INVALID', `unknown consumer group ${groupId}: Kafka has no such group${namespace.prefix ? ` (the name got MLC_TOPIC_PREFIX "${namespace.prefix}")` : ''}`, {
      context: { group: groupId },
    });
  }
  const topics = await groupTopics(admin, groupId, cmd.topics, namespace);
  const plan = async () => {
    try {
      const targets = await Promise.all(topics.map(async (topic) => ({ topic, partitions: await admin.fetchTopicOffsetsByTimestamp(topic, cmd.to.getTime()) })));
      return planMoves(await admin.fetchOffsets({ groupId, topics }), targets);
    } catch (error) {
      throw toMlcError(error, { call: 'offsets for times', group: groupId });
    }
  };
  const result = (moves: PartitionMove[]): RewindResult => ({ group: cmd.group, to: cmd.to.toISOString(), dryRun: cmd.dryRun, activeMembers: description.members.length, moves });
  if (cmd.dryRun) return result(await plan());

  if (description.members.length > 0) {
    if (!cmd.wait) throw new MlcError('MLC_GROUP_ACTIVE', activeMessage(groupId, description), { context: { group: groupId, members: description.members.length } });
    const deadline = now().getTime() + cmd.waitTimeoutMs;
    while (description.members.length > 0) {
      const left = deadline - now().getTime();
      if (left <= 0) {
        throw new MlcError('MLC_GROUP_ACTIVE', `gave up waiting: ${activeMessage(groupId, description)}`, { context: { group: groupId, members: description.members.length } });
      }
      notify(`waiting for ${description.members.length} member(s) of ${groupId} to leave (state ${description.state}, ${Math.ceil(left / 1000)} s left)`);
      await sleep(Math.min(2_000, left));
      description = await describe(admin, groupId);
    }
  }
  const moves = await plan();
  for (const topic of topics) {
    const partitions = moves.filter((m) => m.topic === topic).map((m) => ({ partition: m.partition, offset: m.target }));
    if (partitions.length === 0) continue;
    try {
      await admin.setOffsets({ groupId, topic, partitions });
    } catch (error) {
      // A member that joined after the check: kafkajs refuses the same way Kafka would.
      const e = toMlcError(error, { call: 'set offsets', group: groupId, topic });
      throw /running instances/.test(e.message) ? new MlcError('MLC_GROUP_ACTIVE', `a consumer joined ${groupId} while it was being rewound; nothing more was changed`, { cause: e, context: e.context }) : e;
    }
  }
  const { id } = await recordOperatorAction(db, {
    kind: 'rewind',
    actor: cmd.actor,
    selection: { group: groupId, topics, to: cmd.to.toISOString() },
    recordCount: moves.length,
    details: { moves },
  });
  return { ...result(moves), actionId: id };
}
