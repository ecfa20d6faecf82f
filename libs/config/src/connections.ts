import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { MlcError } from '@mlc/errors';
import { configError, parseConfig, type ConfigIssue } from './issues.js';
import { Secret } from './secret.js';

/**
 * The credentials store as the connections file sees it (implemented by @mlc/credentials, which
 * depends on this lib): `{ "store": "name" }` references are read from it.
 */
export interface SecretStore {
  /** The current value, undefined when there is no such secret. */
  read(name: string): Promise<string | undefined>;
  /** How long a service uses a stored value before reading it again. */
  cacheMs: number;
}

/** Stored secrets read before a synchronous parse: the values by name, and the store to read them again from. */
export interface StoredSecrets {
  values: ReadonlyMap<string, string>;
  /** Names that could not be read, with why (an error code: never a value). */
  failures?: ReadonlyMap<string, string>;
  store: SecretStore;
}

/** How often a `{ "file" }` secret is read again, so a rewritten mounted Secret is followed without a restart. */
export const FILE_SECRET_TTL_MS = 5_000;

const StoreRef = z.object({ store: z.string().min(1) }).strict();

function storedSecret(name: string, stored: StoredSecrets | undefined, ctx: z.RefinementCtx): Secret {
  if (stored === undefined) {
    ctx.addIssue({ code: 'custom', message: `stored credential "${name}": no credentials store here (give the service MLC_MASTER_KEY, MLC_MASTER_KEY_FILE or MLC_MASTER_KEYS_FILE)` });
    return z.NEVER;
  }
  const value = stored.values.get(name);
  const failure = stored.failures?.get(name);
  if (failure !== undefined) {
    ctx.addIssue({ code: 'custom', message: `stored credential "${name}" cannot be read: ${failure}` });
    return z.NEVER;
  }
  if (value === undefined) {
    ctx.addIssue({ code: 'custom', message: `no stored credential "${name}" (mlc credentials set ${name})` });
    return z.NEVER;
  }
  const { store } = stored;
  return new Secret(value, {
    ttlMs: store.cacheMs,
    load: async () => {
      const current = await store.read(name);
      if (current === undefined) throw new Error('credential removed from the store');
      return current;
    },
  });
}

/**
 * A credential in the connections file: a literal (the sandbox and tests only: the file must say
 * `"allowLiteralSecrets": true`), `{ "env": "NAME" }`
 * (Kubernetes Secrets mounted as env), `{ "file": "path" }` (mounted files, read again while the
 * service runs) or `{ "store": "name" }` (the encrypted credentials store, read again while the
 * service runs). Resolved at load into a Secret so it never prints.
 */
function secretRef(env: NodeJS.ProcessEnv, baseDir: string, stored?: StoredSecrets) {
  return z
    .union([z.string(), z.object({ env: z.string().min(1) }).strict(), z.object({ file: z.string().min(1) }).strict(), StoreRef], {
      error: 'expected a string, { "env": "NAME" }, { "file": "path" } or { "store": "name" }',
    })
    .transform((ref, ctx) => {
      if (typeof ref === 'string') {
        const secret = new Secret(ref);
        // An empty literal (SYSPRO's optional company password) is no secret to protect.
        if (ref !== '') literalSecrets.add(secret);
        return secret;
      }
      if ('store' in ref) return storedSecret(ref.store, stored, ctx);
      if ('env' in ref) {
        const value = env[ref.env];
        if (value === undefined) {
          ctx.addIssue({ code: 'custom', message: `environment variable ${ref.env} is not set` });
          return z.NEVER;
        }
        return new Secret(value);
      }
      const path = isAbsolute(ref.file) ? ref.file : resolve(baseDir, ref.file);
      const read = () => readFileSync(path, 'utf8').trim();
      try {
        return new Secret(read(), { load: read, ttlMs: FILE_SECRET_TTL_MS });
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `cannot read secret file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}` });
        return z.NEVER;
      }
    });
}

// Secrets written into the file itself, found after parsing (a field's transform cannot see the
// file-level `allowLiteralSecrets`).
const literalSecrets = new WeakSet<Secret>();

