import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseCsv, type Info } from 'csv-parse';
import { WardenError } from '../../domain/errors.js';
import {
  ProblemCollector,
  canonicalRow,
  checkJsonRow,
  checkRow,
  utf8ByteLength,
  type DatasetFormat,
  type DatasetRow,
  type DigestBuilder,
  type DigestFactory,
} from '../../domain/datasets.js';
import type { DatasetFileReader, ParsedDatasetFile, ReadOptions } from '../../domain/ports/dataset-file-reader.js';
import { sha256Digest } from '../../system/sha256-digest.js';

/**
 * Longest line (JSONL) or record (CSV) read, in bytes / characters. A 1 MB text can
 * grow up to six times when JSON escapes every character; anything longer is reported
 * as a bad row without being buffered.
 */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;

/** Accumulates the good rows of a file, their canonical digest and size, until a problem shows up. */
class RowSink {
  readonly rows: DatasetRow[] = [];
  private readonly hash: DigestBuilder;
  private bytes = 0;
  private positives = 0;

  constructor(
    readonly problems: ProblemCollector,
    createDigest: DigestFactory,
  ) {
    this.hash = createDigest();
  }

  accept(line: number, check: ReturnType<typeof checkRow>, column?: (field: string) => number | undefined): void {
    if (!check.ok) {
      const at = column?.(check.field);
      this.problems.add({ line, field: check.field, message: check.message, ...(at === undefined ? {} : { column: at }) });
      return;
    }
    // Once the file is known to be bad its rows are never used: stop keeping them.
    if (!this.problems.empty) return;
    this.rows.push(check.row);
    const canonical = canonicalRow(check.row);
    this.hash.update(canonical);
    this.bytes += utf8ByteLength(canonical);
    this.positives += check.row.label;
  }

  finish(format: DatasetFormat): ParsedDatasetFile {
    if (this.problems.empty && this.rows.length === 0) this.problems.add({ line: 0, field: 'file', message: 'the file has no rows' });
    if (!this.problems.empty) throw this.problems.toError();
    return {
      rows: this.rows,
      sha256: this.hash.digest(),
      bytes: this.bytes,
      positives: this.positives,
      negatives: this.rows.length - this.positives,
      format,
    };
  }
}

/** Counts bytes as they stream and refuses past the limit. */
async function* limited(source: AsyncIterable<Uint8Array>, maxBytes: number | undefined, displayName: string): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (maxBytes !== undefined && total > maxBytes) {
      throw new WardenError('PAYLOAD_TOO_LARGE', `${displayName} is larger than ${maxBytes} bytes; split it into smaller files`, {
        field: 'file',
        details: { maxBytes },
      });
    }
    yield chunk;
  }
}

const NEWLINE = 0x0a;

/** Splits a byte stream into lines (without the `\n`), with 1-based numbers; over-long lines come back as `undefined`. */
async function* lines(source: AsyncIterable<Uint8Array>): AsyncGenerator<{ line: number; bytes: Uint8Array | undefined }> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  let line = 0;
  const append = (part: Uint8Array): void => {
    if (!tooLong && pendingBytes + part.byteLength > MAX_RECORD_BYTES) {
      tooLong = true;
      pending = [];
    }
    if (!tooLong) pending.push(part);
    pendingBytes += part.byteLength;
  };
  const take = (): Uint8Array | undefined => {
    const bytes = tooLong ? undefined : pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    tooLong = false;
    return bytes;
  };
  for await (const chunk of source) {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      append(chunk.subarray(start, end));
      line++;
      yield { line, bytes: take() };
      start = end + 1;
    }
    if (start < chunk.byteLength) append(chunk.subarray(start));
  }
  if (pendingBytes > 0) {
    line++;
    yield { line, bytes: take() };
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

async function readJsonl(source: AsyncIterable<Uint8Array>, sink: RowSink): Promise<void> {
  for await (const { line, bytes } of lines(source)) {
    if (bytes === undefined) {
      sink.problems.add({ line, field: 'row', message: `the line is longer than ${MAX_RECORD_BYTES} bytes` });
      continue;
    }
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      sink.problems.add({ line, field: 'encoding', message: 'the line is not valid UTF-8' });
      continue;
    }
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    // Blank lines (a trailing newline, spacing between records) are not rows.
    if (text.trim().length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      sink.problems.add({ line, field: 'row', message: `not valid JSON: ${(error as Error).message}` });
      continue;
    }
    sink.accept(line, checkJsonRow(value));
  }
}

