export { DEFAULT_HTTP_LIMITS, buildServer, listenInternal, type BuildServerParams, type HttpLimits, type ReadinessResult, type ServiceServer } from './server.js';
export { runService, type RunServiceParams, type RunningService, type SignalSource } from './run-service.js';
export {
  ServiceEnv,
  startService,
  type ServiceContext,
  type ServiceDefinition,
  type ServiceMigrations,
  type PoolSettings,
  type ServiceParts,
  type StartServiceOptions,
} from './start-service.js';