/** Call-out secrets (HMAC keys, OAuth call-out client secrets) authenticate the internet: 128 bits at least. */
export const MIN_CALLOUT_SECRET_BYTES = 16;
/** The longest lifetime of a call-out bearer token we issue. */
export const MAX_CALLOUT_TOKEN_TTL_SECONDS = 86_400;

const notBlank = (secret: Secret) => secret.peek().trim() !== '';
const strongEnough = (secret: Secret) => Buffer.byteLength(secret.peek(), 'utf8') >= MIN_CALLOUT_SECRET_BYTES;

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Paths (from `path`) of every literal secret in a parsed value. */
function literalSecretPaths(value: unknown, path: PropertyKey[]): PropertyKey[][] {
  if (value instanceof Secret) return literalSecrets.has(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => literalSecretPaths(item, [...path, index]));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, item]) => literalSecretPaths(item, [...path, key]));
  return [];
}

const ENTITY_TYPES = ['supplier', 'purchase-order', 'invoice', 'gl-account', 'cost-centre'] as const;

export const VENDORS = ['syspro', 'coupa', 'infor'] as const;
export type Vendor = (typeof VENDORS)[number];

/**
 * Mapping schemas per vendor (`mappings.<vendor>` of a connection), supplied by the vendor libs
 * (SysproMapping, CoupaMapping, InforMapping): this lib cannot import them, they depend on it.
 */
export type MappingSchemas = { [V in Vendor]?: z.ZodType };

export interface ConnectionSchemaOptions<M extends MappingSchemas = MappingSchemas> {
  env?: NodeJS.ProcessEnv;
  /** Relative paths in the file (secret files, .ionapi files) resolve against this folder. */
  baseDir?: string;
  /** Mapping schemas per vendor, so one parse reports every error and callers get typed mappings. */
  mappings?: M;
  /**
   * The sections this process uses (default: all). The others are neither validated nor resolved
   * and are left out of the result, so a service needs (and is given) only its own secrets.
   */
  sections?: readonly Vendor[];
  /** Values of the `{ "store" }` references, read beforehand (`readConnections` does it). */
  stored?: StoredSecrets;
}

