import { MlcError } from '@mlc/errors';
import { MAX_TRAIL_LIMIT, isKnownConnection, queryTrail, type Db, type TrailItem } from '@mlc/audit';
import type { TrailSubjectArgs } from './args.js';
import { renderTable, type Cell } from './table.js';

/** Every item of a record's (or correlation id's) trail, in time order, page after page. */
export async function loadTrail({ db }: { db: Db }, subject: TrailSubjectArgs): Promise<TrailItem[]> {
  if ('connection' in subject && !(await isKnownConnection(db, subject.connection))) {
    throw new MlcError('MLC_CONFIG_INVALID', `unknown connection "${subject.connection}": the audit log has no event, outcome or DLQ entry of it`, {
      context: { connection: subject.connection },
    });
  }
  const items: TrailItem[] = [];
  let after;
  for (;;) {
    const page = await queryTrail(db, { subject, limit: MAX_TRAIL_LIMIT, after });
    items.push(...page.items);
    if (page.nextCursor === null) return items;
    after = page.items.length > 0 ? cursorOf(page.items.at(-1)!) : undefined;
  }
}

// The trail's cursor is the last item's position; rebuilding it avoids decoding our own token.
const RANK = { event: 0, outcome: 1, dlq: 2, action: 3 } as const;
function cursorOf(item: TrailItem) {
  return { at: item.at, rank: RANK[item.kind], topic: item.topic, partition: item.partition, offset: item.offset };
}

const s = (value: unknown): string | undefined => (typeof value === 'string' || typeof value === 'number' ? String(value) : undefined);
const obj = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
const join = (...parts: (string | false | undefined | null)[]) => parts.filter((p): p is string => typeof p === 'string' && p !== '').join(' · ');

/** One table row per trail item: when, what kind, who/what, details. Pure. */
export function trailRow(item: TrailItem, logical: (topic: string) => string = (t) => t): Cell[] {
  const at = item.at.replace(/(\.\d{3})\d*Z$/, '$1Z');
  switch (item.kind) {
    case 'event': {
      const replay = s(item.replayId);
      return [at, 'event', join(s(item.source), s(item.type)), join(`occurred ${s(item.occurredAt) ?? '-'}`, item.actor ? `by ${s(item.actor)}` : undefined, replay && `replay #${replay}`, `hash ${(s(item.contentHash) ?? '').slice(0, 12)}`)];
    }
    case 'outcome': {
      const writer = s(item.writer);
      const target = obj(item.target);
      const error = obj(item.error);
      const replay = obj(item.replay);
      return [
        at,
        'outcome',
        // The outcome names the writer's consumer group; shown without the namespace, as `dlq list` shows writers.
        join(writer && logical(writer), s(item.status)),
        join(s(item.direction), target.id !== undefined && target.id !== null ? `target ${s(target.id)}` : undefined, `attempts ${s(item.attempts) ?? '-'}`, s(error.code), replay.id !== undefined ? `replay #${s(replay.id)}${replay.force === true ? ' forced' : ''}` : undefined),
      ];
    }
    case 'dlq': {
      const error = obj(item.error);
          return [
        at,
        'dlq',
        join(s(item.component), s(item.status)),
        join(`id ${logical(item.topic)}:${item.partition}:${item.offset}`, s(error.code), s(error.message), `attempts ${s(item.attempts) ?? '-'}`),
      ];
    }
    case 'action':
      return [at, 'action', join(s(item.action), `by ${s(item.actor)}`), join(`#${s(item.actionId)}`, item.reason ? `reason "${s(item.reason)}"` : undefined, `${s(item.recordCount)} record(s)`)];
  }
}

export function formatTrail(items: readonly TrailItem[], logical?: (topic: string) => string): string {
  if (items.length === 0) return 'no trail: nothing in the audit log matches';
  return renderTable([{ header: 'AT' }, { header: 'KIND' }, { header: 'WHAT' }, { header: 'DETAILS', maxWidth: 120 }], items.map((item) => trailRow(item, logical)));
}
