/**
 * Hashed sparse features: word n-grams and character n-grams hashed into a fixed
 * number of buckets, sublinear term frequency, L2 normalisation. N-grams are hashed
 * incrementally over UTF-16 code units, so no substring is ever built.
 */
import { invalid } from '../domain/errors.js';
import { FNV_OFFSET, fmix32, fnvStep, combineHashes } from './hash.js';
import { LETTER_OR_DIGIT } from './char-classes.js';

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
  /**
   * 0 = off (the text, or its first `maxChars`, is one view). Otherwise the WHOLE normalised
   * text is also read in overlapping windows of about this many characters (half a window
   * apart, cut at spaces), each scored on its own, and the model's margin is the largest
   * (`textViews`): benign text appended, prepended or interleaved cannot outweigh a
   * window that holds the payload. Absent (as in manifests written before it) = 0.
   */
  readonly windowChars?: number;
  /**
   * Adds one feature naming the text's length class (⌊log2(length + 1)⌋), so the model
   * learns a prior per length: without it a short text carries almost no evidence either
   * way, while long ham carries a lot of ham evidence, so "no evidence" scores like spam.
   * Absent (as in manifests written before it) = off.
   */
  readonly lengthPrior?: boolean;
  /**
   * With windows on: the text is also judged with its sentences that the model itself reads
   * as strongly benign left out (`sentencesOf`; the cut and an offset are fitted with the
   * model, see PlattCalibration.trimOffset), so padding an attacker wraps around a payload,
   * before, around or between its pieces, is set aside while the payload is read whole.
   * Absent (as in manifests written before it) = off.
   */
  readonly trimBenignSentences?: boolean;
  /**
   * With windows on (logistic regression): windows are scored by weights of their own, with
   * their own IDF, fitted on the training texts' windows, each labelled as its text (a text no
   * longer than one window is one row). Weights fitted on whole mails judge a window by mail
   * standards: a few hundred characters of everyday text read like a short spam lure, and a
   * payload's window must beat the offset that keeps ham's windows under the line. Weights that
   * learnt what ham's windows look like rank a payload's window further above them. The text's
   * own view keeps the main weights; with `trimBenignSentences` the window weights also judge
   * the sentences and the trimmed view (`Predictor.windowMargin`). Absent (as in manifests
   * written before it) = off.
   */
  readonly windowWeights?: boolean;
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
  windowChars: 0,
  lengthPrior: false,
  trimBenignSentences: false,
  windowWeights: false,
  seed: 0,
  idf: false,
});

/** The featuriser fields every manifest has had; the others read as their `DEFAULT_FEATURIZER` value when absent. */
export const ORIGINAL_FEATURIZER_FIELDS = ['dimsLog2', 'wordNgrams', 'charNgrams', 'sublinearTf', 'signedHash', 'maxChars', 'seed', 'idf'] as const;
export const FEATURIZER_FIELDS = [...ORIGINAL_FEATURIZER_FIELDS, 'windowChars', 'lengthPrior', 'trimBenignSentences', 'windowWeights'] as const satisfies readonly (keyof FeaturizerConfig)[];

/** A featuriser config written before the later fields existed, completed with their off values. */
export function withFeaturizerDefaults<T extends Readonly<Record<string, unknown>>>(config: T): T {
  return {
    windowChars: DEFAULT_FEATURIZER.windowChars,
    lengthPrior: DEFAULT_FEATURIZER.lengthPrior,
    trimBenignSentences: DEFAULT_FEATURIZER.trimBenignSentences,
    windowWeights: DEFAULT_FEATURIZER.windowWeights,
    ...config,
  };
}

/** Smallest window: shorter ones hold a few words, too little to judge. */
export const MIN_WINDOW_CHARS = 64;

/**
 * What a model scores for one normalised text: its first `maxChars` characters (all of it
 * when 0), then, with `windowChars` on and a text longer than one window, windows of about
 * `windowChars` characters starting every half window over the whole text. A window's
 * edges move to the nearest space inside it so no word is cut in two.
 */
export function textViews(normalized: string, config: Pick<FeaturizerConfig, 'maxChars' | 'windowChars'>): string[] {
  const head = config.maxChars > 0 && normalized.length > config.maxChars ? normalized.slice(0, config.maxChars) : normalized;
  const size = config.windowChars ?? 0;
  if (size <= 0 || normalized.length <= size) return [head];
  const views = [head];
  const stride = size >> 1;
  const n = normalized.length;
  for (let start = 0; start < n; start += stride) {
    let from = start;
    if (from > 0) {
      const space = normalized.indexOf(' ', from - 1);
      from = space < 0 || space >= start + stride ? start : space + 1;
    }
    let to = Math.min(n, start + size);
    if (to < n) {
      const space = normalized.lastIndexOf(' ', to);
      if (space > from + stride) to = space;
    }
    views.push(normalized.slice(from, to));
    if (start + size >= n) break;
  }
  return views;
}