/** The vendor sections of a connection (all objects strict: an unknown key is an error). */
function sectionSchemas(env: NodeJS.ProcessEnv, baseDir: string, stored?: StoredSecrets) {
  const secret = secretRef(env, baseDir, stored);
  const requiredSecret = secret.refine(notBlank, { message: 'is empty', abort: true });
  const calloutSecret = requiredSecret.refine(strongEnough, `needs at least ${MIN_CALLOUT_SECRET_BYTES} bytes (e.g. \`openssl rand -hex 32\`)`);
  const filePath = z.string().min(1).transform((p) => (isAbsolute(p) ? p : resolve(baseDir, p)));

  const syspro = z
    .object({
      odata: z
        .object({
          url: z.url().describe('OData service root, e.g. https://host/SYSPRO8Odata/SYSPROOData'),
          company: z.string().min(1),
          username: z.string().min(1).describe('SYSPRO operator enabled for OData'),
          password: secret,
          pageSize: z.number().int().min(1).max(5000).default(1000),
          timeoutMs: z.number().int().positive().default(60_000),
        })
        .strict(),
      enet: z
        .object({
          url: z.url().describe('e.net REST root, e.g. http://host:90/SYSPROWCFService/Rest'),
          operator: z.string().min(1),
          operatorPassword: secret,
          companyId: z.string().min(1),
          companyPassword: secret.prefault(''),
          timeoutMs: z.number().int().positive().default(60_000),
          concurrency: z.number().int().min(1).max(64).default(1).describe('business-object calls at once: e.net licences, not a rate, bound SYSPRO'),
          maxQueued: z.number().int().nonnegative().default(100).describe('calls waiting for a free slot before more are refused (retried later)'),
        })
        .strict()
        .optional(),
      poll: z
        .object({
          intervalSeconds: z.number().positive().default(300),
          overlapSeconds: z.number().nonnegative().default(120),
          futureSkewSeconds: z.number().nonnegative().default(300).describe('datetime cursors: a change date later than now plus this is future-dated, and the cursor is committed at now'),
          changeNumberWindow: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(10_000).describe('rowversion/number cursors: each poll starts this many values below the last one (late commits)'),
          entities: z
            .partialRecord(
              z.enum(ENTITY_TYPES),
              z
                .object({
                  enabled: z.boolean().default(true),
                  entitySet: z.string().optional(),
                  cursorColumn: z.string().optional(),
                  cursorKind: z.enum(['datetime', 'rowversion', 'number']).optional(),
                  intervalSeconds: z.number().positive().optional(),
                })
                .strict(),
            )
            .default({}),
        })
        .strict()
        .prefault({}),
    })
    .strict();

  const coupa = z
    .object({
      url: z.url().describe('instance URL, e.g. https://acme.coupahost.com'),
      clientId: z.string().min(1),
      clientSecret: requiredSecret,
      scopes: z.array(z.string().min(1)).min(1),
      apiVersion: z
        .object({ header: z.string().min(1).default('X-Coupa-API-Version'), value: z.string().min(1).optional() })
        .strict()
        .prefault({}),
      timeoutMs: z.number().int().positive().default(30_000),
      rateLimit: z
        .object({ perSecond: z.number().positive().default(25), burst: z.number().int().nonnegative().default(20) })
        .strict()
        .prefault({}),
      webhook: z
        .object({
          hmacSecret: calloutSecret.optional(),
          signatureHeader: z.string().min(1).default('X-Coupa-Signature'),
          oauthClients: z.array(z.object({ clientId: z.string().min(1), clientSecret: calloutSecret }).strict()).default([]),
          tokenTtlSeconds: z.number().int().positive().max(MAX_CALLOUT_TOKEN_TTL_SECONDS).default(3600),
          maxBodyBytes: z.number().int().positive().default(256 * 1024),
        })
        .strict()
        .optional(),
      /** Present: coupa-gateway polls this Coupa for unexported POs and invoices (customers without call-outs). */
      poll: z
        .object({ intervalSeconds: z.number().positive().default(300) })
        .strict()
        .optional(),
    })
    .strict();

  const infor = z
    .object({
      ionapiFile: filePath.describe('the .ionapi credentials file downloaded from ION API'),
      company: z.string().min(1).optional().describe('M3 company (CONO); the service user default when unset'),
      division: z.string().min(1).optional().describe('M3 division (DIVI)'),
      requestsPerMinute: z.number().int().min(1).max(100_000).default(300),
      tokenRefreshBeforeSeconds: z.number().int().nonnegative().default(300),
      timeoutMs: z.number().int().positive().default(30_000),
      /** How infor-poller reads supplier master changes (M3 → Coupa). */
      poll: z
        .object({
          intervalSeconds: z.number().positive().default(300),
          overlapSeconds: z.number().nonnegative().default(120),
          futureSkewSeconds: z.number().nonnegative().default(300).describe('a change timestamp (LMTS) later than now plus this is future-dated, and the cursor is committed at now'),
          pageSize: z.number().int().min(2).max(10_000).default(500),
        })
        .strict()
        .prefault({}),
    })
    .strict();

  return { syspro, coupa, infor };
}

/** Canonical supplier field groups whose ownership a connection configures (`number` is the key, never synced as a change). */
export const SUPPLIER_FIELD_GROUPS = ['name', 'status', 'currency', 'paymentTerms', 'taxId', 'contact', 'address', 'bank'] as const;
export type SupplierFieldGroup = (typeof SUPPLIER_FIELD_GROUPS)[number];

/** Which side of a two-way connection owns a field group: the ERP (SYSPRO or M3), Coupa, or either (the newer change wins). */
const Owner = z.enum(['erp', 'coupa', 'either']);
const owner = (dflt: z.infer<typeof Owner>) => Owner.default(dflt);

/**
 * Two-way sync rules of a connection (`sync`): who owns which supplier fields, and the directions
 * bank details may travel. The defaults keep one-way flows as they were (every field `either`:
 * the newer change wins) and never send bank details.
 */
