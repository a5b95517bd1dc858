/**
 * Which words an attacker disguises. Blind attacks cannot ask the model, so they do what a
 * spammer does: disguise the known trigger words, then the longest words, which carry most
 * of a bag-of-n-grams classifier's evidence and survive an edit still readable.
 */
import { LETTER_OR_DIGIT } from '../char-classes.js';
import type { Rng } from '../random.js';
import { TRIGGER_WORDS } from './lexicon.js';

/** Share of a text's words the character-level attacks disguise, trigger words included. */
const TARGET_SHARE = 0.3;
/** Words shorter than this are left alone unless they are trigger words ("to", "at"…). */
const MIN_TARGET_LENGTH = 3;
/** Lengths above this share one histogram bucket when picking the longest words. */
const LENGTH_BUCKETS = 32;

/**
 * The words of `text` (maximal runs of letters and digits) as flat pairs: word k is
 * `text.slice(bounds[2k], bounds[2k + 1])`. Flat and typed because attacks scan every word
 * of every text a campaign sends.
 */
export function wordBounds(text: string): Int32Array {
  const bounds = new Int32Array(text.length + 2);
  const n = text.length;
  let count = 0;
  let i = 0;
  while (i < n) {
    if (LETTER_OR_DIGIT[text.charCodeAt(i)] === 1) {
      bounds[count++] = i;
      while (++i < n && LETTER_OR_DIGIT[text.charCodeAt(i)] === 1);
      bounds[count++] = i;
    } else {
      i++;
    }
  }
  return bounds.subarray(0, count);
}

/** The trigger words as a trie over a–z: `next[state * 26 + letter]`, 0 = no way on. */
const TRIGGER_TRIE = (() => {
  const rows: number[][] = [new Array<number>(26).fill(0)];
  const accepting = new Set<number>();
  for (const word of TRIGGER_WORDS) {
    let state = 0;
    for (let i = 0; i < word.length; i++) {
      const letter = word.charCodeAt(i) - 97;
      if (letter < 0 || letter >= 26) throw new Error(`trigger word '${word}' is not lower-case a–z`);
      if (rows[state]![letter] === 0) {
        rows[state]![letter] = rows.length;
        rows.push(new Array<number>(26).fill(0));
      }
      state = rows[state]![letter]!;
    }
    accepting.add(state);
  }
  return { next: Int32Array.from(rows.flat()), accept: Uint8Array.from(rows, (_, state) => (accepting.has(state) ? 1 : 0)) };
})();

/** True when `text.slice(start, end)` is a trigger word in any ASCII case; no substring is built. */
export function isTriggerAt(text: string, start: number, end: number): boolean {
  const { next, accept } = TRIGGER_TRIE;
  let state = 0;
  for (let i = start; i < end; i++) {
    // Folds ASCII capitals to small letters; every other character stays outside a–z.
    const letter = (text.charCodeAt(i) | 0x20) - 97;
    if (letter < 0 || letter >= 26) return false;
    state = next[state * 26 + letter]!;
    if (state === 0) return false;
  }
  return accept[state] === 1;
}

/** True when `word` (any case) is one of the lexicon's single trigger words. */
export function isTriggerWord(word: string): boolean {
  return isTriggerAt(word, 0, word.length);
}

/**
 * Indices (ascending) of the words of `bounds` to disguise: every trigger word, then the
 * longest other words (first ones first among equals) until about 30 % of the words are
 * chosen. A text without a word of three letters falls back to its longest words.
 */
export function targetWords(text: string, bounds: Int32Array): number[] {
  const words = bounds.length >> 1;
  const chosen = new Uint8Array(words);
  let count = 0;
  for (let k = 0; k < words; k++) {
    if (isTriggerAt(text, bounds[2 * k]!, bounds[2 * k + 1]!)) {
      chosen[k] = 1;
      count++;
    }
  }
  let need = Math.max(1, Math.ceil(words * TARGET_SHARE)) - count;
  if (need > 0) {
    const histogram = new Int32Array(LENGTH_BUCKETS);
    const bucketOf = (k: number): number => Math.min(LENGTH_BUCKETS - 1, bounds[2 * k + 1]! - bounds[2 * k]!);
    for (let k = 0; k < words; k++) if (chosen[k] === 0) histogram[bucketOf(k)]!++;
    const minLength = histogram.subarray(MIN_TARGET_LENGTH).some((c) => c > 0) ? MIN_TARGET_LENGTH : 1;
    // The shortest length still taken: every longer word, and the first of this length that fit.
    let cutoff = LENGTH_BUCKETS - 1;
    while (cutoff > minLength && histogram[cutoff]! < need) need -= histogram[cutoff--]!;
    for (let k = 0; k < words; k++) {
      if (chosen[k] === 1) continue;
      const bucket = bucketOf(k);
      if (bucket > cutoff || (bucket === cutoff && need-- > 0)) chosen[k] = 1;
    }
  }
  const targets: number[] = [];
  for (let k = 0; k < words; k++) if (chosen[k] === 1) targets.push(k);
  return targets;
}

/** Rewrites the target words of `text` with `edit`, leaving everything between them as it was. */
export function rewriteTargetWords(text: string, rng: Rng, edit: (word: string, rng: Rng) => string): string {
  const bounds = wordBounds(text);
  const targets = targetWords(text, bounds);
  if (targets.length === 0) return text;
  let out = '';
  let copied = 0;
  for (const k of targets) {
    const start = bounds[2 * k]!;
    const end = bounds[2 * k + 1]!;
    out += text.slice(copied, start) + edit(text.slice(start, end), rng);
    copied = end;
  }
  return out + text.slice(copied);
}

/** `replacement` in the case pattern of `original`: ALL CAPS, Capitalised or as given. */
export function matchCase(original: string, replacement: string): string {
  if (original.length > 1 && original === original.toUpperCase() && original !== original.toLowerCase()) return replacement.toUpperCase();
  const first = original[0];
  if (first !== undefined && first !== first.toLowerCase()) return replacement[0]!.toUpperCase() + replacement.slice(1);
  return replacement;
}
