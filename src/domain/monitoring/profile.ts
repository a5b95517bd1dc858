/**
 * Reference profiles: a compact, mergeable, JSON-serialisable summary of a distribution,
 * built at training time (scores and each numeric text descriptor) and rebuilt on a live
 * window with the SAME bin layout, so drift tests compare two histograms bin by bin.
 *
 * Fixed bin edges make profiles mergeable by addition (two training shards, two time
 * buckets of a live window) and bound their size (at most MAX_BINS counts per descriptor),
 * whatever the number of rows. Raw values are never kept.
 */
import { invalid } from '../errors.js';

/**
 * Where the bin edges lie. `linear`: `bins` equal-width bins over [min, max] (scores,
 * shares). `log1p`: `bins` equal-width bins of log(1 + v) over [0, log(1 + max)], for
 * non-negative values with a long tail (lengths, counts, rates): 0 has a bin of its own
 * width and small integers stay apart. Values outside the range fall in the end bins
 * (the profile's min and max still record them).
 */
export type BinLayout =
  | { readonly kind: 'linear'; readonly min: number; readonly max: number; readonly bins: number }
  | { readonly kind: 'log1p'; readonly max: number; readonly bins: number };

/**
 * Which small-window test fits the values: `continuous` → Kolmogorov–Smirnov on the fine
 * bins; `discrete` (counts, 0/1 flags, values with big point masses) → chi-square.
 */
export const VALUE_SCALES = ['continuous', 'discrete'] as const;
export type ValueScale = (typeof VALUE_SCALES)[number];

/** What to profile for one named value: its layout and scale. */
export interface ProfileSpec {
  readonly layout: BinLayout;
  readonly scale: ValueScale;
}

/** One distribution's summary; plain data, safe to JSON.stringify and to store. */
export interface DistributionProfile {
  readonly layout: BinLayout;
  readonly scale: ValueScale;
  /** Rows per bin, `layout.bins` entries. */
  readonly counts: readonly number[];
  /** Rows counted (finite values); `counts` sums to it. */
  readonly rows: number;
  /** Rows whose value was NaN or ±Infinity, left out of the bins. */
  readonly missing: number;
  readonly sum: number;
  readonly sumOfSquares: number;
  /** Smallest and largest value seen; null without rows. */
  readonly min: number | null;
  readonly max: number | null;
}

/** Profiles of every monitored value, by name (`score`, `length`, `invisiblePer1k`, …). */
export interface ReferenceProfile {
  readonly formatVersion: 1;
  readonly distributions: Readonly<Record<string, DistributionProfile>>;
}

/** The largest number of bins a layout may have: keeps a profile a few KiB per value. */
export const MAX_BINS = 1000;
/** The most values one reference profile may describe. */
export const MAX_DISTRIBUTIONS = 64;

