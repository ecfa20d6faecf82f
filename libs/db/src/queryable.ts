/**
 * A statement of a hot path, named: pg prepares it once per connection and then only binds and
 * executes it (no parse or plan per call). The text of a name never changes.
 */
export interface NamedStatement {
  name: string;
  text: string;
  values: unknown[];
}

/** The subset of pg's Pool/Client the stores use, so tests and transactions can pass either. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string | NamedStatement, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}
