/** ISO date (YYYY-MM-DD) → M3 date (YYYYMMDD). */
export function m3Date(isoDate: string): string {
  return isoDate.replaceAll('-', '');
}

/** M3 alpha fields have fixed lengths; a value that does not fit is reported, never cut silently. */
export function tooLong(value: string | undefined, max: number): boolean {
  return value !== undefined && value.length > max;
}