/** Throws VALIDATION_FAILED naming `field` when the layout is not usable. */
export function validateLayout(layout: unknown, field = 'layout'): BinLayout {
  if (typeof layout !== 'object' || layout === null || Array.isArray(layout)) throw invalid(field, `${field} must be an object`);
  const l = layout as Record<string, unknown>;
  const finite = (key: string): number => {
    const v = l[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${field}.${key}`, `${field}.${key} must be a finite number`);
    return v;
  };
  const bins = l.bins;
  if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 2 || bins > MAX_BINS) {
    throw invalid(`${field}.bins`, `${field}.bins must be an integer from 2 to ${MAX_BINS}`);
  }
  if (l.kind === 'linear') {
    onlyKeys(l, ['kind', 'min', 'max', 'bins'], field);
    const min = finite('min');
    const max = finite('max');
    if (!(max > min)) throw invalid(`${field}.max`, `${field}.max must be greater than ${field}.min`);
    return { kind: 'linear', min, max, bins };
  }
  if (l.kind === 'log1p') {
    onlyKeys(l, ['kind', 'max', 'bins'], field);
    const max = finite('max');
    if (!(max > 0)) throw invalid(`${field}.max`, `${field}.max must be positive`);
    return { kind: 'log1p', max, bins };
  }
  throw invalid(`${field}.kind`, `${field}.kind must be 'linear' or 'log1p'`);
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) throw invalid(`${field}.${key}`, `${field}.${key} is not allowed; known: ${allowed.join(', ')}`);
}

/** The bins+1 edges of a layout, in value space (log1p edges mapped back with expm1). */
export function binEdges(layout: BinLayout): Float64Array {
  const edges = new Float64Array(layout.bins + 1);
  if (layout.kind === 'linear') {
    const width = (layout.max - layout.min) / layout.bins;
    for (let j = 0; j <= layout.bins; j++) edges[j] = layout.min + j * width;
  } else {
    const top = Math.log1p(layout.max);
    for (let j = 0; j <= layout.bins; j++) edges[j] = Math.expm1((j * top) / layout.bins);
  }
  edges[layout.bins] = layout.max;
  return edges;
}

/**
 * A histogram being filled: the mutable builder behind a DistributionProfile. Add values
 * one at a time (`add`, the serving path) or a column at once (`addAll`, a tight loop over a
 * typed array), merge another one with the same layout, then freeze it with `toProfile`.
 */
export class Histogram {
  readonly spec: ProfileSpec;
  readonly counts: Float64Array;
  rows = 0;
  missing = 0;
  sum = 0;
  sumOfSquares = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  // Linear: v → floor((v − origin) · scale), clamped to [0, bins − 1]. Log1p: see Log1pBins.
  private readonly origin: number;
  private readonly scale: number;
  private readonly log: Log1pBins | undefined;

  constructor(spec: ProfileSpec) {
    this.spec = { layout: validateLayout(spec.layout), scale: spec.scale };
    const { layout } = this.spec;
    this.counts = new Float64Array(layout.bins);
    if (layout.kind === 'linear') {
      this.origin = layout.min;
      this.scale = layout.bins / (layout.max - layout.min);
      this.log = undefined;
    } else {
      this.origin = 0;
      this.scale = 0;
      this.log = log1pBins(layout);
    }
  }

  /** A histogram with the layout and scale of `profile`, empty: the live side of a comparison. */
  static like(profile: DistributionProfile): Histogram {
    return new Histogram({ layout: profile.layout, scale: profile.scale });
  }

  /** Restores a profile's counts into a builder (to merge more rows into it). */
  static from(profile: DistributionProfile): Histogram {
    const h = Histogram.like(profile);
    h.merge(profile);
    return h;
  }

  /** Counts one value; NaN and ±Infinity count as missing. */
  add(value: number): void {
    ONE_VALUE[0] = value;
    this.addAll(ONE_VALUE);
  }

  /** Counts every value of a column (a typed array is fastest); O(n), no allocation. */
  addAll(values: ArrayLike<number>): void {
    const n = values.length;
    const counts = this.counts;
    const last = counts.length - 1;
    let rows = 0;
    let sum = 0;
    let sumOfSquares = 0;
    let min = this.min;
    let max = this.max;
    // Two loops rather than a branch per value: each stays small and monomorphic.
    if (this.log === undefined) {
      const origin = this.origin;
      const scale = this.scale;
      for (let i = 0; i < n; i++) {
        const value = values[i]!;
        // NaN fails every comparison, ±Infinity the subtraction check: both are skipped here.
        if (!(value - value === 0)) continue;
        let bin = ((value - origin) * scale) | 0;
        // `| 0` truncates towards zero and overflows int32 far outside: clamp on the float too.
        if (value < origin) bin = 0;
        else if (bin > last || bin < 0) bin = last;
        counts[bin]!++;
        rows++;
        sum += value;
        sumOfSquares += value * value;
        if (value < min) min = value;
        if (value > max) max = value;
      }
    } else {
      const { edges, cells } = this.log;
      const scale = this.log.scale;
      const f32 = FLOAT_BITS;
      const u32 = UINT_BITS;
      for (let i = 0; i < n; i++) {
        const value = values[i]!;
        if (!(value - value === 0)) continue;
        let bin: number;
        if (value <= 0) bin = 0;
        else if (value >= edges[last + 1]!) bin = last;
        else {
          if (cells !== undefined) {
            f32[0] = 1 + value;
            bin = cells[u32[0]! >>> CELL_SHIFT]!;
          } else {
            bin = (Math.log1p(value) * scale) | 0;
            if (bin > last) bin = last;
          }
          // The guess is off by at most one either way (a float32 or log rounding): the edges decide.
          if (value < edges[bin]!) bin--;
          else if (value >= edges[bin + 1]! && bin < last) bin++;
        }
        counts[bin]!++;
        rows++;
        sum += value;
        sumOfSquares += value * value;
        if (value < min) min = value;
        if (value > max) max = value;
      }
    }
    this.missing += n - rows;
    this.rows += rows;
    this.sum += sum;
    this.sumOfSquares += sumOfSquares;
    this.min = min;
    this.max = max;
  }

  /** Adds another histogram or profile of the same layout; throws RangeError otherwise. */
  merge(other: Histogram | DistributionProfile): void {
    const otherSpec = other instanceof Histogram ? other.spec : other;
    if (!sameLayout(this.spec.layout, otherSpec.layout)) throw new RangeError('cannot merge histograms with different bin layouts');
    const counts = other.counts;
    for (let j = 0; j < this.counts.length; j++) this.counts[j]! += counts[j]!;
    this.rows += other.rows;
    this.missing += other.missing;
    this.sum += other.sum;
    this.sumOfSquares += other.sumOfSquares;
    if (other.min !== null && other.min < this.min) this.min = other.min;
    if (other.max !== null && other.max > this.max) this.max = other.max;
  }

  toProfile(): DistributionProfile {
    return {
      layout: this.spec.layout,
      scale: this.spec.scale,
      counts: Array.from(this.counts),
      rows: this.rows,
      missing: this.missing,
      sum: this.sum,
      sumOfSquares: this.sumOfSquares,
      min: this.rows > 0 ? this.min : null,
      max: this.rows > 0 ? this.max : null,
    };
  }
}

/**
 * How a log1p layout finds a value's bin without a logarithm per value: the top 16 bits of
 * float32(1 + v) (exponent and 7 mantissa bits: cells 0.8 % wide) index a table of the bin
 * each cell starts in; the exact edges then settle the value. Bin j holds [edges[j],
 * edges[j + 1]) for every path. Layouts whose bins are narrower than two cells fall back to
 * Math.log1p. Tables are shared by every histogram of the same layout.
 */
interface Log1pBins {
  readonly edges: Float64Array;
  readonly scale: number;
  readonly cells: Uint16Array | undefined;
}

const CELL_SHIFT = 16;
// add() goes through addAll's loop with this scratch column: one binning rule, no allocation.
const ONE_VALUE = new Float64Array(1);
const FLOAT_BITS = new Float32Array(1);
const UINT_BITS = new Uint32Array(FLOAT_BITS.buffer);
const log1pTables = new Map<string, Log1pBins>();

function log1pBins(layout: Extract<BinLayout, { kind: 'log1p' }>): Log1pBins {
  const key = `${layout.max}/${layout.bins}`;
  const known = log1pTables.get(key);
  if (known !== undefined) return known;
  const scale = layout.bins / Math.log1p(layout.max);
  const edges = binEdges(layout);
  let cells: Uint16Array | undefined;
  if (1 / scale > 2 * Math.log1p(2 ** -7)) {
    cells = new Uint16Array(1 << (32 - CELL_SHIFT));
    const bits = new Uint32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    // 1 + v ≥ 1: cells from float32(1.0) up, to +Infinity.
    for (let cell = 0x3f80; cell < cells.length; cell++) {
      bits[0] = cell << CELL_SHIFT;
      const start = asFloat[0]! - 1;
      cells[cell] = Number.isNaN(start) ? layout.bins - 1 : Math.min(layout.bins - 1, Math.max(0, Math.floor(Math.log1p(start) * scale)));
    }
  }
  const table = { edges, scale, cells };
  log1pTables.set(key, table);
  return table;
}

export function sameLayout(a: BinLayout, b: BinLayout): boolean {
  if (a.kind === 'linear' && b.kind === 'linear') return a.min === b.min && a.max === b.max && a.bins === b.bins;
  if (a.kind === 'log1p' && b.kind === 'log1p') return a.max === b.max && a.bins === b.bins;
  return false;
}

/** Mean and standard deviation (population) of a profile's values; null without rows. */
export function profileMoments(profile: DistributionProfile): { mean: number; sd: number } | null {
  if (profile.rows === 0) return null;
  const mean = profile.sum / profile.rows;
  return { mean, sd: Math.sqrt(Math.max(0, profile.sumOfSquares / profile.rows - mean * mean)) };
}

/**
 * Profiles each named column with its spec. Columns missing from `columns` are an error
 * (a RangeError: the caller's bug); columns without a spec are ignored.
 */
export function buildReferenceProfile(specs: Readonly<Record<string, ProfileSpec>>, columns: Readonly<Record<string, ArrayLike<number>>>): ReferenceProfile {
  const distributions: Record<string, DistributionProfile> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const column = columns[name];
    if (column === undefined) throw new RangeError(`no column for the profiled value '${name}'`);
    const histogram = new Histogram(spec);
    histogram.addAll(column);
    distributions[name] = histogram.toProfile();
  }
  return { formatVersion: 1, distributions };
}

/**
 * Sums two reference profiles value by value (two training shards, two windows). Both must
 * profile the same names with the same layouts; throws RangeError otherwise.
 */
export function mergeReferenceProfiles(a: ReferenceProfile, b: ReferenceProfile): ReferenceProfile {
  const names = Object.keys(a.distributions);
  const otherNames = Object.keys(b.distributions);
  if (names.length !== otherNames.length || otherNames.some((name) => !(name in a.distributions))) {
    throw new RangeError(`profiles describe different values: ${names.join(', ')} vs ${otherNames.join(', ')}`);
  }
  const distributions: Record<string, DistributionProfile> = {};
  for (const name of names) {
    const histogram = Histogram.from(a.distributions[name]!);
    histogram.merge(b.distributions[name]!);
    distributions[name] = histogram.toProfile();
  }
  return { formatVersion: 1, distributions };
}

/**
 * Checks a stored or uploaded profile (parsed JSON) strictly and returns it typed: every
 * field present and well formed, no extra keys, counts consistent with `rows`. Throws
 * VALIDATION_FAILED naming the first bad field (prefixed by `field`).
 */
export function parseReferenceProfile(value: unknown, field = 'profile'): ReferenceProfile {
  const object = (v: unknown, at: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(at, `${at} must be an object`);
    return v as Record<string, unknown>;
  };
  const root = object(value, field);
  onlyKeys(root, ['formatVersion', 'distributions'], field);
  if (root.formatVersion !== 1) throw invalid(`${field}.formatVersion`, `${field}.formatVersion must be 1`);
  const entries = Object.entries(object(root.distributions, `${field}.distributions`));
  if (entries.length > MAX_DISTRIBUTIONS) throw invalid(`${field}.distributions`, `${field}.distributions may describe at most ${MAX_DISTRIBUTIONS} values`);
  const distributions: Record<string, DistributionProfile> = {};
  for (const [name, raw] of entries) {
    const at = `${field}.distributions.${name}`;
    if (!/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(name)) throw invalid(at, `${at}: a value name is a letter then up to 63 letters, digits, '_', '.' or '-'`);
    distributions[name] = parseDistribution(object(raw, at), at);
  }
  return { formatVersion: 1, distributions };
}

function parseDistribution(d: Record<string, unknown>, at: string): DistributionProfile {
  onlyKeys(d, ['layout', 'scale', 'counts', 'rows', 'missing', 'sum', 'sumOfSquares', 'min', 'max'], at);
  const layout = validateLayout(d.layout, `${at}.layout`);
  if (!VALUE_SCALES.includes(d.scale as ValueScale)) throw invalid(`${at}.scale`, `${at}.scale must be one of ${VALUE_SCALES.join(', ')}`);
  const count = (key: string): number => {
    const v = d[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw invalid(`${at}.${key}`, `${at}.${key} must be a non-negative integer`);
    return v;
  };
  const finite = (key: string): number => {
    const v = d[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${at}.${key}`, `${at}.${key} must be a finite number`);
    return v;
  };
  const rows = count('rows');
  const missing = count('missing');
  if (!Array.isArray(d.counts) || d.counts.length !== layout.bins) throw invalid(`${at}.counts`, `${at}.counts must be an array of ${layout.bins} counts`);
  let total = 0;
  for (const [j, c] of (d.counts as unknown[]).entries()) {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) throw invalid(`${at}.counts.${j}`, `${at}.counts.${j} must be a non-negative integer`);
    total += c;
  }
  if (total !== rows) throw invalid(`${at}.counts`, `${at}.counts sum to ${total}, not to rows (${rows})`);
  const sum = finite('sum');
  const sumOfSquares = finite('sumOfSquares');
  const bound = (key: 'min' | 'max'): number | null => {
    if (rows === 0) {
      if (d[key] !== null) throw invalid(`${at}.${key}`, `${at}.${key} must be null when rows is 0`);
      return null;
    }
    return finite(key);
  };
  const min = bound('min');
  const max = bound('max');
  if (min !== null && max !== null && min > max) throw invalid(`${at}.min`, `${at}.min must not exceed ${at}.max`);
  return { layout, scale: d.scale as ValueScale, counts: d.counts as number[], rows, missing, sum, sumOfSquares, min, max };
}
