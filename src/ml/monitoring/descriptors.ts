/**
 * Text descriptors of one input, for drift monitoring: numbers that move when the traffic
 * changes the way attackers change it (hidden characters, look-alike scripts, encoded
 * payloads, spaced-out words, padding past what the model reads, words it never saw).
 * Pure; one pass over the code units for the character statistics, plus one regex scan
 * each for URLs and base64 and the normaliser's spaced-letter scanner.
 *
 * Each descriptor has a profile spec (bin layout and scale) so the training job can build
 * the reference profile and the monitoring service the live one with the same bins.
 */
import type { ProfileSpec } from '../../domain/monitoring/profile.js';
import { INVISIBLE_BMP, LETTER_OR_DIGIT, isInvisibleCodePoint, scriptTableByCodeUnit } from '../char-classes.js';
import { scanSpacedLetterRuns } from '../normalize.js';
import type { Featurizer, SparseVector } from '../features.js';

/** The descriptors, in the order they are reported. */
export const TEXT_DESCRIPTORS = [
  'length',
  'tokens',
  'nonAsciiShare',
  'invisiblePer1k',
  'mixedScriptTokens',
  'urls',
  'base64Spans',
  'spacedLetterRuns',
  'beyondMaxShare',
  'oovShare',
] as const;
export type TextDescriptor = (typeof TEXT_DESCRIPTORS)[number];

/** One input's descriptors. `oovShare` is NaN when no vocabulary was given (a histogram counts it as missing). */
export type TextDescriptors = Record<TextDescriptor, number>;

/**
 * How each descriptor is binned. Shares are linear on [0, 1]; lengths and counts log1p, so
 * 0 and the small counts keep bins of their own. `discrete` where most inputs share a few
 * values (0 invisible characters, 0 URLs): chi-square then suits small windows better than KS.
 */
export const TEXT_DESCRIPTOR_SPECS: Readonly<Record<TextDescriptor, ProfileSpec>> = Object.freeze({
  length: { layout: { kind: 'log1p', max: 1_000_000, bins: 60 }, scale: 'continuous' },
  tokens: { layout: { kind: 'log1p', max: 200_000, bins: 60 }, scale: 'continuous' },
  nonAsciiShare: { layout: { kind: 'linear', min: 0, max: 1, bins: 50 }, scale: 'discrete' },
  invisiblePer1k: { layout: { kind: 'log1p', max: 1000, bins: 40 }, scale: 'discrete' },
  mixedScriptTokens: { layout: { kind: 'log1p', max: 10_000, bins: 40 }, scale: 'discrete' },
  urls: { layout: { kind: 'log1p', max: 10_000, bins: 40 }, scale: 'discrete' },
  base64Spans: { layout: { kind: 'log1p', max: 1000, bins: 30 }, scale: 'discrete' },
  spacedLetterRuns: { layout: { kind: 'log1p', max: 1000, bins: 30 }, scale: 'discrete' },
  beyondMaxShare: { layout: { kind: 'linear', min: 0, max: 1, bins: 50 }, scale: 'discrete' },
  oovShare: { layout: { kind: 'linear', min: 0, max: 1, bins: 50 }, scale: 'continuous' },
});

/** The model's calibrated probability of the positive class. */
export const SCORE_SPEC: ProfileSpec = Object.freeze({ layout: { kind: 'linear', min: 0, max: 1, bins: 100 }, scale: 'continuous' } as const);
/** A 0/1 value per input: the predicted label (positive rate), a normalisation flip. */
export const FLAG_SPEC: ProfileSpec = Object.freeze({ layout: { kind: 'linear', min: 0, max: 1, bins: 2 }, scale: 'discrete' } as const);

/** Every value a model's reference profile describes: the score, the positive flag, the normalisation flip and the text descriptors. */
export const MONITORED_VALUE_SPECS: Readonly<Record<string, ProfileSpec>> = Object.freeze({
  score: SCORE_SPEC,
  positive: FLAG_SPEC,
  normalizationFlip: FLAG_SPEC,
  ...TEXT_DESCRIPTOR_SPECS,
});

export interface DescribeOptions {
  /** The featuriser's `maxChars` (0 = reads everything): how much of the text the model reads. */
  readonly maxChars?: number;
  /** The text after the model's normalisation; `beyondMaxShare` and `oovShare` are measured on it (the raw text without it). */
  readonly normalized?: string;
  /** Hashed features seen at training time; with `features` or `featurizer` gives `oovShare`. */
  readonly vocabulary?: HashedVocabulary;
  /** The input's hashed features when the caller has them already (saves featurising again). */
  readonly features?: SparseVector;
  /** Featurises `normalized` (or the raw text) when `features` is not given. */
  readonly featurizer?: Featurizer;
}

const URL_PATTERN = /(?:\bhttps?:\/\/|\bwww\.)[^\s]/gi;
/** The shortest base64 span considered: 16 characters, 12 bytes. */
const MIN_BASE64 = 16;
// The standard and the URL-safe base64 alphabets, by ASCII code.
const BASE64_CHAR: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_') table[ch.charCodeAt(0)] = 1;
  return table;
})();