export const SyncSettings = z
  .object({
    supplier: z
      .object({
        owners: z
          .object({
            name: owner('either'),
            status: owner('either'),
            currency: owner('either'),
            paymentTerms: owner('either'),
            taxId: owner('either'),
            contact: owner('either'),
            address: owner('either'),
            bank: owner('either'),
          })
          .strict()
          .prefault({}),
        bankDirections: z
          .array(z.enum(['erp-to-coupa', 'coupa-to-erp']))
          .default([])
          .describe('directions bank details may travel; empty: never'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});
export type SyncSettings = z.output<typeof SyncSettings>;

type Sections = ReturnType<typeof sectionSchemas>;
export type SysproConnection = z.output<Sections['syspro']>;
export type CoupaConnection = z.output<Sections['coupa']>;
export type InforConnection = z.output<Sections['infor']>;

/** `mappings` of a connection: the output of each vendor's schema passed to `loadConnections`. */
export type Mappings<M extends MappingSchemas> = { [V in keyof M & Vendor]?: z.output<NonNullable<M[V]>> };

/** One customer system pair. `Connection<{ coupa: typeof CoupaMapping }>` has `mappings.coupa` as CoupaMapping. */
export interface Connection<M extends MappingSchemas = MappingSchemas> {
  id: string;
  /** `http://` to hosts other than loopback is allowed for this connection's credentials-bearing URLs. */
  allowInsecureHttp: boolean;
  syspro?: SysproConnection;
  coupa?: CoupaConnection;
  infor?: InforConnection;
  mappings: Mappings<M>;
  /** Two-way sync rules (defaults applied). */
  sync: SyncSettings;
}

export interface ConnectionsFile<M extends MappingSchemas = MappingSchemas> {
  /** Secrets may be written into the file itself (the sandbox, tests); refused otherwise. */
  allowLiteralSecrets: boolean;
  connections: Connection<M>[];
}

/**
 * A connection known to have the `V` section, and (when its schema was passed to
 * `loadConnections`) the parsed `mappings.V`: a connection with a vendor section always gets that
 * vendor's mapping, defaults applied, so it is never undefined here.
 */
export type WithSection<C extends Connection, V extends Vendor> = C & { [K in V]-?: NonNullable<C[K]> } & {
  mappings: { [K in V & keyof C['mappings']]-?: NonNullable<C['mappings'][K]> };
};

/** The schema of the connections file: one entry per customer system pair. */
export function connectionsFileSchema<M extends MappingSchemas = Record<never, never>>({
  env = {},
  baseDir = process.cwd(),
  mappings = {} as M,
  sections: used = VENDORS,
  stored,
}: ConnectionSchemaOptions<M> = {}): z.ZodType<ConnectionsFile<M>, unknown> {
  const schemas = sectionSchemas(env, baseDir, stored);
  // A section this process does not use is dropped unread: its secrets may not be mounted here.
  const unused = z.unknown().transform((): undefined => undefined);
  const sections = {
    syspro: used.includes('syspro') ? schemas.syspro : unused,
    coupa: used.includes('coupa') ? schemas.coupa : unused,
    infor: used.includes('infor') ? schemas.infor : unused,
  };
  const mappingOf = (vendor: Vendor) => (mappings[vendor] ?? z.unknown()).optional();

  const connection = z
    .object({
      id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and dashes'),
      allowInsecureHttp: z.boolean().default(false).describe('allow http:// to non-loopback hosts for this connection (credentials travel in clear)'),
      syspro: sections.syspro.optional(),
      coupa: sections.coupa.optional(),
      infor: sections.infor.optional(),
      mappings: z.object({ syspro: mappingOf('syspro'), coupa: mappingOf('coupa'), infor: mappingOf('infor') }).strict().default({}),
      sync: SyncSettings,
    })
    .strict()
    .superRefine((c, ctx) => {
      if (c.allowInsecureHttp) return;
      // These URLs carry credentials (Basic auth, OAuth client secrets, session ids).
      const urls: [PropertyKey[], string | undefined][] = [
        [['syspro', 'odata', 'url'], c.syspro?.odata.url],
        [['syspro', 'enet', 'url'], c.syspro?.enet?.url],
        [['coupa', 'url'], c.coupa?.url],
      ];
      for (const [path, url] of urls) {
        if (url === undefined) continue;
        const parsed = new URL(url);
        if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
          ctx.addIssue({ code: 'custom', path, message: 'http:// to a host other than loopback sends credentials in clear: use https://, or set "allowInsecureHttp": true on the connection' });
        }
      }
    });

  // A connection with a vendor section gets that vendor's mapping even when the file leaves it out,
  // so its defaults apply and its required keys are reported (`mappings.syspro.defaultCurrency`).
  const withMappings = z.preprocess((raw) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
    const entry = raw as Record<string, unknown>;
    const given = entry.mappings;
    if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) return raw;
    const filled: Record<string, unknown> = { ...(given as Record<string, unknown> | undefined) };
    for (const vendor of VENDORS) {
      if (mappings[vendor] !== undefined && entry[vendor] !== undefined && filled[vendor] === undefined) filled[vendor] = {};
    }
    return { ...entry, mappings: filled };
  }, connection);

  return z
    .object({
      allowLiteralSecrets: z.boolean().default(false).describe('secrets may be written into the file (sandbox, tests); otherwise { "env" } or { "file" } only'),
      connections: z.array(withMappings).min(1),
    })
    .strict()
    .superRefine((file, ctx) => {
      if (!file.allowLiteralSecrets) {
        for (const path of literalSecretPaths(file.connections, ['connections'])) {
          ctx.addIssue({ code: 'custom', path, message: 'a secret written into the file: use { "env": "NAME" } or { "file": "path" } (literals only with "allowLiteralSecrets": true, for the sandbox and tests)' });
        }
      }
      const seen = new Set<string>();
      file.connections.forEach((c, index) => {
        if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['connections', index, 'id'], message: `duplicate connection id "${c.id}"` });
        seen.add(c.id);
      });
    }) as unknown as z.ZodType<ConnectionsFile<M>, unknown>;
}

