/** The part of a terminal stream a progress bar needs (process.stderr). */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface Progress {
  advance(by: number): void;
  done(): void;
}

const WIDTH = 30;

/** `label [#########.........] 300/1000  30%`; pure. */
export function progressLine(label: string, current: number, total: number): string {
  const ratio = total <= 0 ? 1 : Math.min(1, current / total);
  const filled = Math.round(ratio * WIDTH);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${current}/${total} ${Math.floor(ratio * 100)}%`;
}

/**
 * A progress bar redrawn in place on a terminal; nothing at all when the stream is not one (a
 * pipe, a CI log, `--json` into jq), so scripts see only the result.
 */
export function createProgress({ label, total, stream }: { label: string; total: number; stream?: ProgressStream | undefined }): Progress {
  let current = 0;
  const draw = stream?.isTTY === true ? (end = '') => stream.write(`\r${progressLine(label, current, total)}${end}`) : undefined;
  draw?.();
  return {
    advance(by) {
      current += by;
      draw?.();
    },
    done() {
      draw?.('\n');
    },
  };
}
