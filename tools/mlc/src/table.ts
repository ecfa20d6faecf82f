/** A column of a table printed for people: its header, and right alignment for numbers. */
export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Longer cells are cut with `…` (error messages, payload excerpts). Default 60. */
  maxWidth?: number;
}

export type Cell = string | number | boolean | null | undefined;

function cellText(cell: Cell, maxWidth: number): string {
  const text = cell === null || cell === undefined || cell === '' ? '-' : String(cell).replace(/\s+/g, ' ');
  return text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text;
}

/**
 * Rows under a header, columns padded to their widest cell and two spaces apart; empty cells
 * print as `-` so columns stay readable. Pure.
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly Cell[])[]): string {
  const cells = rows.map((row) => columns.map((c, i) => cellText(row[i], c.maxWidth ?? 60)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}
