/**
 * Hashed sparse features: word n-grams and character n-grams hashed into a fixed
 * number of buckets, sublinear term frequency, L2 normalisation. N-grams are hashed
 * incrementally over UTF-16 code units, so no substring is ever built.
 */
import { invalid } from '../domain/errors.js';
import { FNV_OFFSET, fmix32, fnvStep, combineHashes } from './hash.js';

/** Featuriser settings; stored in the model manifest and validated on load. */
export interface FeaturizerConfig {
  /** log2 of the number of hash buckets (18 → 262,144; 20 → 1,048,576). */
  readonly dimsLog2: number;
  /** Inclusive word n-gram range, e.g. [1, 2]; [0, 0] disables word features. */
  readonly wordNgrams: readonly [number, number];
  /** Inclusive character n-gram range, e.g. [3, 5]; [0, 0] disables character features. */
  readonly charNgrams: readonly [number, number];
  /** Use 1 + ln(tf) instead of raw counts. */
  readonly sublinearTf: boolean;
  /** Signed hashing: each n-gram adds ±1 (reduces collision bias). Naive Bayes needs it off. */
  readonly signedHash: boolean;
  /** Only the first `maxChars` characters of the (normalised) text are featurised; 0 = no limit. */
  readonly maxChars: number;
  /** Hash seed, so two featurisers can hash into independent bucket layouts. */
  readonly seed: number;
  /**
   * Multiply each bucket by its inverse document frequency, ln((1+N)/(1+df)) + 1, learnt
   * on the training rows (`fitIdf`) and stored with the model as the `idf` tensor.
   */
  readonly idf: boolean;
}

export const DEFAULT_FEATURIZER: FeaturizerConfig = Object.freeze({
  dimsLog2: 18,
  wordNgrams: [1, 2] as const,
  charNgrams: [3, 5] as const,
  sublinearTf: true,
  signedHash: true,
  maxChars: 0,
  seed: 0,
  idf: false,
});

/** One sparse row: parallel arrays; indices are distinct but not sorted. */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** Turns normalised text into a hashed sparse vector. Reuses scratch buffers: not re-entrant. */
export interface Featurizer {
  readonly config: FeaturizerConfig;
  readonly dims: number;
  featurize(text: string): SparseVector;
}

/** Throws VALIDATION_FAILED naming the offending field (prefixed by `path`). */
export function validateFeaturizerConfig(config: FeaturizerConfig, path = 'featurizer'): void {
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  if (!isInt(config.dimsLog2) || config.dimsLog2 < 10 || config.dimsLog2 > 24) {
    throw invalid(`${path}.dimsLog2`, 'dimsLog2 must be an integer from 10 to 24');
  }
  for (const key of ['wordNgrams', 'charNgrams'] as const) {
    const range = config[key] as unknown;
    if (
      !Array.isArray(range) ||
      range.length !== 2 ||
      !isInt(range[0]) ||
      !isInt(range[1]) ||
      range[0] < 0 ||
      range[1] < range[0] ||
      range[1] > 8 ||
      (range[0] === 0 && range[1] !== 0)
    ) {
      throw invalid(`${path}.${key}`, `${key} must be [min, max] with 1 ≤ min ≤ max ≤ 8, or [0, 0] to disable`);
    }
  }
  if (key0(config.wordNgrams) && key0(config.charNgrams)) {
    throw invalid(`${path}.wordNgrams`, 'at least one of wordNgrams and charNgrams must be enabled');
  }
  if (config.wordNgrams[1] > 2) throw invalid(`${path}.wordNgrams`, 'word n-grams above 2 are not supported');
  if (typeof config.sublinearTf !== 'boolean') throw invalid(`${path}.sublinearTf`, 'sublinearTf must be a boolean');
  if (typeof config.signedHash !== 'boolean') throw invalid(`${path}.signedHash`, 'signedHash must be a boolean');
  if (!isInt(config.maxChars) || config.maxChars < 0) throw invalid(`${path}.maxChars`, 'maxChars must be an integer ≥ 0');
  if (!isInt(config.seed) || config.seed < 0 || config.seed > 0xffffffff) {
    throw invalid(`${path}.seed`, 'seed must be an unsigned 32-bit integer');
  }
  if (typeof config.idf !== 'boolean') throw invalid(`${path}.idf`, 'idf must be a boolean');
}
const key0 = (range: readonly [number, number]): boolean => range[1] === 0;

// Word characters: letters, digits and surrogate halves (so astral letters and emoji
// stay inside their token). Precomputed once for all 65,536 code units.
const WORD_CHAR = (() => {
  const table = new Uint8Array(65536);
  const letterOrDigit = /[\p{L}\p{N}]/u;
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) table[c] = 1;
    else if (c < 128) table[c] = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? 1 : 0;
    else table[c] = letterOrDigit.test(String.fromCharCode(c)) ? 1 : 0;
  }
  return table;
})();

// Distinct seeds per n-gram kind, so "abc" as a word and as a character 3-gram land in different buckets.
const WORD_SALT = 0x5bd1e995;
const BIGRAM_SALT = 0x27d4eb2f;
const CHAR_SALT = 0x165667b1;

/**
 * Creates a featuriser. Throws VALIDATION_FAILED for a bad config. With `config.idf`,
 * `idfWeights` (dims values, from `fitIdf`) is required.
 */
