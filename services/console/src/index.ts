export { registerConsole, type ConsoleAppParams, type ConsoleSettings } from './app.js';
export { ConsoleEnv, ConsoleSettings as ConsoleSettingsEnv } from './env.js';
export { createOidcClient, roleOf, type OidcClient, type OidcSettings } from './oidc.js';
export { consoleService, createConsole } from './service.js';