/**
 * The descriptors of one input (see TEXT_DESCRIPTORS):
 * - `length`: UTF-16 code units; `tokens`: runs of letters and digits (the featuriser's words);
 * - `nonAsciiShare`: share of code units outside ASCII;
 * - `invisiblePer1k`: invisible or format characters (zero-width, bidi controls, Unicode
 *   tags, variation selectors — the normaliser's class) per 1,000 code units;
 * - `mixedScriptTokens`: tokens whose letters come from two or more scripts (Latin with
 *   Cyrillic look-alikes, …);
 * - `urls`: `http://`, `https://` or `www.` occurrences;
 * - `base64Spans`: spans of 16+ base64 characters that decode to valid UTF-8 text without
 *   control characters (a hidden instruction, not an image or a hash);
 * - `spacedLetterRuns`: runs of ≥3 single letters separated by one separator ("f r e e");
 * - `beyondMaxShare`: share of the (normalised) text past `maxChars`, which the model never reads;
 * - `oovShare`: share of the input's hashed features never seen in training (NaN without a vocabulary).
 */
export function describeText(text: string, options: DescribeOptions = {}): TextDescriptors {
  const scripts = scriptTableByCodeUnit();
  const n = text.length;
  let nonAscii = 0;
  let invisible = 0;
  let tokens = 0;
  let mixed = 0;
  let scriptMask = 0;
  let inToken = false;
  let base64Spans = 0;
  let base64Start = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // A run of the base64 alphabet ends here: long enough runs are decoded (rare).
    if (c >= 128 || BASE64_CHAR[c] !== 1) {
      if (i - base64Start >= MIN_BASE64 && decodesToText(text.slice(base64Start, i))) base64Spans++;
      base64Start = i + 1;
    }
    if (c >= 128) {
      nonAscii++;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff && isInvisibleCodePoint(((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000)) invisible++;
      } else if (INVISIBLE_BMP[c] === 1) {
        invisible++;
      }
    }
    if (LETTER_OR_DIGIT[c] === 1) {
      if (!inToken) {
        tokens++;
        inToken = true;
        scriptMask = 0;
      }
      scriptMask |= scripts[c]!;
    } else if (inToken) {
      if (isMixed(scriptMask)) mixed++;
      inToken = false;
    }
  }
  if (inToken && isMixed(scriptMask)) mixed++;
  if (n - base64Start >= MIN_BASE64 && decodesToText(text.slice(base64Start))) base64Spans++;

  const read = options.normalized ?? text;
  const maxChars = options.maxChars ?? 0;
  return {
    length: n,
    tokens,
    nonAsciiShare: n === 0 ? 0 : nonAscii / n,
    invisiblePer1k: n === 0 ? 0 : (1000 * invisible) / n,
    mixedScriptTokens: mixed,
    urls: countMatches(URL_PATTERN, text),
    base64Spans,
    spacedLetterRuns: scanSpacedLetterRuns(text),
    beyondMaxShare: maxChars > 0 && read.length > maxChars ? (read.length - maxChars) / read.length : 0,
    oovShare: outOfVocabularyShare(read, options),
  };
}

// Astral letters count as SCRIPT_OTHER once per surrogate pair: a token of only
// mathematical alphanumerics is one script, Latin mixed with them is two.
const isMixed = (mask: number): boolean => (mask & (mask - 1)) !== 0;

function countMatches(pattern: RegExp, text: string): number {
  pattern.lastIndex = 0;
  let count = 0;
  while (pattern.exec(text) !== null) count++;
  return count;
}

