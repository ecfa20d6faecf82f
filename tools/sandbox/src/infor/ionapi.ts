import { z } from 'zod';

/**
 * The `.ionapi` credentials file ION API hands out for a Backend Service app (keys as Infor names
 * them; see docs/infor.md for what each one means and how sure we are).
 */
export const IonApiFile = z.object({
  ti: z.string().min(1),
  cn: z.string(),
  dt: z.string(),
  ci: z.string().min(1),
  cs: z.string().min(1),
  iu: z.url(),
  pu: z.url(),
  oa: z.string(),
  ot: z.string().min(1),
  or: z.string().min(1),
  ev: z.string(),
  v: z.string(),
  saak: z.string().min(1),
  sask: z.string().min(1),
});
export type IonApiFile = z.infer<typeof IonApiFile>;

export interface IonApiCredentials {
  clientId: string;
  clientSecret: string;
  serviceAccountAccessKey: string;
  serviceAccountSecretKey: string;
}

/** Fixed per tenant so a restarted sandbox keeps working with the files it wrote before. */
export function sandboxCredentials(tenant: string): IonApiCredentials {
  return {
    clientId: `${tenant}~mlc-sandbox-backend`,
    clientSecret: 'sandbox-client-secret-not-for-production',
    serviceAccountAccessKey: `${tenant}#sandbox-service-account`,
    serviceAccountSecretKey: 'sandbox-service-account-secret',
  };
}

/** The file as ION API would produce it for this server: token URL = pu + ot, API base = iu/ti. */
export function ionApiFileFor(url: string, tenant: string, credentials: IonApiCredentials): IonApiFile {
  const base = url.replace(/\/+$/, '');
  return IonApiFile.parse({
    ti: tenant,
    cn: 'ml-connector sandbox',
    dt: '12',
    ci: credentials.clientId,
    cs: credentials.clientSecret,
    iu: base,
    pu: `${base}/${tenant}/as/`,
    oa: 'authorization.oauth2',
    ot: 'token.oauth2',
    or: 'revoke_token.oauth2',
    ev: 'U000000000',
    v: '1.0',
    saak: credentials.serviceAccountAccessKey,
    sask: credentials.serviceAccountSecretKey,
  });
}
