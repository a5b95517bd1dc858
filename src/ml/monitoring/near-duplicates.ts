/**
 * Bursts of near-duplicate inputs (a spam or phishing campaign, an attacker retrying one
 * payload with small edits): a MinHash signature of each input's set of words, and a
 * sliding window of recent signatures that answers "how many recent inputs share most of
 * this one's words?" through locality-sensitive hashing (bands), without comparing against
 * the whole window. The per-interval share of inputs with a near duplicate is a reading for
 * the anomaly detectors (domain/monitoring/anomaly.ts), calibrated on quiet traffic, since
 * ordinary traffic has duplicates of its own ("thanks!").
 */
import { LETTER_OR_DIGIT } from '../char-classes.js';
import { FNV_OFFSET, combineHashes, fmix32, fnvStep } from '../hash.js';

/** Hash functions per signature: the Jaccard estimate's standard error is √(J(1−J)/64) ≤ 0.0625. */
export const MINHASH_SIZE = 64;
const BANDS = 8;
const ROWS = MINHASH_SIZE / BANDS;

// Hash k of a word is (A[k]·w + B[k]) mod 2³² over the word's mixed 32-bit hash w: one
// multiply-add per function (a multiply-add family over well-mixed keys is near enough to
// min-wise independent for estimates at 64 functions), instead of a full mix per function.
const MULTIPLIERS = Int32Array.from({ length: MINHASH_SIZE }, (_, i) => fmix32(0x9e3779b9 + i * 0x632be5ab) | 1);
const OFFSETS = Int32Array.from({ length: MINHASH_SIZE }, (_, i) => fmix32(0x85ebca6b ^ (i * 0x27d4eb2f)));
let wordHashes = new Int32Array(256);

/**
 * MinHash of the text's set of words (runs of letters and digits, as the featuriser cuts
 * them): for each of 64 hash functions, the smallest hash over the distinct words. The share
 * of equal entries between two signatures estimates the Jaccard similarity of the word sets.
 * Pass the normalised text, so case, invisible characters and look-alikes do not hide a
 * duplicate. A text without words gets the all-0xffffffff signature (equal to every other such text).
 */
export function minHash(text: string): Uint32Array {
  const n = text.length;
  let words = 0;
  let h = FNV_OFFSET | 0;
  let inWord = false;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 32;
    if (LETTER_OR_DIGIT[c] === 1) {
      h = fnvStep(h, c);
      inWord = true;
    } else if (inWord) {
      if (words === wordHashes.length) {
        const grown = new Int32Array(2 * words);
        grown.set(wordHashes);
        wordHashes = grown;
      }
      wordHashes[words++] = fmix32(h);
      h = FNV_OFFSET | 0;
      inWord = false;
    }
  }
  // A set, not a bag: repeated words ("the", "your") are hashed once.
  const distinct = wordHashes.subarray(0, words).sort();
  const signature = new Uint32Array(MINHASH_SIZE).fill(0xffffffff);
  for (let w = 0; w < words; w++) {
    const word = distinct[w]!;
    if (w > 0 && word === distinct[w - 1]) continue;
    for (let k = 0; k < MINHASH_SIZE; k++) {
      const v = (Math.imul(word, MULTIPLIERS[k]!) + OFFSETS[k]!) >>> 0;
      if (v < signature[k]!) signature[k] = v;
    }
  }
  return signature;
}

/** Estimated Jaccard similarity of the word sets behind two signatures: the share of equal entries. */
export function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  let equal = 0;
  for (let k = 0; k < MINHASH_SIZE; k++) if (a[k] === b[k]) equal++;
  return equal / MINHASH_SIZE;
}

export interface NearDuplicateWindowOptions {
  /** How many recent inputs the window remembers. */
  readonly capacity: number;
  /** Estimated Jaccard similarity from which two inputs are near duplicates, in (0, 1]. */
  readonly minSimilarity: number;
}

export const DEFAULT_NEAR_DUPLICATE_WINDOW: NearDuplicateWindowOptions = Object.freeze({ capacity: 1000, minSimilarity: 0.8 });

