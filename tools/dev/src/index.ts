export { parseDevArgs, DevOptions, USAGE } from './args.js';
export { createRestartPolicy, type RestartPolicy, type RestartPolicyOptions, type RestartDecision } from './backoff.js';
export { prefixLine, noticeLine, type LinePrefix } from './prefix.js';
export { discoverServices, planServices, type ServicePlan } from './services.js';
export { createSupervisor, type Supervisor, type SupervisorParams, type SupervisorEvent } from './supervisor.js';
