import { readFileSync } from 'node:fs';
import { Secret, parseConfig } from '@mlc/config';
import { MlcError } from '@mlc/errors';
import { z } from 'zod';

/**
 * The `.ionapi` file ION API hands out for a Backend Service app (ION API > Authorized Apps >
 * Download Credentials). Keys as Infor names them; only those we use are required. Secrets are
 * wrapped in `Secret` at parse time, so a logged or serialised credentials object shows
 * `[secret]`, and zod's messages never echo values.
 */
const IonApiFileSchema = z.object({
  ti: z.string().min(1).describe('tenant id, also the first path segment after iu'),
  cn: z.string().optional().describe('authorized app name'),
  ci: z.string().min(1).describe('OAuth client id'),
  cs: z.string().min(1).describe('OAuth client secret'),
  iu: z.url().describe('ION API gateway base URL'),
  pu: z.url().describe('authorization server base URL, with the tenant and a trailing /as/'),
  ot: z.string().min(1).describe('token endpoint path: token URL = pu + ot'),
  or: z.string().min(1).describe('revoke endpoint path: revoke URL = pu + or'),
  saak: z.string().min(1).describe('service-account access key: the password-grant username'),
  sask: z.string().min(1).describe('service-account secret key: the password-grant password'),
});

export interface IonApiCredentials {
  tenant: string;
  appName?: string | undefined;
  clientId: string;
  clientSecret: Secret;
  serviceAccountAccessKey: Secret;
  serviceAccountSecretKey: Secret;
  /** `pu + ot`. */
  tokenUrl: string;
  /** `pu + or`. */
  revokeUrl: string;
  /** `iu/ti`: every gateway call starts here. */
  apiBaseUrl: string;
  /** `iu/ti/M3/m3api-rest/v2`: M3 MI REST. */
  m3BaseUrl: string;
}

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * Validates a parsed `.ionapi` document and builds the URLs from it. Throws one
 * MLC_CONFIG_INVALID naming every missing or invalid key (never a value).
 */
export function parseIonApi(raw: unknown, source = '.ionapi file'): IonApiCredentials {
  const file = parseConfig(IonApiFileSchema, raw, source);
  // pu ends in `/as/` in files ION produces; concatenation (not URL resolution) is what Infor's
  // own samples do, so a pu without the trailing slash is repaired rather than resolved away.
  const authBase = file.pu.endsWith('/') ? file.pu : `${file.pu}/`;
  const apiBaseUrl = join(file.iu, file.ti);
  return {
    tenant: file.ti,
    appName: file.cn,
    clientId: file.ci,
    clientSecret: new Secret(file.cs),
    serviceAccountAccessKey: new Secret(file.saak),
    serviceAccountSecretKey: new Secret(file.sask),
    tokenUrl: `${authBase}${file.ot.replace(/^\/+/, '')}`,
    revokeUrl: `${authBase}${file.or.replace(/^\/+/, '')}`,
    apiBaseUrl,
    m3BaseUrl: join(apiBaseUrl, 'M3/m3api-rest/v2'),
  };
}

/** Reads and validates the `.ionapi` file at `path` (MLC_CONFIG_INVALID when unreadable or invalid). */
export function readIonApiFile(path: string): IonApiCredentials {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    // The parse error text can quote file content (a secret), so only its kind is kept.
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof SyntaxError ? 'not valid JSON' : 'unreadable');
    throw new MlcError('MLC_CONFIG_INVALID', `cannot read .ionapi file ${path}: ${reason}`, { context: { source: path, reason } });
  }
  return parseIonApi(raw, path);
}
