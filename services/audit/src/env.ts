import { z } from 'zod';
import { ConsumerEnv, checkConsumerEnv } from '@mlc/kafka';
import { ServiceEnv } from '@mlc/service';

const Days = z.coerce.number().int().positive().optional();

/** Settings of the audit service, on top of the service settings (infrastructure, topic namespace). */
export const AuditEnv = ServiceEnv.extend(ConsumerEnv.shape).extend({
  /** Postgres schema of the audit tables (created if missing); default: the connection's search_path (public). */
  MLC_AUDIT_DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'expected a lower-case SQL identifier').optional(),
  /** Days of history kept per table; unset keeps everything. Whole monthly partitions are dropped. */
  MLC_AUDIT_RETENTION_DAYS_EVENTS: Days,
  MLC_AUDIT_RETENTION_DAYS_OUTCOMES: Days,
  MLC_AUDIT_RETENTION_DAYS_DLQ: Days,
  MLC_AUDIT_RETENTION_DAYS_UNDECODABLE: Days,
  /** Monthly partitions created ahead of the current month. */
  MLC_AUDIT_PARTITIONS_AHEAD: z.coerce.number().int().min(1).max(24).default(3),
  /** How often partitions are created ahead and expired ones dropped. */
  MLC_AUDIT_MAINTENANCE_INTERVAL_MS: z.coerce.number().int().positive().default(3_600_000),
  /** How often the topic list is checked for new topics to audit (a new writer's DLQ). */
  MLC_AUDIT_TOPIC_SCAN_MS: z.coerce.number().int().positive().default(30_000),
  /** Partitions written at once; each holds one Postgres connection while it writes. */
  MLC_AUDIT_PARTITIONS_CONCURRENCY: z.coerce.number().int().positive().default(6),
}).superRefine(checkConsumerEnv);
export type AuditEnv = z.infer<typeof AuditEnv>;
