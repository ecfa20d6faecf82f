import type { CredentialInfo, CredentialStore, RewrapResult } from '@mlc/credentials';
import { MlcError } from '@mlc/errors';
import { renderTable } from './table.js';

/** What the credentials commands use: the store (its table created on first use) and the value the operator gives. */
export interface CredentialsDeps {
  credentials(): Promise<CredentialStore>;
  /** The secret value: the file's content, or stdin (piped, or typed without echo); never argv. */
  readSecretValue(fromFile: string | undefined): Promise<string>;
  now(): Date;
}

export interface PutCredentialArgs {
  credential: string;
  fromFile?: string | undefined;
  actor: string;
  /** `set` creates (refusing an existing name), `rotate` replaces (refusing a missing one). */
  mode: 'create' | 'replace';
}

/** Trailing newlines and surrounding blanks are no part of a credential (`echo`, editors, mounted files). */
export function secretValueOf(text: string): string {
  const value = text.trim();
  if (value === '') throw new MlcError('MLC_CONFIG_INVALID', 'the secret value is empty', { context: { reason: 'empty-value' } });
  return value;
}

export async function putCredential(deps: CredentialsDeps, args: PutCredentialArgs): Promise<CredentialInfo> {
  const value = secretValueOf(await deps.readSecretValue(args.fromFile));
  const store = await deps.credentials();
  return store.put(args.credential, value, args.mode, args.actor);
}

export async function listCredentials(deps: CredentialsDeps): Promise<CredentialInfo[]> {
  return (await deps.credentials()).list();
}

export async function rewrapCredentials(deps: CredentialsDeps): Promise<RewrapResult> {
  return (await deps.credentials()).rewrap();
}

function age(from: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 60_000));
  if (minutes < 60) return `${minutes}m`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h`;
  return `${Math.floor(minutes / 1440)}d`;
}

export function formatPut(info: CredentialInfo, mode: PutCredentialArgs['mode']): string {
  return `${mode === 'create' ? 'stored' : 'rotated'} ${info.name}: version ${info.version}, master key ${info.masterKeyId} (services pick it up within MLC_CREDENTIALS_CACHE_SECONDS, or at once on a refusal)`;
}

/** Names, versions, key ids and ages: never a value. */
export function formatCredentials(list: readonly CredentialInfo[], now: Date): string {
  if (list.length === 0) return 'no stored credentials';
  return renderTable(
    [{ header: 'NAME' }, { header: 'VERSION', align: 'right' }, { header: 'MASTER KEY' }, { header: 'AGE', align: 'right' }, { header: 'CREATED', align: 'right' }, { header: 'BY' }],
    list.map((c) => [c.name, c.version, c.masterKeyId, age(c.updatedAt, now), age(c.createdAt, now), c.updatedBy]),
  );
}

export function formatRewrap(result: RewrapResult): string {
  const lines = [`re-wrapped ${result.rewrapped} data key${result.rewrapped === 1 ? '' : 's'} under master key ${result.masterKeyId}`];
  for (const s of result.skipped) lines.push(`  not re-wrapped: ${s.name} (master key ${s.masterKeyId} was not given to mlc)`);
  return lines.join('\n');
}