/** Whether a base64 (standard or URL-safe, padding left off) span decodes to UTF-8 text without control characters. */
function decodesToText(body: string): boolean {
  if (body.length % 4 === 1) return false;
  let binary: string;
  try {
    binary = atob(body.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return false;
  }
  let high = 0;
  for (let i = 0; i < binary.length; i++) {
    const b = binary.charCodeAt(i);
    if (b < 32 && b !== 9 && b !== 10 && b !== 13) return false;
    if (b === 127) return false;
    high |= b;
  }
  // ASCII is valid UTF-8: the byte check is only needed past it.
  return high < 128 || isUtf8(binary);
}

/**
 * Whether a binary string (one byte per code unit) is well-formed UTF-8, exactly as a fatal
 * TextDecoder judges it (no overlong forms, surrogates, code points past U+10FFFF or cut
 * sequences). By hand because the decoder costs a copy and a thrown exception per invalid
 * span, and base64 mail bodies in Latin-1 are a run of invalid 76-character lines.
 */
function isUtf8(bytes: string): boolean {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes.charCodeAt(i);
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return false;
    if (i + need >= n) return false;
    const second = bytes.charCodeAt(i + 1);
    if (second < lo || second > hi) return false;
    for (let k = 2; k <= need; k++) {
      const c = bytes.charCodeAt(i + k);
      if (c < 0x80 || c > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

function outOfVocabularyShare(read: string, options: DescribeOptions): number {
  const { vocabulary } = options;
  if (vocabulary === undefined) return Number.NaN;
  const features = options.features ?? options.featurizer?.featurize(read);
  if (features === undefined) return Number.NaN;
  return vocabularyMissShare(vocabulary, features.indices);
}

/**
 * Whether the raw and the normalised text get different verdicts: the normalisation gap of
 * one input. Across a window, the share of flips is the model's dependence on its
 * normaliser (a jump means inputs crafted to be read differently before and after it).
 */
export function normalizationGap(
  raw: { readonly label: number; readonly score: number },
  normalized: { readonly label: number; readonly score: number },
): { readonly flipped: boolean; readonly scoreDelta: number } {
  return { flipped: raw.label !== normalized.label, scoreDelta: normalized.score - raw.score };
}

/** One Float32Array per descriptor (4 bytes a row each), filled by `describeInto`. */
export type DescriptorColumns = Record<TextDescriptor, Float32Array>;

export function createDescriptorColumns(rows: number): DescriptorColumns {
  const columns = {} as DescriptorColumns;
  for (const name of TEXT_DESCRIPTORS) columns[name] = new Float32Array(rows);
  return columns;
}

/** Describes `text` into row `row` of `columns`. */
export function describeInto(columns: DescriptorColumns, row: number, text: string, options: DescribeOptions = {}): void {
  const d = describeText(text, options);
  for (const name of TEXT_DESCRIPTORS) columns[name][row] = d[name];
}

/** The descriptor columns of many texts (a reference profile's input). `optionsFor(i)` may give each text its own normalised form. */
export function describeTexts(texts: readonly string[], optionsFor: (row: number) => DescribeOptions = () => ({})): DescriptorColumns {
  const columns = createDescriptorColumns(texts.length);
  for (let i = 0; i < texts.length; i++) describeInto(columns, i, texts[i]!, optionsFor(i));
  return columns;
}

/**
 * The set of hashed feature ids (buckets) seen at training time, one bit per bucket:
 * 32 KiB at 2^18 buckets, 2 MiB at 2^24. Stored beside the model (its bytes are `bits`).
 * Meaningful while `vocabularyFill` stays well below 1: once most buckets are set by
 * training, collisions hide new n-grams and `oovShare` reads low.
 */
export interface HashedVocabulary {
  readonly dims: number;
  readonly bits: Uint32Array;
}

export function createHashedVocabulary(dims: number): HashedVocabulary {
  if (!Number.isInteger(dims) || dims <= 0) throw new RangeError(`dims must be a positive integer, got ${dims}`);
  return { dims, bits: new Uint32Array(Math.ceil(dims / 32)) };
}

/** Marks every index of `indices` as seen. */
export function addToVocabulary(vocabulary: HashedVocabulary, indices: ArrayLike<number>): void {
  const bits = vocabulary.bits;
  for (let k = 0; k < indices.length; k++) {
    const j = indices[k]!;
    bits[j >>> 5]! |= 1 << (j & 31);
  }
}

/** The vocabulary of featurised training rows. */
export function vocabularyFromRows(rows: readonly SparseVector[], dims: number): HashedVocabulary {
  const vocabulary = createHashedVocabulary(dims);
  for (const row of rows) addToVocabulary(vocabulary, row.indices);
  return vocabulary;
}

/** Share of the first `count` of `indices` (all of them by default) whose bit is not set (0 for none). */
export function vocabularyMissShare(vocabulary: HashedVocabulary, indices: ArrayLike<number>, count = indices.length): number {
  if (count === 0) return 0;
  const bits = vocabulary.bits;
  let missing = 0;
  for (let k = 0; k < count; k++) {
    const j = indices[k]!;
    if ((bits[j >>> 5]! & (1 << (j & 31))) === 0) missing++;
  }
  return missing / count;
}

/** Share of buckets set: how much of the hash space training already covers. */
export function vocabularyFill(vocabulary: HashedVocabulary): number {
  let set = 0;
  for (let w = 0; w < vocabulary.bits.length; w++) {
    let v = vocabulary.bits[w]!;
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    set += (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
  }
  return set / vocabulary.dims;
}

/** Restores a vocabulary from its stored bytes (`new Uint8Array(vocabulary.bits.buffer)`); RangeError when the size does not match `dims`. */
export function vocabularyFromBytes(dims: number, bytes: Uint8Array): HashedVocabulary {
  const vocabulary = createHashedVocabulary(dims);
  if (bytes.length !== vocabulary.bits.byteLength) throw new RangeError(`a vocabulary of ${dims} buckets has ${vocabulary.bits.byteLength} bytes, got ${bytes.length}`);
  new Uint8Array(vocabulary.bits.buffer).set(bytes);
  return vocabulary;
}
