/**
 * Which words an attacker disguises. Blind attacks cannot ask the model, so they do what a
 * spammer does: disguise the known trigger words, then the longest words, which carry most
 * of a bag-of-n-grams classifier's evidence and survive an edit still readable.
 */
import { LETTER_OR_DIGIT } from '../char-classes.js';
import type { Rng } from '../random.js';
import { LONGEST_TRIGGER_WORD, TRIGGER_WORDS } from './lexicon.js';

/** A word of a text: `text.slice(start, end)`, a maximal run of letters and digits. */
export interface WordSpan {
  readonly start: number;
  readonly end: number;
}

/** Share of a text's words the character-level attacks disguise, trigger words included. */
const TARGET_SHARE = 0.3;
/** Words shorter than this are left alone unless they are trigger words ("to", "at"…). */
const MIN_TARGET_LENGTH = 3;
/** Lengths above this share one histogram bucket when picking the longest words. */
const LENGTH_BUCKETS = 32;

/** The words of `text` in order. */
export function wordSpans(text: string): WordSpan[] {
  const spans: WordSpan[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (LETTER_OR_DIGIT[text.charCodeAt(i)] === 1) {
      const start = i;
      while (++i < n && LETTER_OR_DIGIT[text.charCodeAt(i)] === 1);
      spans.push({ start, end: i });
    } else {
      i++;
    }
  }
  return spans;
}

/** True when `word` (any case) is one of the lexicon's single trigger words. */
export function isTriggerWord(word: string): boolean {
  return word.length <= LONGEST_TRIGGER_WORD && TRIGGER_WORDS.has(word.toLowerCase());
}

/**
 * Indices (ascending) of the spans to disguise: every trigger word, then the longest other
 * words (first ones first among equals) until about 30 % of the words are chosen. A text
 * without a word of three letters falls back to its longest words.
 */
export function targetSpans(text: string, spans: readonly WordSpan[]): number[] {
  const chosen = new Uint8Array(spans.length);
  let count = 0;
  for (let k = 0; k < spans.length; k++) {
    const { start, end } = spans[k]!;
    if (end - start <= LONGEST_TRIGGER_WORD && isTriggerWord(text.slice(start, end))) {
      chosen[k] = 1;
      count++;
    }
  }
  let need = Math.max(1, Math.ceil(spans.length * TARGET_SHARE)) - count;
  if (need > 0) {
    const histogram = new Int32Array(LENGTH_BUCKETS);
    const bucketOf = (k: number): number => Math.min(LENGTH_BUCKETS - 1, spans[k]!.end - spans[k]!.start);
    for (let k = 0; k < spans.length; k++) if (chosen[k] === 0) histogram[bucketOf(k)]!++;
    const minLength = histogram.subarray(MIN_TARGET_LENGTH).some((c) => c > 0) ? MIN_TARGET_LENGTH : 1;
    // The shortest length still taken: every longer word, and the first of this length that fit.
    let cutoff = LENGTH_BUCKETS - 1;
    while (cutoff > minLength && histogram[cutoff]! < need) need -= histogram[cutoff--]!;
    for (let k = 0; k < spans.length; k++) {
      if (chosen[k] === 1) continue;
      const bucket = bucketOf(k);
      if (bucket > cutoff || (bucket === cutoff && need-- > 0)) chosen[k] = 1;
    }
  }
  const targets: number[] = [];
  for (let k = 0; k < spans.length; k++) if (chosen[k] === 1) targets.push(k);
  return targets;
}

/** Rewrites the target words of `text` with `edit`, leaving everything between them as it was. */
export function rewriteTargetWords(text: string, rng: Rng, edit: (word: string, rng: Rng) => string): string {
  const spans = wordSpans(text);
  const targets = targetSpans(text, spans);
  if (targets.length === 0) return text;
  let out = '';
  let copied = 0;
  for (const k of targets) {
    const { start, end } = spans[k]!;
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