export function createFeaturizer(config: FeaturizerConfig = DEFAULT_FEATURIZER, idfWeights?: Float32Array): Featurizer {
  validateFeaturizerConfig(config);
  const dims = 1 << config.dimsLog2;
  if (config.idf && (idfWeights === undefined || idfWeights.length !== dims)) {
    throw invalid('featurizer.idf', `idf is on: pass the ${dims} idf weights learnt at training time`);
  }
  const idf = config.idf ? idfWeights : undefined;
  const mask = dims - 1;
  const signed = config.signedHash;
  const [wordMin, wordMax] = config.wordNgrams;
  const [charMin, charMax] = config.charNgrams;
  const seed = config.seed | 0;
  const wordOffset = (FNV_OFFSET ^ seed ^ WORD_SALT) | 0;
  const charOffset = (FNV_OFFSET ^ seed ^ CHAR_SALT) | 0;
  const bigramSalt = (BIGRAM_SALT ^ seed) | 0;

  // One Int32 cell per bucket: (count << 1) | 1 once touched, 0 otherwise. Packing the
  // "seen" bit with the signed count halves the memory the hot loop touches at random.
  const cells = new Int32Array(dims);
  let touched = new Int32Array(4096);
  let nTouched = 0;

  const add = (h: number): void => {
    const idx = h & mask;
    const cell = cells[idx]!;
    // The sign bit is independent of the low bits used for the index after fmix32.
    const step = signed && h < 0 ? -2 : 2;
    if (cell === 0) {
      if (nTouched === touched.length) {
        const grown = new Int32Array(touched.length * 2);
        grown.set(touched);
        touched = grown;
      }
      touched[nTouched++] = idx;
      cells[idx] = 1 + step;
    } else {
      cells[idx] = cell + step;
    }
  };

  const featurize = (input: string): SparseVector => {
    const text = config.maxChars > 0 && input.length > config.maxChars ? input.slice(0, config.maxChars) : input;
    const n = text.length;
    nTouched = 0;

    if (wordMax > 0) {
      let h = wordOffset;
      let inWord = false;
      let prev = 0;
      let hasPrev = false;
      for (let i = 0; i <= n; i++) {
        const c = i < n ? text.charCodeAt(i) : 32;
        if (WORD_CHAR[c] === 1) {
          h = fnvStep(h, c);
          inWord = true;
        } else if (inWord) {
          const word = fmix32(h);
          if (wordMin <= 1) add(word);
          if (wordMax >= 2 && hasPrev) add(combineHashes(prev ^ bigramSalt, word));
          prev = word;
          hasPrev = true;
          h = wordOffset;
          inWord = false;
        }
      }
    }

    if (charMax > 0) {
      for (let i = 0; i + charMin <= n; i++) {
        let h = charOffset;
        const end = Math.min(charMax, n - i);
        for (let k = 0; k < end; k++) {
          h = fnvStep(h, text.charCodeAt(i + k));
          if (k + 1 >= charMin) add(fmix32(h ^ (k + 1)));
        }
      }
    }

    const indices = new Int32Array(nTouched);
    const values = new Float32Array(nTouched);
    let out = 0;
    let sumSq = 0;
    for (let t = 0; t < nTouched; t++) {
      const idx = touched[t]!;
      const c = cells[idx]! >> 1;
      cells[idx] = 0;
      if (c === 0) continue; // signed collisions cancelled out
      let v = config.sublinearTf ? (c > 0 ? 1 + Math.log(c) : -1 - Math.log(-c)) : c;
      if (idf !== undefined) v *= idf[idx]!;
      indices[out] = idx;
      values[out] = v;
      sumSq += v * v;
      out++;
    }
    const scale = sumSq > 0 ? 1 / Math.sqrt(sumSq) : 0;
    for (let t = 0; t < out; t++) values[t]! *= scale;
    return out === nTouched ? { indices, values } : { indices: indices.slice(0, out), values: values.slice(0, out) };
  };

  return { config, dims, featurize };
}

/**
 * Featurises many texts. `onRow` is called after each row (progress reporting) and may
 * throw to abort. A dataset is an array of rows rather than one CSR matrix: growing one
 * large buffer cost more than the featurisation itself.
 */
export function featurizeMany(
  featurizer: Featurizer,
  texts: readonly string[],
  onRow?: (done: number, total: number) => void,
): SparseVector[] {
  const rows: SparseVector[] = new Array<SparseVector>(texts.length);
  for (let r = 0; r < texts.length; r++) {
    rows[r] = featurizer.featurize(texts[r]!);
    onRow?.(r + 1, texts.length);
  }
  return rows;
}

/** Smoothed inverse document frequency per bucket from rows: ln((1+N)/(1+df)) + 1. */
export function fitIdf(rows: readonly SparseVector[], dims: number): Float32Array {
  const df = new Uint32Array(dims);
  for (const row of rows) for (let k = 0; k < row.indices.length; k++) df[row.indices[k]!]!++;
  const idf = new Float32Array(dims);
  const n = rows.length;
  for (let j = 0; j < dims; j++) idf[j] = Math.log((1 + n) / (1 + df[j]!)) + 1;
  return idf;
}

/** Rows re-weighted by `idf` and re-normalised to unit L2 norm (new arrays; the input is untouched). */
export function applyIdf(rows: readonly SparseVector[], idf: Float32Array): SparseVector[] {
  return rows.map(({ indices, values }) => {
    const out = new Float32Array(values.length);
    let sumSq = 0;
    for (let k = 0; k < values.length; k++) {
      const v = values[k]! * idf[indices[k]!]!;
      out[k] = v;
      sumSq += v * v;
    }
    const scale = sumSq > 0 ? 1 / Math.sqrt(sumSq) : 0;
    for (let k = 0; k < out.length; k++) out[k]! *= scale;
    return { indices, values: out };
  });
}

/** Dot product of a sparse row with a dense weight vector. */
export function sparseDot(row: SparseVector, weights: Float32Array): number {
  const { indices, values } = row;
  let sum = 0;
  for (let k = 0; k < indices.length; k++) sum += values[k]! * weights[indices[k]!]!;
  return sum;
}
