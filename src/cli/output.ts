/**
 * What the CLI prints: tables for people, JSON for scripts (`--json`). Commands
 * call `ctx.output.result(data, render)`; `render` turns the data into text for
 * people and is skipped under --json.
 */
import Table from 'cli-table3';

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
}

/** Formats one cell: dates from ms timestamps stay as numbers unless a column formats them. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)));
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** An ISO-8601 time (to the second) from epoch milliseconds; empty for null. */
export function time(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A table with a header row. */
export function table<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>): string {
  const out = new Table({ head: columns.map((column) => column.header), style: { head: [], border: [] } });
  for (const row of rows) out.push(columns.map((column) => cell(column.value(row))));
  return out.toString();
}

/** A two-column key/value table for one object. */
export function details(entries: ReadonlyArray<readonly [string, unknown]>): string {
  const out = new Table({ style: { head: [], border: [] } });
  for (const [key, value] of entries) out.push({ [key]: cell(value) });
  return out.toString();
}

export class Output {
  constructor(
    private readonly isJson: () => boolean,
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
  ) {}

  get json(): boolean {
    return this.isJson();
  }

  /** Prints `data` as JSON under --json, else `render(data)` for people. */
  result<T>(data: T, render: (data: T) => string): void {
    this.write(`${this.isJson() ? JSON.stringify(data, null, 2) : render(data)}\n`);
  }

  /** A line for people only (silent under --json, so scripts get pure JSON). */
  note(line: string): void {
    if (!this.isJson()) this.write(`${line}\n`);
  }
}
