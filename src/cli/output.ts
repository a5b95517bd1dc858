/**
 * What the CLI prints: tables and key/value blocks for people, JSON for scripts (`--json`). Commands
 * call `ctx.output.result(data, render)`; `render` turns the data into text for
 * people and is skipped under --json.
 */
import Table from 'cli-table3';

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
  /** A text column is squeezed no narrower than its longest line: for cells of short lines that read badly broken (one item per line). */
  readonly keepLines?: boolean;
  /**
   * Free text whose words may break anywhere when the table is tight (an adversarial text:
   * its tokens are an attacker's, not words a reader looks for), so the other columns keep theirs whole.
   */
  readonly breaksWords?: boolean;
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

/** `time` to the minute without the year (`12-02T12:22`), for a list table's time column where the width is better spent on text. */
export function shortTime(ms: number | null | undefined): string {
  return time(ms).slice(5, 16);
}

/** A table with a header row. */
export function table<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>, width: number = OUTPUT_COLUMNS): string {
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row))));
  const natural = columns.map((column, i) => Math.max(column.header.length, ...cells.map((r) => longestLine(r[i] ?? ''))));
  // Only text wraps: a column of single tokens (ids, digests, times) keeps its width, so it can be copied whole.
  const wraps = columns.map((_, i) => cells.some((r) => /\s/.test(r[i] ?? '')));
  // A text column gives way down to its longest word (up to MAX_UNBROKEN_WORD), so a model name
  // or a word is not broken across lines; when the table cannot fit that way, down to
  // MIN_TABLE_COLUMN, as narrow as it can be.
  const minimum = (wordsWhole: boolean): number[] =>
    columns.map((column, i) =>
      !wraps[i] || column.keepLines === true
        ? natural[i]!
        : Math.max(column.header.length, MIN_TABLE_COLUMN, wordsWhole && column.breaksWords !== true ? Math.min(MAX_UNBROKEN_WORD, ...cells.map((r) => longestWord(r[i] ?? ''))) : 0),
    );
  const whole = minimum(true);
  const widths = fitColumns(natural, fits(whole, width) ? whole : minimum(false), width);
  const out = new Table({ head: columns.map((column) => column.header), style: { head: [], border: [] } });
  for (const row of cells) out.push(row.map((text, i) => wrap(text, widths[i]!, widths[i]!).join('\n')));
  return out.toString();
}

/** A column is never squeezed below this many characters (or its header). */
const MIN_TABLE_COLUMN = 8;
/** Words up to this long are kept whole when a text column gives way; longer ones (URLs, long ids in prose) may break. */
const MAX_UNBROKEN_WORD = 24;

function longestWord(text: string): number {
  return Math.max(0, ...text.split(/\s+/).map((word) => word.length));
}

function longestLine(text: string): number {
  return Math.max(0, ...text.split('\n').map((line) => line.length));
}

/** Whether columns of these content widths, borders and padding included, fit `width`. */
function fits(widths: readonly number[], width: number): boolean {
  return widths.reduce((a, b) => a + b, 0) + 3 * widths.length + 1 <= width;
}

/**
 * Content widths so that the table, borders and padding included (3 characters per column
 * plus 1), fits `width`: the widest columns give way first, none below its minimum (a table
 * whose minimums do not fit stays wider).
 */
function fitColumns(natural: readonly number[], minimum: readonly number[], width: number): number[] {
  const widths = [...natural];
  const room = width - (3 * widths.length + 1);
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > room) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) if (widths[i]! > minimum[i]! && (widest === -1 || widths[i]! > widths[widest]!)) widest = i;
    if (widest === -1) break; // cannot fit: every column is at its minimum
    widths[widest] = widths[widest]! - 1;
    total -= 1;
  }
  return widths;
}

