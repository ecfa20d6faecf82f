export { parseChaosArgs, USAGE, UsageError, type ChaosOptions } from './args.js';
export { startInfra, type Infra, type Addresses } from './infra.js';
export { compareKeys, failed, type ScenarioResult, type Comparison } from './measure.js';
export { renderTable, verdict, exitCode } from './report.js';
export { runScenario, FLOWS, SHORT, FULL, type Scenario, type ScenarioContext, type Sizes, type FlowName } from './runner.js';
export { ALL_SCENARIOS, SCENARIOS, BROKER_CLUSTER_SCENARIOS } from './scenarios.js';
export { killAllServices, SERVICE_NAMES, type ServiceName } from './services.js';
