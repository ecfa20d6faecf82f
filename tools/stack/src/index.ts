export { loadStackConfig, stackAddresses, type StackConfig, type StackAddresses } from './config.js';
export { up, down, status, type Say } from './stack.js';
export { parseEnvFile } from './env-file.js';
