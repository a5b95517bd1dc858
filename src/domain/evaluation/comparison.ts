/**
 * Rules of a two-version comparison that do not need I/O: how a request names each side
 * (`model@version`, or a bare version with `model=`), which rows both versions held out, and
 * how much of a flipped example is shown.
 */
import { invalid } from '../errors.js';
import { formatVersionRef, parseVersionRef, validateModelName, type VersionRef } from '../registry/names.js';

export interface ComparedRef {
  readonly model: string;
  readonly ref: VersionRef;
  /** As the request wrote the version (number, label or alias), for messages and loaders. */
  readonly version: string;
}

/**
 * `spam-detector@v1.2` names its own model; a bare `v1.2` (or `3`, or an alias) needs
 * `defaultModel` (the request's `model=`). VALIDATION_FAILED naming `field` otherwise.
 */
export function parseComparedRef(raw: unknown, defaultModel: string | undefined, field: string): ComparedRef {
  if (typeof raw !== 'string' || raw === '') throw invalid(field, `${field} is required: a version like spam-detector@v1.2`);
  const at = raw.lastIndexOf('@');
  if (at === -1) {
    if (defaultModel === undefined) {
      throw invalid(field, `${field}="${raw.slice(0, 80)}" names no model: write ${field}=<model>@<version> (e.g. spam-detector@v1.2) or pass model=`);
    }
    const ref = parseVersionRef(raw, field);
    return { model: defaultModel, ref, version: formatVersionRef(ref) };
  }
  const model = validateModelName(raw.slice(0, at), field);
  const ref = parseVersionRef(raw.slice(at + 1), field);
  return { model, ref, version: formatVersionRef(ref) };
}

/** `name` or `name@version` (a dataset version number). */
export function parseDatasetRef(raw: string, field = 'dataset'): { readonly name: string; readonly version: number | undefined } {
  const at = raw.lastIndexOf('@');
  if (at === -1) return { name: raw, version: undefined };
  const version = raw.slice(at + 1);
  if (!/^\d{1,9}$/.test(version) || Number(version) < 1) throw invalid(field, `${field} must be name or name@version with a version number ≥ 1, got "${raw.slice(0, 80)}"`);
  return { name: raw.slice(0, at), version: Number(version) };
}

export interface LabelledRow {
  readonly text: string;
  readonly label: number;
}

/** One version's data as its training split it: the rows it evaluated on, and the rows it learnt from (train and validation). */
export interface HeldOutSplit<R extends LabelledRow> {
  readonly test: readonly R[];
  readonly seen: readonly LabelledRow[];
}

/**
 * The rows neither version learnt from: every row either one held out for testing (a's first,
 * then b's new ones, each once) that is in neither one's training or validation rows. Rows are
 * matched by text AND label. Two versions trained on the same data and split get exactly their
 * common test rows; a version trained on other data adds its own test rows the first never saw.
 */
export function heldOutByBoth<R extends LabelledRow>(a: HeldOutSplit<R>, b: HeldOutSplit<R>): R[] {
  const seen = new Set<string>();
  for (const row of a.seen) seen.add(rowKey(row));
  for (const row of b.seen) seen.add(rowKey(row));
  const out: R[] = [];
  for (const row of [...a.test, ...b.test]) {
    const key = rowKey(row);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(row);
  }
  return out;
}

/** `rows` less every row in one of the `seen` lists (matched by text and label), in order, and how many were left out. */
export function withoutSeen<R extends LabelledRow>(rows: readonly R[], seen: ReadonlyArray<readonly LabelledRow[]>): { kept: R[]; excluded: number } {
  const keys = new Set<string>();
  for (const list of seen) for (const row of list) keys.add(rowKey(row));
  const kept = rows.filter((row) => !keys.has(rowKey(row)));
  return { kept, excluded: rows.length - kept.length };
}

function rowKey(row: LabelledRow): string {
  return `${row.label}\u0000${row.text}`;
}

