import { createMlcDeps } from '@mlc/mlc';
import type { ServiceContext, ServiceDefinition, ServiceParts } from '@mlc/service';
import { registerConsole } from './app.js';
import { ConsoleEnv } from './env.js';
import { createOidcClient } from './oidc.js';

const NAME = 'console';

/**
 * The operator console: a service of its own beside audit, reading the audit log and acting
 * through the same operations as `mlc` (its dependencies, built the way `mlc` builds them).
 */
export function createConsole({ env, logger, server, processEnv }: ServiceContext<ConsoleEnv>): ServiceParts {
  const deps = createMlcDeps({ env, logger, processEnv });
  const oidc =
    env.MLC_CONSOLE_OIDC_ISSUER === undefined
      ? undefined
      : createOidcClient({
          issuer: env.MLC_CONSOLE_OIDC_ISSUER,
          clientId: env.MLC_CONSOLE_OIDC_CLIENT_ID!,
          clientSecret: env.MLC_CONSOLE_OIDC_CLIENT_SECRET,
          redirectUrl: env.MLC_CONSOLE_OIDC_REDIRECT_URL!,
          rolesClaim: env.MLC_CONSOLE_OIDC_ROLES_CLAIM,
          operatorGroups: env.MLC_CONSOLE_OIDC_OPERATOR_GROUPS ?? [],
          readerGroups: env.MLC_CONSOLE_OIDC_READER_GROUPS,
          timeoutMs: env.MLC_CONSOLE_OIDC_TIMEOUT_MS,
        });
  registerConsole({
    server,
    deps,
    oidc,
    settings: {
      sessionSecret: env.MLC_CONSOLE_SESSION_SECRET,
      sessionTtlSeconds: env.MLC_CONSOLE_SESSION_TTL_SECONDS,
      cookieSecure: env.MLC_CONSOLE_COOKIE_SECURE,
      adminToken: env.MLC_CONSOLE_ADMIN_TOKEN,
      pageSize: env.MLC_CONSOLE_PAGE_SIZE,
    },
  });
  return {
    readiness: async () => {
      await deps.db.query('select 1 from audit_operator_actions limit 1');
      return { ok: true };
    },
    start: async () => {
      logger.info({ oidc: oidc !== undefined, adminToken: env.MLC_CONSOLE_ADMIN_TOKEN !== undefined }, 'console: serving');
    },
    stop: () => deps.close(),
  };
}

export const consoleService: ServiceDefinition<typeof ConsoleEnv> = {
  name: NAME,
  env: ConsoleEnv,
  pool: { max: 1 },
  create: createConsole,
};
