/**
 * Dataset rules: what a dataset name, a row and a label look like, the canonical
 * content form whose sha256 IS a dataset version's identity, label balance, the
 * split spec, and merging. Pure: no file system, no crypto import — callers pass a
 * {@link DigestFactory} (sha256) built where node:crypto may be used.
 *
 * ## Canonical form (the identity of a dataset version)
 * Rows keep their file order; each row becomes one line
 *
 *     <label>\t<JSON string of the trimmed text>\n
 *
 * e.g. `1\t"WIN A PRIZE\\nnow"\n`. `JSON.stringify` of a string is fully specified
 * (ES2019 well-formed stringify escapes lone surrogates), so the same rows give the
 * same bytes (UTF-8) on every platform. The lower-case hex sha256 of those bytes is the
 * dataset digest: two files holding the same rows in the same order — JSONL or CSV,
 * whatever the label spelling or surrounding whitespace — are the same dataset. The
 * canonical bytes are also what is stored, so a version is re-read exactly.
 */
import { WardenError, invalid } from './errors.js';

/** Where a dataset version came from. */
export const DATASET_ORIGINS = ['fresh-file', 'builtin-corpus', 'vulnerability-corpus', 'merge', 'upload', 'feedback'] as const;
export type DatasetOrigin = (typeof DATASET_ORIGINS)[number];

export function isDatasetOrigin(value: unknown): value is DatasetOrigin {
  return typeof value === 'string' && (DATASET_ORIGINS as readonly string[]).includes(value);
}

/** Dataset file formats the readers understand. */
export const DATASET_FORMATS = ['jsonl', 'csv'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export function isDatasetFormat(value: unknown): value is DatasetFormat {
  return typeof value === 'string' && (DATASET_FORMATS as readonly string[]).includes(value);
}

/** The format a file name's extension announces (`.jsonl`/`.ndjson` → jsonl, `.csv` → csv), or undefined. */
export function formatOfFileName(fileName: string): DatasetFormat | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.csv')) return 'csv';
  return undefined;
}

// ── names ────────────────────────────────────────────────────────────────────

/** Same alphabet as registered model names, so `<model>-fresh` is always a valid dataset name. */
export const DATASET_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
export const MAX_DATASET_NAME_LENGTH = 128;

/** Returns the name when it matches {@link DATASET_NAME_PATTERN} (≤ 128 chars); VALIDATION_FAILED naming `field` otherwise. */
export function validateDatasetName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, `${field} is required: a dataset name like "spam-mail"`);
  if (value.length > MAX_DATASET_NAME_LENGTH) throw invalid(field, `${field} must be at most ${MAX_DATASET_NAME_LENGTH} characters`);
  if (!DATASET_NAME_PATTERN.test(value)) {
    throw invalid(field, `${field} must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit; got "${value.slice(0, 80)}"`);
  }
  return value;
}

/** Validates a version number (1, 2, 3… per name). */
export function validateDatasetVersionNumber(value: unknown, field = 'version'): number {
  const number = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) {
    throw invalid(field, `${field} must be a whole number ≥ 1`);
  }
  return number;
}

// ── rows and labels ─────────────────────────────────────────────────────────

/** 1 = positive (spam, malicious), 0 = negative (ham, benign). */
export type Label = 0 | 1;

export interface DatasetRow {
  /** Trimmed, non-empty, at most {@link MAX_TEXT_BYTES} UTF-8 bytes. */
  readonly text: string;
  readonly label: Label;
}

/** Largest text of one row, in UTF-8 bytes after trimming (1 MB). */
export const MAX_TEXT_BYTES = 1_000_000;

/**
 * Accepted label spellings, compared after trimming and lower-casing. Numbers 1 and 0
 * and booleans true and false are accepted as JSON values too. Anything else is a bad row.
 */
export const LABEL_SPELLINGS: Readonly<Record<string, Label>> = Object.freeze({
  '1': 1,
  '0': 0,
  true: 1,
  false: 0,
  spam: 1,
  ham: 0,
  malicious: 1,
  benign: 0,
  positive: 1,
  negative: 0,
});

const LABEL_HELP = '1/0, true/false, spam/ham, malicious/benign or positive/negative';

/** The label a value spells, or undefined when it is not one of {@link LABEL_SPELLINGS}. */
export function parseLabel(value: unknown): Label | undefined {
  if (value === 1 || value === true) return 1;
  if (value === 0 || value === false) return 0;
  if (typeof value !== 'string') return undefined;
  const spelled = LABEL_SPELLINGS[value.trim().toLowerCase()];
  return spelled;
}

/** UTF-8 length of a string, counted without allocating (lone surrogates count 3, as U+FFFD). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** The outcome of checking one row: the normalised row, or what is wrong and in which field. */
export type RowCheck =
  | { readonly ok: true; readonly row: DatasetRow }
  | { readonly ok: false; readonly field: 'text' | 'label' | 'row'; readonly message: string };