/** Decodes UTF-8 strictly across chunk boundaries, naming the line of an invalid byte sequence. */
async function* decodeUtf8(source: AsyncIterable<Uint8Array>, problems: ProblemCollector): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let newlines = 0;
  for await (const chunk of source) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      // The bad sequence is in this chunk: find its line by decoding leniently.
      const lenient = new TextDecoder('utf-8').decode(chunk);
      const bad = lenient.indexOf('\ufffd');
      const before = bad === -1 ? lenient : lenient.slice(0, bad);
      problems.add({ line: newlines + countNewlines(before) + 1, field: 'encoding', message: 'the file is not valid UTF-8 here; save it as UTF-8' });
      return;
    }
    newlines += countNewlines(text);
    yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest) yield rest;
  } catch {
    problems.add({ line: newlines + 1, field: 'encoding', message: 'the file ends inside a UTF-8 sequence; save it as UTF-8' });
  }
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** The line a CSV record starts on: `info.lines` is where it ends, minus the newlines inside it. */
function recordStartLine(info: Info & { raw?: string }, raw: string | undefined): number {
  const body = (raw ?? '').replace(/^(?:\r?\n)+/, '').replace(/\r?\n$/, '');
  return info.lines - countNewlines(body);
}

interface CsvRecord {
  record: string[];
  raw?: string;
  info: Info;
}

async function readCsv(source: AsyncIterable<Uint8Array>, sink: RowSink): Promise<void> {
  const problems = sink.problems;
  let textColumn = -1;
  let labelColumn = -1;
  let width = 0;
  let sawHeader = false;
  let stopped = false;
  let lastSkippedLine = -1;
  const parser = parseCsv({
    bom: true,
    // Files stitched together from several sources mix line endings.
    record_delimiter: ['\r\n', '\n'],
    info: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_BYTES,
    on_skip: (error) => {
      const line = (error as { lines?: number } | undefined)?.lines ?? 0;
      // One bad quote can make the parser skip several fragments of the same line.
      if (!error || line === lastSkippedLine) return;
      lastSkippedLine = line;
      problems.add({ line, field: 'row', message: `malformed CSV: ${error.message}` });
    },
  });
  try {
    await pipeline(Readable.from(decodeUtf8(source, problems)), parser, async (records: AsyncIterable<CsvRecord>) => {
      for await (const { record, raw, info } of records) {
        const line = recordStartLine(info, raw);
        if (!sawHeader) {
          sawHeader = true;
          const names = record.map((name) => name.trim().toLowerCase());
          textColumn = names.indexOf('text');
          labelColumn = names.indexOf('label');
          width = record.length;
          if (textColumn === -1 || labelColumn === -1) {
            problems.add({ line, field: 'header', message: `the first line must be a header naming the columns "text" and "label"; got "${record.join(',').slice(0, 80)}"` });
            stopped = true;
            return;
          }
          continue;
        }
        if (record.length !== width) {
          problems.add({ line, field: 'row', message: `expected ${width} fields like the header, got ${record.length} (quote a text that contains commas)` });
          continue;
        }
        sink.accept(line, checkRow(record[textColumn], record[labelColumn]), (field) =>
          field === 'text' ? textColumn + 1 : field === 'label' ? labelColumn + 1 : undefined,
        );
      }
    });
  } catch (error) {
    // Leaving the loop early (no header) aborts the rest of the pipeline on purpose.
    if (stopped && (error as { name?: unknown }).name === 'AbortError') return;
    // A structural error the parser cannot skip (a quote never closed, a record over the size limit).
    const code = (error as { code?: unknown }).code;
    if (!(error instanceof WardenError) && typeof code === 'string' && (code.startsWith('CSV_') || code.startsWith('INVALID_'))) {
      problems.add({ line: (error as { lines?: number }).lines ?? 0, field: 'row', message: `malformed CSV: ${(error as Error).message}` });
      return;
    }
    throw error;
  }
  if (!sawHeader && problems.empty) problems.add({ line: 0, field: 'file', message: 'the file is empty: expected a "text,label" header and rows' });
}

/**
 * DatasetFileReader over node streams: JSONL split on `\n` bytes (UTF-8 checked per
 * line, BOM and `\r\n` tolerated, blank lines skipped), CSV through `csv-parse` (RFC 4180:
 * quoted fields with commas, doubled quotes and newlines; header row required, naming
 * `text` and `label` in any order, extra columns ignored).
 */
export class FileDatasetReader implements DatasetFileReader {
  constructor(private readonly createDigest: DigestFactory = sha256Digest) {}

  async readFile(path: string, options: ReadOptions): Promise<ParsedDatasetFile> {
    // O_NOFOLLOW: a file swapped for a symlink after it was listed is not followed out of its folder.
    const flags = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW;
    const handle = await fs.promises.open(path, flags);
    try {
      return await this.readStream(handle.createReadStream({ highWaterMark: 256 * 1024, autoClose: false }), options);
    } finally {
      await handle.close();
    }
  }

  async readStream(source: AsyncIterable<Uint8Array>, options: ReadOptions): Promise<ParsedDatasetFile> {
    const sink = new RowSink(new ProblemCollector(options.displayName), this.createDigest);
    const input = limited(source, options.maxBytes, options.displayName);
    if (options.format === 'jsonl') await readJsonl(input, sink);
    else await readCsv(input, sink);
    return sink.finish(options.format);
  }
}