/** Human output fits this many columns (a split terminal, a review pane); --json has no limit. */
export const OUTPUT_COLUMNS = 100;
/** Labels longer than this do not push every value to the right; theirs starts after them. */
const LABEL_COLUMN_MAX = 24;
const MIN_VALUE_COLUMNS = 20;

type Scalar = string | number | boolean | null | undefined;

function isScalar(value: unknown): value is Scalar {
  return value === null || value === undefined || typeof value !== 'object';
}

function isScalarList(value: unknown): value is Scalar[] {
  return Array.isArray(value) && value.every(isScalar);
}

/**
 * One object's fields as `label: text` pairs: empty values are left out; a map of scalars
 * (or of lists of scalars) is summarised as `key=value key=a,b …`; deeper objects become dotted labels (`payload.recipe.family`);
 * arrays of scalars are joined, arrays of objects indexed (`arms[0].weight`).
 */
function flatten(label: string, value: unknown): Array<[string, string]> {
  if (isScalar(value)) {
    const text = cell(value);
    return text === '' ? [] : [[label, text]];
  }
  if (Array.isArray(value)) {
    if (isScalarList(value)) return value.length === 0 ? [] : [[label, value.map(cell).join(', ')]];
    return value.flatMap((item, i) => flatten(`${label}[${i}]`, item));
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [];
  if (entries.every(([, v]) => isScalar(v) || isScalarList(v))) {
    return [[label, entries.map(([k, v]) => `${k}=${Array.isArray(v) ? v.map(cell).join(',') : cell(v)}`).join(' ')]];
  }
  return entries.flatMap(([k, v]) => flatten(`${label}.${k}`, v));
}

/** Splits text into lines of at most `first` columns, then `rest` columns: at spaces, and inside a word longer than a line. */
function wrap(text: string, first: number, rest: number): string[] {
  const lines: string[] = [];
  let line = '';
  const room = () => (lines.length === 0 ? first : rest);
  const flush = () => {
    lines.push(line);
    line = '';
  };
  for (const [i, paragraph] of text.split('\n').entries()) {
    if (i > 0) flush();
    for (let word of paragraph.split(' ').filter(Boolean)) {
      if (line !== '' && line.length + 1 + word.length > room()) flush();
      while (line === '' && word.length > room()) {
        line = word.slice(0, room());
        word = word.slice(line.length);
        flush();
      }
      if (word !== '') line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * A key/value block for one object, `label: value` with the values aligned, no line wider
 * than `width` columns (long values wrap under their value column). Nested objects are
 * flattened or summarised (see flatten); the full object is what --json prints.
 */
export function details(entries: ReadonlyArray<readonly [string, unknown]>, width: number = OUTPUT_COLUMNS): string {
  const fields = entries.flatMap(([label, value]) => flatten(label, value));
  const column = Math.min(LABEL_COLUMN_MAX, Math.max(0, ...fields.map(([label]) => label.length + 2)));
  return fields
    .flatMap(([label, text]) => {
      const indent = ' '.repeat(column);
      const start = Math.max(column, label.length + 2);
      // A label too long to leave a useful first line gets its value on the lines below.
      if (width - start < MIN_VALUE_COLUMNS) return [`${label}:`, ...wrap(text, width - column, width - column).map((line) => `${indent}${line}`)];
      const [head = '', ...tail] = wrap(text, width - start, width - column);
      return [`${`${label}:`.padEnd(start)}${head}`, ...tail.map((line) => `${indent}${line}`)];
    })
    .join('\n');
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

/**
 * Text on one line of at most `max` characters, cut with an ellipsis. Text from users (dataset
 * rows, model names) is untrusted: control characters (newlines, escape sequences that would
 * drive the terminal) are shown as spaces.
 */
export function oneLine(text: string, max: number): string {
  let flat = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    flat += code < 0x20 || (code >= 0x7f && code < 0xa0) || code === 0x2028 || code === 0x2029 ? ' ' : ch;
  }
  flat = flat.replace(/ {2,}/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