/** Validates and normalises one row: text trimmed, label folded to 0/1. */
export function checkRow(text: unknown, label: unknown): RowCheck {
  if (typeof text !== 'string') {
    return { ok: false, field: 'text', message: text === undefined || text === null ? 'text is missing' : `text must be a string, got ${typeof text}` };
  }
  const trimmed = text.trim();
  if (trimmed.length === 0) return { ok: false, field: 'text', message: 'text is empty' };
  // A quick bound first: every UTF-16 unit is at most 3 UTF-8 bytes.
  if (trimmed.length * 3 > MAX_TEXT_BYTES) {
    const bytes = utf8ByteLength(trimmed);
    if (bytes > MAX_TEXT_BYTES) return { ok: false, field: 'text', message: `text is ${bytes} bytes; the limit is ${MAX_TEXT_BYTES}` };
  }
  if (label === undefined || label === null || label === '') return { ok: false, field: 'label', message: `label is missing (use ${LABEL_HELP})` };
  const parsed = parseLabel(label);
  if (parsed === undefined) {
    const shown = typeof label === 'string' ? `"${label.slice(0, 40)}"` : JSON.stringify(label)?.slice(0, 40);
    return { ok: false, field: 'label', message: `label ${shown} is not one of ${LABEL_HELP}` };
  }
  return { ok: true, row: { text: trimmed, label: parsed } };
}

/** Validates a parsed JSONL value: an object with `text` and `label` (other keys are ignored). */
export function checkJsonRow(value: unknown): RowCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, field: 'row', message: 'each line must be a JSON object like {"text": "…", "label": 1}' };
  }
  const record = value as Record<string, unknown>;
  return checkRow(record.text, record.label);
}

// ── problems → one DATASET_INVALID error ────────────────────────────────────

/** One bad row (or a file-level problem, line 0) of a file. Lines and columns are 1-based. */
export interface RowProblem {
  readonly file: string;
  readonly line: number;
  /** The field at fault: `text`, `label`, `row` (the whole record), `header`, `encoding`, `file`. */
  readonly field: string;
  /** CSV only: the 1-based column of the field, when known. */
  readonly column?: number;
  readonly message: string;
}

/** At most this many problems are kept per file; the count of bad rows is always exact. */
export const MAX_REPORTED_PROBLEMS = 100;

/**
 * Collects the problems of one file: keeps the first {@link MAX_REPORTED_PROBLEMS},
 * counts them all, and turns them into one DATASET_INVALID error.
 */
export class ProblemCollector {
  readonly problems: RowProblem[] = [];
  count = 0;

  constructor(readonly file: string) {}

  add(problem: Omit<RowProblem, 'file'>): void {
    this.count++;
    if (this.problems.length < MAX_REPORTED_PROBLEMS) this.problems.push({ file: this.file, ...problem });
  }

  get empty(): boolean {
    return this.count === 0;
  }

  /** The DATASET_INVALID error describing every collected problem. */
  toError(): WardenError {
    return datasetInvalid(this.file, this.problems, this.count);
  }
}

/** Builds the DATASET_INVALID error: the message names the first problem; details list them all. */
export function datasetInvalid(file: string, problems: readonly RowProblem[], badRows = problems.length): WardenError {
  const first = problems[0];
  const where = first ? `line ${first.line}${first.column ? `, column ${first.column}` : ''} (${first.field}): ${first.message}` : 'no rows';
  const more = badRows > 1 ? ` (and ${badRows - 1} more problem${badRows === 2 ? '' : 's'})` : '';
  return new WardenError('DATASET_INVALID', `${file}: ${where}${more}; nothing was imported — fix the file and send it again`, {
    field: first?.field,
    details: { file, badRows, problems, truncated: badRows > problems.length },
  });
}

// ── canonical form and digest ───────────────────────────────────────────────

/** An incremental sha256 (or other) digest, created by the caller (node:crypto lives outside domain/). */
export interface DigestBuilder {
  /** Adds a string, hashed as its UTF-8 bytes. */
  update(chunk: string): void;
  /** Lower-case hex digest of everything added. */
  digest(): string;
}
export type DigestFactory = () => DigestBuilder;

/** The canonical line of one row: `<label>\t<JSON text>\n`. */
export function canonicalRow(row: DatasetRow): string {
  return `${row.label}\t${JSON.stringify(row.text)}\n`;
}

/** The canonical content of a dataset: its rows' canonical lines in order. */
export function canonicalContent(rows: readonly DatasetRow[]): string {
  let out = '';
  for (const row of rows) out += canonicalRow(row);
  return out;
}