/**
 * The last `capacity` signatures, indexed by 8 bands of 8 entries: two inputs become
 * candidates when a whole band agrees, which happens with probability 1 − (1 − J⁸)⁸ —
 * 0.99 at J = 0.9, 0.83 at J = 0.8, 0.03 at J = 0.5 — so a look-up compares only inputs
 * likely to be near duplicates. Candidates are then kept when their estimated J reaches
 * `minSimilarity`.
 */
export class NearDuplicateWindow {
  private readonly capacity: number;
  private readonly minSimilarity: number;
  private readonly signatures: Uint32Array;
  private readonly keys: Int32Array;
  private readonly bands: Map<number, number[]>[] = Array.from({ length: BANDS }, () => new Map<number, number[]>());
  /** `comparedIn[slot] === lookup` marks a slot already compared in this look-up (a slot may sit in several bands); doubles count exactly to 2^53 look-ups. */
  private readonly comparedIn: Float64Array;
  private lookup = 0;
  private next = 0;
  private size = 0;

  constructor(options: NearDuplicateWindowOptions = DEFAULT_NEAR_DUPLICATE_WINDOW) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${options.capacity}`);
    if (!(options.minSimilarity > 0 && options.minSimilarity <= 1)) throw new RangeError(`minSimilarity must be in (0, 1], got ${options.minSimilarity}`);
    this.capacity = options.capacity;
    this.minSimilarity = options.minSimilarity;
    this.signatures = new Uint32Array(options.capacity * MINHASH_SIZE);
    this.keys = new Int32Array(options.capacity * BANDS);
    this.comparedIn = new Float64Array(options.capacity);
  }

  /**
   * How many inputs in the window are near duplicates of `signature`, counting up to `enough`
   * (a caller asking only whether there is one passes 1: during a campaign every input's band
   * holds the whole window, and counting them all costs a comparison per remembered input);
   * then remembers it (forgetting the oldest when full).
   */
  add(signature: Uint32Array, enough = Number.POSITIVE_INFINITY): number {
    const keys = bandKeys(signature);
    const lookup = ++this.lookup;
    const stored = this.signatures;
    let near = 0;
    for (let band = 0; band < BANDS && near < enough; band++) {
      const slots = this.bands[band]!.get(keys[band]!);
      if (slots === undefined) continue;
      for (let s = 0; s < slots.length && near < enough; s++) {
        const slot = slots[s]!;
        if (this.comparedIn[slot] === lookup) continue;
        this.comparedIn[slot] = lookup;
        let equal = 0;
        const base = slot * MINHASH_SIZE;
        for (let k = 0; k < MINHASH_SIZE; k++) if (stored[base + k] === signature[k]) equal++;
        if (equal / MINHASH_SIZE >= this.minSimilarity) near++;
      }
    }
    const slot = this.next;
    if (this.size === this.capacity) this.forget(slot);
    else this.size++;
    this.signatures.set(signature, slot * MINHASH_SIZE);
    this.keys.set(keys, slot * BANDS);
    for (let band = 0; band < BANDS; band++) {
      const index = this.bands[band]!;
      const slots = index.get(keys[band]!);
      if (slots === undefined) index.set(keys[band]!, [slot]);
      else slots.push(slot);
    }
    this.next = (slot + 1) % this.capacity;
    return near;
  }

  private forget(slot: number): void {
    for (let band = 0; band < BANDS; band++) {
      const key = this.keys[slot * BANDS + band]!;
      const index = this.bands[band]!;
      const slots = index.get(key)!;
      // Slots are appended in arrival order, so the oldest is at the front.
      slots.splice(slots.indexOf(slot), 1);
      if (slots.length === 0) index.delete(key);
    }
  }
}

function bandKeys(signature: Uint32Array): Int32Array {
  const keys = new Int32Array(BANDS);
  for (let band = 0; band < BANDS; band++) {
    let h = band;
    for (let r = 0; r < ROWS; r++) h = combineHashes(h, signature[band * ROWS + r]! | 0);
    keys[band] = h;
  }
  return keys;
}

/**
 * The share of `texts` (one interval's inputs, normalised, in arrival order) that have a
 * near duplicate among the inputs before them in `window` — the reading bursts raise.
 */
export function nearDuplicateShare(window: NearDuplicateWindow, texts: readonly string[]): number {
  if (texts.length === 0) return 0;
  let duplicated = 0;
  for (const text of texts) if (window.add(minHash(text)) > 0) duplicated++;
  return duplicated / texts.length;
}
