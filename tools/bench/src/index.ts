export { BenchUsageError, intOption, parseArgs, type Bench, type BenchArgs, type BenchEnv } from './bench.js';
export { BENCHES } from './benches.js';