/** sha256 (hex) of the canonical content — the dataset's identity. */
export function datasetDigest(rows: readonly DatasetRow[], createDigest: DigestFactory): string {
  const hash = createDigest();
  for (const row of rows) hash.update(canonicalRow(row));
  return hash.digest();
}

/**
 * Parses canonical content back into rows. Every line is checked again, so stored bytes
 * that were altered are reported (DATASET_INVALID naming `source`), never trained on.
 */
export function parseCanonicalContent(content: string, source = 'dataset'): DatasetRow[] {
  const rows: DatasetRow[] = [];
  const problems = new ProblemCollector(source);
  let start = 0;
  let line = 0;
  while (start < content.length) {
    line++;
    let end = content.indexOf('\n', start);
    if (end === -1) end = content.length;
    const text = content.slice(start, end);
    start = end + 1;
    const tab = text.indexOf('\t');
    const labelPart = tab === -1 ? '' : text.slice(0, tab);
    let parsed: unknown;
    try {
      parsed = tab === -1 ? undefined : JSON.parse(text.slice(tab + 1));
    } catch {
      parsed = undefined;
    }
    const check = labelPart === '0' || labelPart === '1' ? checkRow(parsed, Number(labelPart)) : undefined;
    if (check?.ok && check.row.text === parsed) rows.push(check.row);
    else problems.add({ line, field: 'row', message: 'not a canonical dataset line (<0|1>\\t<JSON string>)' });
  }
  if (!problems.empty) throw problems.toError();
  return rows;
}

// ── balance ─────────────────────────────────────────────────────────────────

export interface LabelBalance {
  readonly rows: number;
  readonly positives: number;
  readonly negatives: number;
  /** positives / rows; 0 for an empty dataset. */
  readonly positiveFraction: number;
}

export function labelBalance(rows: readonly DatasetRow[]): LabelBalance {
  let positives = 0;
  for (const row of rows) positives += row.label;
  return { rows: rows.length, positives, negatives: rows.length - positives, positiveFraction: rows.length === 0 ? 0 : positives / rows.length };
}

// ── split spec ──────────────────────────────────────────────────────────────

/**
 * How rows are split into train, validation and test — the one spec recipes store and
 * datasets are split by (ml/split.ts applies it). Each row's place is decided by its TEXT
 * alone: u = murmur3_32(UTF-8 text, seed) / 2^32; test when u < `test`, validation when
 * u < `test + validation`, train otherwise. So a row keeps its split when rows are added,
 * removed, reordered or relabelled, and identical texts always share a split: test rows
 * stay test rows as a model's data grows, and versions stay comparable.
 */
export interface SplitSpec {
  readonly seed: number;
  /** Expected share of rows held out for validation (calibration, threshold, early stopping), in [0, 1). */
  readonly validation: number;
  /** Expected share of rows held out for the evaluation, in (0, 1). */
  readonly test: number;
}

export const DEFAULT_SPLIT_SPEC: SplitSpec = Object.freeze({ seed: 42, validation: 0.1, test: 0.2 });
/**
 * Names the rule above in a training run's params (`split.method`), so a split can be
 * rebuilt later only when it was made this way (earlier builds split by label, per class).
 */
export const SPLIT_METHOD = 'murmur3-text';
/** At least this share of the rows is left to train on. */
export const MIN_TRAIN_SHARE = 0.1;
const SPLIT_KEYS = ['seed', 'validation', 'test'] as const;

/**
 * Validates a split spec: only `seed`, `validation`, `test`; integer seed in [0, 2^32);
 * `test` in (0, 1) (an evaluation needs held-out rows), `validation` in [0, 1), and
 * test + validation ≤ 1 − {@link MIN_TRAIN_SHARE}. Missing fields take
 * {@link DEFAULT_SPLIT_SPEC}'s values. VALIDATION_FAILED names the field (`split.test`…).
 */
export function parseSplitSpec(value: unknown, field = 'split'): SplitSpec {
  if (value === undefined || value === null) return DEFAULT_SPLIT_SPEC;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(field, `${field} must be an object {seed, validation, test}`);
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(SPLIT_KEYS as readonly string[]).includes(key)) throw invalid(`${field}.${key}`, `unknown field ${key}; expected one of ${SPLIT_KEYS.join(', ')}`);
  }
  const seed = input.seed ?? DEFAULT_SPLIT_SPEC.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw invalid(`${field}.seed`, `${field}.seed must be an integer in [0, 4294967295]`);
  }
  const fraction = (key: 'validation' | 'test'): number => {
    const raw = input[key] ?? DEFAULT_SPLIT_SPEC[key];
    if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0 || raw >= 1) {
      throw invalid(`${field}.${key}`, `${field}.${key} must be a fraction in [0, 1)`);
    }
    return raw;
  };
  const spec = { seed, validation: fraction('validation'), test: fraction('test') };
  if (spec.test === 0) throw invalid(`${field}.test`, `${field}.test must be above 0: the evaluation needs held-out rows`);
  if (spec.validation + spec.test > 1 - MIN_TRAIN_SHARE + 1e-9) {
    throw invalid(field, `${field}.validation + ${field}.test must be at most ${1 - MIN_TRAIN_SHARE} so at least ${MIN_TRAIN_SHARE * 100} % of the rows remain to train on`);
  }
  return Object.freeze(spec);
}

