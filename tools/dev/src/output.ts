// How `npm start` writes: for a person on a terminal (pino-pretty lines behind a coloured
// `name |`, a records block when counts change), JSON lines otherwise (a pipe, a file, CI, a
// process manager), where every line, the services' and npm start's own, is one JSON object.
import pinoPretty from 'pino-pretty';
import { prefixLine } from './prefix.js';

export type OutputMode = 'pretty' | 'json';

/** Pure: `--output pretty|json` wins; `auto` (the default) is pretty exactly when stdout is a terminal. */
export function outputMode({ requested, isTTY }: { requested: 'auto' | OutputMode; isTTY: boolean }): OutputMode {
  if (requested !== 'auto') return requested;
  return isTTY ? 'pretty' : 'json';
}

function parseObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Pure: one line of a service as a JSON line. The services already log JSON (with `service`),
 * passed on unchanged; anything else (a stack trace of a crash before the logger existed) becomes
 * `{level, time, service, stream, msg}`.
 */
export function jsonServiceLine(service: string, line: string, stream: 'stdout' | 'stderr', now: Date): string {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (parseObject(text)) return text;
  return JSON.stringify({ level: stream === 'stderr' ? 'error' : 'info', time: now.toISOString(), service, stream, msg: text });
}

/** Pure: a line of npm start itself (started, ready, crashed, records, …) as JSON, `service: "dev"`. */
export function jsonNotice(component: string, msg: string, { alarm = false, now, fields = {} }: { alarm?: boolean; now: Date; fields?: Record<string, unknown> }): string {
  return JSON.stringify({ level: alarm ? 'warn' : 'info', time: now.toISOString(), service: 'dev', component, msg, ...fields });
}

export interface PrettyOptions {
  width: number;
  colour: number;
  ansi: boolean;
}

/**
 * A service's line for a person: a pino JSON line through pino-pretty on one line (time, level,
 * message, the other fields), behind `name |`; a line that is not JSON as it is.
 */
export function createPrettyServiceLine(): (service: string, line: string, options: PrettyOptions) => string[] {
  const plain = pinoPretty.prettyFactory({ colorize: false, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service,name' });
  const coloured = pinoPretty.prettyFactory({ colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service,name' });
  return (service, line, options) => {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    const object = parseObject(text);
    const pretty = object ? (options.ansi ? coloured : plain)(object).replace(/\n+$/, '') : text;
    return pretty.split('\n').map((part) => prefixLine(service, part, options));
  };
}
