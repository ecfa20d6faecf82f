export { BenchUsageError, intOption, parseArgs, type Bench, type BenchArgs, type BenchEnv, type SummaryRow } from './bench.js';
export { BENCHES } from './benches.js';
export { renderSummary, UNMEASURED, type BenchOutcome } from './summary.js';