// A sentence ends at . ! or ? (closing quotes and brackets kept with it) followed by a space.
const SENTENCE_END = /[.!?]+["')\]]*(?= )/g;

/**
 * The sentences of a normalised text (whitespace already collapsed, so paragraph breaks are
 * gone and punctuation is what is left of its structure), in order; a sentence longer than
 * `maxChars` is cut at spaces into pieces of at most about that length, so a text without
 * punctuation still falls into pieces.
 */
export function sentencesOf(normalized: string, maxChars: number): string[] {
  const out: string[] = [];
  const push = (sentence: string): void => {
    if (sentence.length <= maxChars) {
      if (sentence.length > 0) out.push(sentence);
      return;
    }
    for (let from = 0; from < sentence.length; ) {
      let to = Math.min(sentence.length, from + maxChars);
      if (to < sentence.length) {
        const space = sentence.lastIndexOf(' ', to);
        if (space > from + (maxChars >> 1)) to = space;
      }
      const piece = sentence.slice(from, to).trim();
      if (piece.length > 0) out.push(piece);
      from = to;
    }
  };
  let from = 0;
  SENTENCE_END.lastIndex = 0;
  for (let m = SENTENCE_END.exec(normalized); m !== null; m = SENTENCE_END.exec(normalized)) {
    const end = m.index + m[0].length;
    push(normalized.slice(from, end).trim());
    from = end + 1;
  }
  if (from < normalized.length) push(normalized.slice(from).trim());
  return out;
}

/** One sparse row: parallel arrays; indices are distinct but not sorted. */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/**
 * Receives the distinct buckets of a featurised text with a non-zero count, in the order
 * `featurize` lists them: `indices[0..count)`. A scratch buffer, valid during the call only.
 */
export type BucketVisitor = (indices: Int32Array, count: number) => void;

/** Turns normalised text into a hashed sparse vector. Reuses scratch buffers: not re-entrant. */
export interface Featurizer {
  readonly config: FeaturizerConfig;
  readonly dims: number;
  featurize(text: string): SparseVector;
  /**
   * Exactly `sparseDot(featurize(text), weights)` without building the vector (the
   * serving path of linear models). With IDF, the first call for a weights array builds a
   * 2·dims interleaved copy of idf and weights, kept while the same array is passed.
   * `visit` is shown the buckets, exactly `featurize(text).indices`: a caller that also wants
   * to know which features the text has (monitoring's out-of-vocabulary share) gets them
   * from the hashing the score pays for anyway.
   */
  linearScore(text: string, weights: Float32Array, visit?: BucketVisitor): number;
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
  const windowChars = config.windowChars ?? 0;
  if (!isInt(windowChars) || (windowChars !== 0 && (windowChars < MIN_WINDOW_CHARS || windowChars > 100_000))) {
    throw invalid(`${path}.windowChars`, `windowChars must be 0 (off) or an integer from ${MIN_WINDOW_CHARS} to 100000`);
  }
  if (!isInt(config.seed) || config.seed < 0 || config.seed > 0xffffffff) {
    throw invalid(`${path}.seed`, 'seed must be an unsigned 32-bit integer');
  }
  if (typeof config.idf !== 'boolean') throw invalid(`${path}.idf`, 'idf must be a boolean');
  if (config.lengthPrior !== undefined && typeof config.lengthPrior !== 'boolean') throw invalid(`${path}.lengthPrior`, 'lengthPrior must be a boolean');
  if (config.trimBenignSentences !== undefined && typeof config.trimBenignSentences !== 'boolean') {
    throw invalid(`${path}.trimBenignSentences`, 'trimBenignSentences must be a boolean');
  }
  if (config.trimBenignSentences === true && windowChars === 0) throw invalid(`${path}.trimBenignSentences`, 'trimBenignSentences needs windowChars');
  if (config.windowWeights !== undefined && typeof config.windowWeights !== 'boolean') throw invalid(`${path}.windowWeights`, 'windowWeights must be a boolean');
  if (config.windowWeights === true && windowChars === 0) throw invalid(`${path}.windowWeights`, 'windowWeights needs windowChars');
}
const key0 = (range: readonly [number, number]): boolean => range[1] === 0;

const WORD_CHAR = LETTER_OR_DIGIT;

// 1 + ln(c) for small counts (the same doubles Math.log gives; most counts are 1–3).
const LOG_TF = Float64Array.from({ length: 256 }, (_, c) => (c === 0 ? 0 : 1 + Math.log(c)));

// Distinct seeds per n-gram kind, so "abc" as a word and as a character 3-gram land in different buckets.
const WORD_SALT = 0x5bd1e995;
const BIGRAM_SALT = 0x27d4eb2f;
const CHAR_SALT = 0x165667b1;
const LENGTH_SALT = 0x61c88647;

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
  const lengthPrior = config.lengthPrior === true;
  const wordOffset = (FNV_OFFSET ^ seed ^ WORD_SALT) | 0;
  const charOffset = (FNV_OFFSET ^ seed ^ CHAR_SALT) | 0;
  const bigramSalt = (BIGRAM_SALT ^ seed) | 0;

  // Per-document counts live in a small open-addressing table keyed by bucket (sized
  // to the document, reused across documents) instead of a dense array of `dims` cells:
  // the dense 4 MiB array at 2^20 dims missed the cache on nearly every n-gram.
  // table[2·slot] = bucket + 1 (0 = empty), table[2·slot + 1] = signed count (key and
  // count share a cache line); slots[] keeps the first-seen order, so the output (and
  // its float rounding) is exactly what the dense-array version produced.
  let capLog2 = 12;
  let table = new Int32Array(2 << capLog2);
  let slots = new Int32Array(1 << capLog2);
  let used = 0;

  /** Sizes the (empty) table for at most `n` distinct keys, load ≤ 3/4 so probing always ends. */
  const reserve = (n: number): void => {
    let log2 = capLog2;
    while (n * 4 > 3 << log2) log2++;
    if (log2 === capLog2) return;
    capLog2 = log2;
    table = new Int32Array(2 << log2);
    slots = new Int32Array(1 << log2);
  };

  /** Counts one hashed n-gram. The caller has reserved room. */
  const add = (h: number): void => {
    const key = (h & mask) + 1;
    const capMask = (1 << capLog2) - 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> (32 - capLog2);
    // The sign bit is independent of the low bits used for the index after fmix32.
    const step = signed && h < 0 ? -1 : 1;
    for (;;) {
      const k = table[2 * slot]!;
      if (k === key) {
        table[2 * slot + 1]! += step;
        return;
      }
      if (k === 0) {
        table[2 * slot] = key;
        table[2 * slot + 1] = step;
        slots[used++] = slot;
        return;
      }
      slot = (slot + 1) & capMask;
    }
  };

  /** Counts the n-grams of `input` into the table; returns how many distinct buckets (slots[0..used)). */
  const countNgrams = (input: string): number => {
    const text = config.maxChars > 0 && input.length > config.maxChars ? input.slice(0, config.maxChars) : input;
    const n = text.length;
    used = 0;
    // Upper bound on distinct n-grams: ≤ 2 word grams per word (≤ n/2 + 1 words) and
    // ≤ (charMax − charMin + 1) character grams per position.
    reserve((wordMax > 0 ? n + 2 : 0) + (charMax > 0 ? n * (charMax - charMin + 1) : 0) + 1);
    if (lengthPrior) add(fmix32((FNV_OFFSET ^ seed ^ LENGTH_SALT) + (31 - Math.clz32(n + 1))));

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
      // The hottest loop (3 n-grams per character): `add` inlined by hand over locals.
      const t = table;
      const order = slots;
      const shift = 32 - capLog2;
      const capMask = (1 << capLog2) - 1;
      let u = used;
      for (let i = 0; i + charMin <= n; i++) {
        let h = charOffset;
        const end = Math.min(charMax, n - i);
        for (let k = 0; k < end; k++) {
          h = Math.imul(h ^ text.charCodeAt(i + k), 0x01000193);
          if (k + 1 >= charMin) {
            const g = fmix32(h ^ (k + 1));
            const key = (g & mask) + 1;
            const step = signed && g < 0 ? -1 : 1;
            let slot = Math.imul(key, 0x9e3779b1) >>> shift;
            for (;;) {
              const kk = t[2 * slot]!;
              if (kk === key) {
                t[2 * slot + 1]! += step;
                break;
              }
              if (kk === 0) {
                t[2 * slot] = key;
                t[2 * slot + 1] = step;
                order[u++] = slot;
                break;
              }
              slot = (slot + 1) & capMask;
            }
          }
        }
      }
      used = u;
    }

    return used;
  };

  // tf weight of a signed count: 1 + ln|c| with c's sign (sublinear), or c itself.
  const sublinear = config.sublinearTf;
  const tf = (c: number): number =>
    sublinear ? (c > 0 ? (c < LOG_TF.length ? LOG_TF[c]! : 1 + Math.log(c)) : c > -LOG_TF.length ? -LOG_TF[-c]! : -1 - Math.log(-c)) : c;

  const featurize = (input: string): SparseVector => {
    const n = countNgrams(input);
    const indices = new Int32Array(n);
    const values = new Float32Array(n);
    let out = 0;
    let sumSq = 0;
    for (let t = 0; t < n; t++) {
      const slot = slots[t]!;
      const idx = table[2 * slot]! - 1;
      const c = table[2 * slot + 1]!;
      table[2 * slot] = 0;
      if (c === 0) continue; // signed collisions cancelled out
      let v = tf(c);
      if (idf !== undefined) v *= idf[idx]!;
      indices[out] = idx;
      values[out] = v;
      sumSq += v * v;
      out++;
    }
    used = 0;
    const scale = sumSq > 0 ? 1 / Math.sqrt(sumSq) : 0;
    for (let t = 0; t < out; t++) values[t]! *= scale;
    return out === indices.length ? { indices, values } : { indices: indices.slice(0, out), values: values.slice(0, out) };
  };

  // linearScore: with IDF, idf[j] and weights[j] are interleaved in one array so each
  // bucket costs one cache miss instead of two (built on first use for a weights array).
  let pairsFor: Float32Array | undefined;
  let pairs: Float32Array | undefined;
  let scratchIdx = new Int32Array(0);
  let scratchVal = new Float32Array(0);
  const linearScore = (input: string, weights: Float32Array, visit?: BucketVisitor): number => {
    if (weights.length !== dims) throw new Error(`weights have ${weights.length} values, the featuriser ${dims} buckets`);
    if (idf !== undefined && pairsFor !== weights) {
      pairs = new Float32Array(2 * dims);
      for (let j = 0; j < dims; j++) {
        pairs[2 * j] = idf[j]!;
        pairs[2 * j + 1] = weights[j]!;
      }
      pairsFor = weights;
    }
    const n = countNgrams(input);
    if (scratchIdx.length < n) {
      scratchIdx = new Int32Array(slots.length);
      scratchVal = new Float32Array(slots.length);
    }
    const p = idf !== undefined ? pairs! : undefined;
    let out = 0;
    let sumSq = 0;
    for (let t = 0; t < n; t++) {
      const slot = slots[t]!;
      const idx = table[2 * slot]! - 1;
      const c = table[2 * slot + 1]!;
      table[2 * slot] = 0;
      if (c === 0) continue;
      let v = tf(c);
      if (p !== undefined) v *= p[2 * idx]!;
      scratchIdx[out] = idx;
      scratchVal[out] = v;
      sumSq += v * v;
      out++;
    }
    used = 0;
    visit?.(scratchIdx, out);
    const scale = sumSq > 0 ? 1 / Math.sqrt(sumSq) : 0;
    // The same float32 roundings and summation order as sparseDot(featurize(input), weights).
    let sum = 0;
    if (p !== undefined) {
      for (let k = 0; k < out; k++) sum += Math.fround(scratchVal[k]! * scale) * p[2 * scratchIdx[k]! + 1]!;
    } else {
      for (let k = 0; k < out; k++) sum += Math.fround(scratchVal[k]! * scale) * weights[scratchIdx[k]!]!;
    }
    return sum;
  };

  return { config, dims, featurize, linearScore };
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
  for (const row of rows) countDocument(df, row);
  return idfOf(df, rows.length);
}

/** Adds one row to document frequencies (`fitIdf` a row at a time). */
export function countDocument(df: Uint32Array, row: SparseVector): void {
  for (let k = 0; k < row.indices.length; k++) df[row.indices[k]!]!++;
}

/** The idf of document frequencies counted over `documents` rows. */
export function idfOf(df: Uint32Array, documents: number): Float32Array {
  const idf = new Float32Array(df.length);
  for (let j = 0; j < df.length; j++) idf[j] = Math.log((1 + documents) / (1 + df[j]!)) + 1;
  return idf;
}

/** Rows re-weighted by `idf` and re-normalised to unit L2 norm (new arrays; the input is untouched). */
export function applyIdf(rows: readonly SparseVector[], idf: Float32Array): SparseVector[] {
  return rows.map((row) => weighRow(row, idf));
}

/** One row of `applyIdf`. */
export function weighRow({ indices, values }: SparseVector, idf: Float32Array): SparseVector {
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
}

/** Dot product of a sparse row with a dense weight vector. */
export function sparseDot(row: SparseVector, weights: Float32Array): number {
  const { indices, values } = row;
  let sum = 0;
  for (let k = 0; k < indices.length; k++) sum += values[k]! * weights[indices[k]!]!;
  return sum;
}
