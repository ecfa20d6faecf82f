import { parseArgs } from 'node:util';
import { z } from 'zod';
import { MlcError } from '@mlc/errors';

const ServiceName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a service folder name');

/** What `npm start -- …` asks for. */
export const DevOptions = z.object({
  /** Services to run; all discovered ones when absent. */
  only: z.array(ServiceName).min(1).optional(),
  /** Start the simulators in-process and point the services at the files they write. */
  sandbox: z.boolean(),
  /** The services' connections file; when given, no sandbox is started. */
  connections: z.string().min(1).optional(),
  /** Also stop the local stack on exit when it was already running before (others may use it). */
  withStackDown: z.boolean(),
  /** Leave the stack running on exit even when this run started it. */
  keepStack: z.boolean(),
  /** `auto`: pretty for a terminal, JSON lines otherwise. */
  output: z.enum(['auto', 'pretty', 'json']),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
  /** Service ports are `basePort + index` in the sorted list of all services, so `--only` keeps them. */
  basePort: z.coerce.number().int().min(1).max(65_000),
});
export type DevOptions = z.infer<typeof DevOptions>;

export const USAGE = `usage: npm start [-- options]
  --only a,b            run only these services (folder names under services/)
  --connections <file>  use this connections file instead of starting the sandbox
  --no-sandbox          do not start the sandbox; use .sandbox/connections.json of a running one
  --with-stack-down     stop the local stack on exit even if it was running before npm start
  --keep-stack          leave the local stack running on exit even if npm start started it
  --output <mode>       auto (default: pretty on a terminal, JSON lines otherwise), pretty or json
  --log-level <level>   LOG_LEVEL of the services (default info)
  --base-port <n>       first service port (default 8081)
  -h, --help`;

/**
 * Parses the command line; `'help'` when help was asked for. Throws `MLC_CONFIG_INVALID` with every
 * problem at once (unknown options included).
 */
export function parseDevArgs(argv: readonly string[]): DevOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        only: { type: 'string', multiple: true },
        connections: { type: 'string' },
        'no-sandbox': { type: 'boolean', default: false },
        'with-stack-down': { type: 'boolean', default: false },
        'keep-stack': { type: 'boolean', default: false },
        output: { type: 'string', default: 'auto' },
        'log-level': { type: 'string', default: 'info' },
        'base-port': { type: 'string', default: '8081' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new MlcError('MLC_CONFIG_INVALID', `${(error as Error).message}\n${USAGE}`, { cause: error, context: { argv } });
  }
  if (values.help) return 'help';
  const only = values.only?.flatMap((list) => list.split(',')).map((name) => name.trim()).filter(Boolean);
  const parsed = DevOptions.safeParse({
    only,
    sandbox: !values['no-sandbox'] && values.connections === undefined,
    connections: values.connections,
    withStackDown: values['with-stack-down'],
    keepStack: values['keep-stack'],
    output: values.output,
    logLevel: values['log-level'],
    basePort: values['base-port'],
  });
  if (!parsed.success) {
    const flag: Record<string, string> = { only: 'only', logLevel: 'log-level', basePort: 'base-port' };
    const issues = parsed.error.issues.map((i) => `--${flag[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`);
    throw new MlcError('MLC_CONFIG_INVALID', `${issues.join('; ')}\n${USAGE}`, { context: { issues } });
  }
  return parsed.data;
}
