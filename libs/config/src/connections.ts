import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { MlcError } from '@mlc/errors';
import { configError, issuesOf } from './issues.js';
import { Secret } from './secret.js';

/**
 * A credential in the connections file: a literal (fine for the sandbox), `{ "env": "NAME" }`
 * (Kubernetes Secrets mounted as env) or `{ "file": "path" }` (mounted files). Resolved at load
 * into a Secret so it never prints.
 */
function secretRef(env: NodeJS.ProcessEnv, baseDir: string) {
  return z
    .union([z.string(), z.object({ env: z.string().min(1) }).strict(), z.object({ file: z.string().min(1) }).strict()])
    .transform((ref, ctx) => {
      if (typeof ref === 'string') return new Secret(ref);
      if ('env' in ref) {
        const value = env[ref.env];
        if (value === undefined) {
          ctx.addIssue({ code: 'custom', message: `environment variable ${ref.env} is not set` });
          return z.NEVER;
        }
        return new Secret(value);
      }
      const path = isAbsolute(ref.file) ? ref.file : resolve(baseDir, ref.file);
      try {
        return new Secret(readFileSync(path, 'utf8').trim());
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `cannot read secret file ${path}: ${(error as Error).message}` });
        return z.NEVER;
      }
    });
}

const ENTITY_TYPES = ['supplier', 'purchase-order', 'invoice', 'gl-account', 'cost-centre'] as const;

export interface ConnectionSchemaOptions {
  env?: NodeJS.ProcessEnv;
  /** Relative paths in the file (secret files, .ionapi files) resolve against this folder. */
  baseDir?: string;
  /** Mapping schemas per vendor, supplied by the vendor libs, so one parse reports every error. */
  mappings?: { syspro?: z.ZodType; coupa?: z.ZodType; infor?: z.ZodType };
}

/** The schema of the connections file: one entry per customer system pair. */
export function connectionsFileSchema({ env = {}, baseDir = process.cwd(), mappings = {} }: ConnectionSchemaOptions = {}) {
  const secret = secretRef(env, baseDir);
  const filePath = z.string().min(1).transform((p) => (isAbsolute(p) ? p : resolve(baseDir, p)));

  const syspro = z.object({
    odata: z.object({
      url: z.url().describe('OData service root, e.g. https://host/SYSPRO8Odata/SYSPROOData'),
      company: z.string().min(1),
      username: z.string().min(1).describe('SYSPRO operator enabled for OData'),
      password: secret,
      pageSize: z.number().int().min(1).max(5000).default(1000),
      timeoutMs: z.number().int().positive().default(60_000),
    }),
    enet: z
      .object({
        url: z.url().describe('e.net REST root, e.g. http://host:90/SYSPROWCFService/Rest'),
        operator: z.string().min(1),
        operatorPassword: secret,
        companyId: z.string().min(1),
        companyPassword: secret.prefault(''),
        timeoutMs: z.number().int().positive().default(60_000),
      })
      .optional(),
    poll: z
      .object({
        intervalSeconds: z.number().positive().default(300),
        overlapSeconds: z.number().nonnegative().default(120),
        entities: z
          .partialRecord(
            z.enum(ENTITY_TYPES),
            z.object({
              enabled: z.boolean().default(true),
              entitySet: z.string().optional(),
              cursorColumn: z.string().optional(),
              cursorKind: z.enum(['datetime', 'rowversion', 'number']).optional(),
              intervalSeconds: z.number().positive().optional(),
            }),
          )
          .default({}),
      })
      .prefault({}),
  });

  const coupa = z.object({
    url: z.url().describe('instance URL, e.g. https://acme.coupahost.com'),
    clientId: z.string().min(1),
    clientSecret: secret,
    scopes: z.array(z.string().min(1)).min(1),
    apiVersion: z
      .object({ header: z.string().min(1).default('X-Coupa-API-Version'), value: z.string().min(1).optional() })
      .prefault({}),
    timeoutMs: z.number().int().positive().default(30_000),
    rateLimit: z
      .object({ perSecond: z.number().positive().default(25), burst: z.number().int().nonnegative().default(20) })
      .prefault({}),
    webhook: z
      .object({
        hmacSecret: secret.optional(),
        signatureHeader: z.string().min(1).default('X-Coupa-Signature'),
        oauthClients: z.array(z.object({ clientId: z.string().min(1), clientSecret: secret })).default([]),
        tokenTtlSeconds: z.number().int().positive().default(3600),
        maxBodyBytes: z.number().int().positive().default(256 * 1024),
      })
      .optional(),
  });

  const infor = z.object({
    ionapiFile: filePath.describe('the .ionapi credentials file downloaded from ION API'),
    company: z.string().min(1).optional().describe('M3 company (CONO); the service user default when unset'),
    division: z.string().min(1).optional().describe('M3 division (DIVI)'),
    requestsPerMinute: z.number().int().min(1).max(100_000).default(300),
    tokenRefreshBeforeSeconds: z.number().int().nonnegative().default(300),
    timeoutMs: z.number().int().positive().default(30_000),
  });

  const connection = z
    .object({
      id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and dashes'),
      syspro: syspro.optional(),
      coupa: coupa.optional(),
      infor: infor.optional(),
      mappings: z
        .object({
          syspro: mappings.syspro ?? z.unknown(),
          coupa: mappings.coupa ?? z.unknown(),
          infor: mappings.infor ?? z.unknown(),
        })
        .partial()
        .default({}),
    })
    .strict();

  return z
    .object({ connections: z.array(connection).min(1) })
    .strict()
    .superRefine((file, ctx) => {
      const seen = new Set<string>();
      file.connections.forEach((c, index) => {
        if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['connections', index, 'id'], message: `duplicate connection id "${c.id}"` });
        seen.add(c.id);
      });
    });
}

export type ConnectionsFile = z.output<ReturnType<typeof connectionsFileSchema>>;
export type Connection = ConnectionsFile['connections'][number];
export type SysproConnection = NonNullable<Connection['syspro']>;
export type CoupaConnection = NonNullable<Connection['coupa']>;
export type InforConnection = NonNullable<Connection['infor']>;

/** Reads and validates a connections file; one MLC_CONFIG_INVALID error lists every problem. */
export function loadConnections(path: string, options: Omit<ConnectionSchemaOptions, 'baseDir'> = {}): ConnectionsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new MlcError('MLC_CONFIG_INVALID', `cannot read connections file ${path}: ${(error as Error).message}`, {
      context: { source: path },
      cause: error,
    });
  }
  const result = connectionsFileSchema({ ...options, baseDir: dirname(resolve(path)) }).safeParse(raw);
  if (!result.success) throw configError(path, issuesOf(result.error));
  return result.data;
}

/** The connection with `id`, or a clear error naming the ones that exist. */
export function connectionById(file: ConnectionsFile, id: string): Connection {
  const found = file.connections.find((c) => c.id === id);
  if (!found) {
    throw new MlcError('MLC_CONFIG_INVALID', `no connection "${id}" (configured: ${file.connections.map((c) => c.id).join(', ')})`, {
      context: { connection: id },
    });
  }
  return found;
}