/** ` (line L, column C)` of a JSON.parse error, from the position V8 reports; empty when it reports none. */
function jsonErrorPosition(text: string, error: unknown): string {
  const match = /at position (\d+)/.exec((error as Error).message);
  const position = match ? Number(match[1]) : text.length;
  const before = text.slice(0, position).split('\n');
  return match || /end of JSON input/i.test((error as Error).message) ? ` (line ${before.length}, column ${before.at(-1)!.length + 1})` : '';
}

/**
 * Reads and validates a connections file, vendor mappings included; one MLC_CONFIG_INVALID error
 * lists every problem (`context.issues`: `{ path, message }[]`).
 */
export function loadConnections<M extends MappingSchemas = Record<never, never>>(
  path: string,
  options: Omit<ConnectionSchemaOptions<M>, 'baseDir'> = {},
): ConnectionsFile<M> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MlcError('MLC_CONFIG_INVALID', `cannot read connections file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, { context: { source: path } });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the text around the error, which may be a secret: only where it is, and no cause.
    throw new MlcError('MLC_CONFIG_INVALID', `connections file ${path} is not valid JSON${jsonErrorPosition(text, error)}`, { context: { source: path } });
  }
  return parseConfig(connectionsFileSchema<M>({ ...options, baseDir: dirname(resolve(path)) }), raw, path);
}

/** The names of the `{ "store": name }` references in the given sections of a raw connections file. */
export function storedSecretNames(raw: unknown, sections: readonly Vendor[] = VENDORS): string[] {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      if (entries.length === 1 && entries[0]![0] === 'store' && typeof entries[0]![1] === 'string') names.add(entries[0]![1]);
      else entries.forEach(([, item]) => walk(item));
    }
  };
  const connections = (raw as { connections?: unknown } | null)?.connections;
  if (Array.isArray(connections)) {
    for (const connection of connections) {
      if (typeof connection === 'object' && connection !== null) for (const section of sections) walk((connection as Record<string, unknown>)[section]);
    }
  }
  return [...names].sort();
}

/**
 * `loadConnections` for a service: reads the `{ "store" }` secrets of the sections it uses from
 * the credentials store first (none when `store` is undefined: such a reference is then a
 * configuration problem, reported with the others). The secrets it returns follow the store and
 * their mounted files while the service runs.
 */
export async function readConnections<M extends MappingSchemas = Record<never, never>>(
  path: string,
  { store, ...options }: Omit<ConnectionSchemaOptions<M>, 'baseDir' | 'stored'> & { store?: SecretStore | undefined } = {},
): Promise<ConnectionsFile<M>> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // loadConnections reports it, as it always has.
    return loadConnections(path, options);
  }
  const values = new Map<string, string>();
  const failures = new Map<string, string>();
  if (store !== undefined) {
    for (const name of storedSecretNames(raw, options.sections)) {
      try {
        const value = await store.read(name);
        if (value !== undefined) values.set(name, value);
      } catch (error) {
        failures.set(name, (error as { code?: unknown }).code === undefined ? 'unreadable' : String((error as { code: unknown }).code));
      }
    }
  }
  return loadConnections(path, { ...options, ...(store === undefined ? {} : { stored: { values, failures, store } }) });
}

export interface SelectConnectionsParams<C extends Connection, V extends Vendor> {
  /** Ids from `MLC_CONNECTIONS`; undefined: every connection the service can serve. */
  wanted: readonly string[] | undefined;
  /** The vendor section a connection needs for the service to serve it. */
  section: V;
  /** A further condition, when having the section is not enough (the gateway: call-outs or polling set up). */
  serves?: (connection: WithSection<C, V>) => boolean;
  /** The service, for messages. */
  service: string;
}

function selectionError(service: string, issues: ConfigIssue[]): MlcError {
  return configError(`${service}'s choice of connections`, issues);
}

