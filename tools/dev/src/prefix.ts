// Distinct, readable on dark and light terminals; red stays free for crash reports.
const PALETTE = [36, 33, 35, 32, 34, 96, 93, 95, 92, 94] as const;

export interface LinePrefix {
  /** Every prefix of one run is padded to the same width so the output lines up. */
  width: number;
  /** Index into the palette; ignored without colour. */
  colour?: number;
  /** ANSI colour, for a terminal; plain text when output goes to a file or a pipe. */
  ansi: boolean;
}

/**
 * `name | line`. The line itself is never touched (a trailing CR aside), so a JSON log line stays
 * parseable after the first `| `: `npm start | sed 's/^[^|]*| //' | pino-pretty` works.
 */
export function prefixLine(name: string, line: string, { width, colour = 0, ansi }: LinePrefix): string {
  const label = `${name.padEnd(width)} |`;
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (!ansi) return `${label} ${text}`;
  return `\u001b[${PALETTE[colour % PALETTE.length]}m${label}\u001b[0m ${text}`;
}

/** A line the supervisor itself reports about a service (start, crash, restart). */
export function noticeLine(name: string, text: string, { width, ansi, alarm = false }: Omit<LinePrefix, 'colour'> & { alarm?: boolean }): string {
  const label = `${name.padEnd(width)} *`;
  if (!ansi) return `${label} ${text}`;
  return `\u001b[1;${alarm ? 31 : 37}m${label} ${text}\u001b[0m`;
}
