import { connectionsFileSchema } from '@mlc/config';

export interface SysproEndpoints {
  odata: { url: string; company: string; username: string; password: string };
  enet?: { url: string; operator: string; operatorPassword: string; companyId: string; companyPassword: string };
}

export interface CoupaEndpoint {
  url: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

export interface SandboxConnectionsInput {
  syspro?: SysproEndpoints;
  coupa?: CoupaEndpoint;
  infor?: { ionapiFile: string; company: string; division: string };
  webhookSecret: string;
}

/**
 * The connections file the services read to reach the sandbox, as plain JSON. Relative paths in it
 * resolve against the file's own folder (see @mlc/config `loadConnections`).
 */
export function sandboxConnections({ syspro, coupa, infor, webhookSecret }: SandboxConnectionsInput) {
  return {
    connections: [
      {
        id: 'sandbox',
        ...(syspro ? { syspro } : {}),
        ...(coupa
          ? {
              coupa: {
                ...coupa,
                apiVersion: { header: 'X-Coupa-API-Version', value: '1' },
                webhook: { hmacSecret: webhookSecret, signatureHeader: 'X-Coupa-Signature' },
              },
            }
          : {}),
        ...(infor ? { infor } : {}),
      },
    ],
  };
}

/** Throws with every issue when the file would not load in the services. */
export function assertValidConnections(file: unknown, baseDir: string): void {
  const result = connectionsFileSchema({ baseDir }).safeParse(file);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`the sandbox connections file does not match @mlc/config: ${issues}`);
  }
}