/**
 * The connections a service serves: those named in `wanted`, or every one it can serve. A name
 * that is not in the file, or names a connection the service cannot serve, is MLC_CONFIG_INVALID
 * listing what is configured; so is a selection that comes out empty.
 */
export function selectConnections<C extends Connection, V extends Vendor>(
  file: { connections: readonly C[] },
  { wanted, section, serves = () => true, service }: SelectConnectionsParams<C, V>,
): WithSection<C, V>[] {
  const configured = file.connections.map((c) => c.id);
  const servable = file.connections.filter((c): c is WithSection<C, V> => c[section] !== undefined && serves(c as WithSection<C, V>));
  if (wanted === undefined) {
    if (servable.length > 0) return servable;
    throw selectionError(service, [{ path: 'connections', message: `no connection ${service} can serve (configured: ${configured.join(', ')})` }]);
  }
  const issues: ConfigIssue[] = [];
  for (const id of wanted) {
    if (!configured.includes(id)) issues.push({ path: 'MLC_CONNECTIONS', message: `no connection "${id}" (configured: ${configured.join(', ')})` });
    else if (!servable.some((c) => c.id === id)) {
      issues.push({ path: 'MLC_CONNECTIONS', message: `${service} cannot serve connection "${id}" (it can serve: ${servable.map((c) => c.id).join(', ') || 'none'})` });
    }
  }
  if (issues.length > 0) throw selectionError(service, issues);
  return servable.filter((c) => wanted.includes(c.id));
}

/**
 * The one connection a one-connection-per-process service serves: the one `wanted` names, or the
 * only one it can serve in the file. Anything else is MLC_CONFIG_INVALID saying what to set.
 */
export function selectOneConnection<C extends Connection, V extends Vendor>(
  file: { connections: readonly C[] },
  params: SelectConnectionsParams<C, V>,
): WithSection<C, V> {
  const selected = selectConnections(file, params);
  if (selected.length === 1) return selected[0]!;
  throw selectionError(params.service, [
    {
      path: 'MLC_CONNECTIONS',
      message: `${params.service} serves one connection per process: set MLC_CONNECTIONS to one of ${selected.map((c) => c.id).join(', ')}`,
    },
  ]);
}
