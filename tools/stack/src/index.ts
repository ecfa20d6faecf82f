export {
  BROKER_PORT_STEP,
  MAX_BROKERS,
  brokerIds,
  brokerPorts,
  loadStackConfig,
  recordedBrokerCount,
  stackAddresses,
  type BrokerPorts,
  type LoadStackConfigOptions,
  type StackConfig,
  type StackAddresses,
} from './config.js';
export { up, down, status, type Say, type StackPart, type UpOptions } from './stack.js';
export {
  killBroker,
  listBrokers,
  restartBroker,
  restartSchemaRegistry,
  rollingRestart,
  startBroker,
  startSchemaRegistry,
  stopBroker,
  stopSchemaRegistry,
  unhealthyPartitions,
  waitForFullIsr,
  waitForLeaders,
  type BrokerInfo,
  type ControlOptions,
  type PartitionHealth,
  type StopOptions,
  type StopResult,
  type StopSignal,
} from './control.js';
export { parseEnvFile } from './env-file.js';
export { PICKED_PORT_LOW, ephemeralPortLow, freePortBelowEphemeral, freePortBlock } from './ports.js';
export { APICURIO_VERSION } from './registry.js';