// ── duplicates and merge ───────────────────────────────────────────────────

/** What {@link deduplicateRows} kept and dropped. */
export interface DeduplicatedRows {
  /** Each text once, at its first occurrence, in the input order. */
  readonly rows: readonly DatasetRow[];
  /** Repeats of a (text, label) row already kept. */
  readonly duplicatesDropped: number;
  /** Texts that appear with both labels: every row of such a text is dropped. */
  readonly conflictingTexts: number;
  /** Rows dropped because their text appears with both labels. */
  readonly conflictRowsDropped: number;
}

/**
 * THE duplicate rule, applied to whatever rows one training or one merge uses — one
 * dataset or several, in the same way. Rows are the same when their (trimmed) texts are
 * identical:
 * - same text, same label: kept once, at its first occurrence;
 * - same text, both labels: every row of that text is dropped and counted. The data does
 *   not say which label is right, and keeping either would train on a guess (or, keeping
 *   both, on a contradiction).
 * The outcome does not depend on the order of the inputs, except for the order of the rows kept.
 */
export function deduplicateRows(rows: Iterable<DatasetRow>): DeduplicatedRows {
  const seen = new Map<string, { labels: number; count: number }>(); // labels: bit 0 seen with 0, bit 1 seen with 1
  const firsts: DatasetRow[] = [];
  for (const row of rows) {
    const entry = seen.get(row.text);
    if (entry === undefined) {
      seen.set(row.text, { labels: row.label === 1 ? 2 : 1, count: 1 });
      firsts.push(row);
    } else {
      entry.labels |= row.label === 1 ? 2 : 1;
      entry.count++;
    }
  }
  let conflictingTexts = 0;
  let conflictRowsDropped = 0;
  let duplicatesDropped = 0;
  for (const entry of seen.values()) {
    if (entry.labels === 3) {
      conflictingTexts++;
      conflictRowsDropped += entry.count;
    } else duplicatesDropped += entry.count - 1;
  }
  const kept = conflictingTexts === 0 ? firsts : firsts.filter((row) => seen.get(row.text)?.labels !== 3);
  return { rows: kept, duplicatesDropped, conflictingTexts, conflictRowsDropped };
}

/** One line saying what the duplicate rule dropped (merge descriptions, training logs). */
export function describeDeduplication(outcome: DeduplicatedRows): string {
  const conflicts = outcome.conflictingTexts > 0 ? `, ${outcome.conflictRowsDropped} rows of ${outcome.conflictingTexts} texts labelled both ways dropped` : '';
  return `${outcome.duplicatesDropped} duplicate rows dropped${conflicts}`;
}

export interface MergeInput {
  readonly digest: string;
  readonly rows: readonly DatasetRow[];
}

export interface MergePlan extends DeduplicatedRows {
  /** The parents' digests in the order given, each once. */
  readonly parentDigests: readonly string[];
}

/** Merges datasets: concatenates in order under the {@link deduplicateRows} rule and records the parents. Needs ≥ 2 parents. */
export function mergeDatasets(parents: readonly MergeInput[]): MergePlan {
  if (parents.length < 2) throw invalid('parents', 'a merge needs at least two parent datasets');
  const deduplicated = deduplicateRows(parents.flatMap((p) => p.rows));
  return { ...deduplicated, parentDigests: [...new Set(parents.map((p) => p.digest))] };
}

// ── the entity ──────────────────────────────────────────────────────────────

/** One input file of a dataset version, with the digest of its own canonical rows. */
export interface DatasetSourceFile {
  readonly name: string;
  readonly sha256: string;
  readonly rows: number;
}

/** An immutable dataset version. */
export interface DatasetVersion {
  readonly id: string;
  readonly name: string;
  /** 1, 2, 3… per name, in registration order. */
  readonly version: number;
  /** sha256 of the canonical content: identity, and the key of the stored rows. */
  readonly sha256: string;
  readonly rows: number;
  readonly positives: number;
  readonly negatives: number;
  /** Size of the canonical content in UTF-8 bytes. */
  readonly bytes: number;
  readonly origin: DatasetOrigin;
  readonly sourceFiles: readonly DatasetSourceFile[];
  readonly parentDigests: readonly string[];
  readonly description: string;
  readonly createdAt: number;
}
