/**
 * Attacks that leave the payload intact and surround it with benign text, so a model that
 * averages its evidence over the whole input (or reads only its beginning) lets it through.
 * The payload's words always survive verbatim and in order.
 */
import type { Rng } from '../random.js';
import type { TransformAttack } from './attack.js';
import { pickOne } from './char-edits.js';
import { transformAttack } from './define.js';
import { BENIGN_SENTENCES, BENIGN_WORDS } from './lexicon.js';

/** Shortest benign text a payload is buried under, in characters; longer payloads get three times their length. */
const MIN_BURY_CHARS = 1500;
/** Fewest benign words appended by the good-word attack; longer payloads get 1.5–2.5 per payload word. */
const MIN_GOOD_WORDS = 40;

/** Where the benign text an attack surrounds the payload with comes from. */
export interface PaddingSource {
  /** Whole benign sentences, each ending with its punctuation. */
  readonly sentences: readonly string[];
  /** Benign words for the good-word attack. */
  readonly words: readonly string[];
}

/** The catalogue's own padding: everyday sentences and words (lexicon.ts). */
export const LEXICON_PADDING: PaddingSource = Object.freeze({ sentences: BENIGN_SENTENCES, words: BENIGN_WORDS });

function benignSentences(source: PaddingSource, minChars: number, rng: Rng): string {
  let out = pickOne(source.sentences, rng);
  while (out.length < minChars) out += ` ${pickOne(source.sentences, rng)}`;
  return out;
}

function benignWords(source: PaddingSource, count: number, rng: Rng): string {
  let out = pickOne(source.words, rng);
  for (let i = 1; i < count; i++) out += ` ${pickOne(source.words, rng)}`;
  return out;
}

/** Runs of non-whitespace characters (ASCII whitespace is enough to size the padding). */
function countWords(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13);
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

/** Benign prose about `share` × 3 × the payload's length (at least `share` × 1,500 characters), a little longer by chance. */
const buryingText = (source: PaddingSource, payload: string, share: number, rng: Rng): string =>
  benignSentences(source, Math.round(share * Math.max(MIN_BURY_CHARS, 3 * payload.length) * (1 + 0.5 * rng.next())), rng);

/** Cuts `text` at 2–5 random whitespace runs (as many as it has) and puts benign sentences between the pieces. */
function fragment(source: PaddingSource, text: string, rng: Rng): string {
  const gaps: Array<readonly [number, number]> = [];
  const whitespace = /\s+/g;
  for (let m = whitespace.exec(text); m !== null; m = whitespace.exec(text)) {
    if (m.index > 0 && m.index + m[0].length < text.length) gaps.push([m.index, m.index + m[0].length]);
  }
  const cuts = rng.shuffle(gaps.slice()).slice(0, Math.min(gaps.length, 2 + rng.nextInt(4)));
  cuts.sort((a, b) => a[0] - b[0]);
  let out = `${pickOne(source.sentences, rng)} `;
  let from = 0;
  for (const [start, end] of cuts) {
    out += `${text.slice(from, start)} ${benignSentences(source, 1, rng)} `;
    from = end;
  }
  return `${out}${text.slice(from)} ${pickOne(source.sentences, rng)}`;
}

/**
 * The four dilution attacks with their padding drawn from `source`: the catalogue's use the
 * lexicon; `bench/robustness.ts` also pads with held-out ham, so a defence that only learnt
 * what the lexicon looks like shows.
 */
export function dilutionAttacks(source: PaddingSource): readonly TransformAttack[] {
  if (source.sentences.length === 0 || source.words.length === 0) throw new Error('a padding source needs sentences and words');
  return [
    transformAttack('dilution', 'good-word-padding', 'appends many benign words after the payload (the good-word attack)', (text, rng) => {
      const count = Math.max(MIN_GOOD_WORDS, Math.round(countWords(text) * (1.5 + rng.next())));
      return `${text}\n\n${benignWords(source, count, rng)}`;
    }),
    transformAttack('dilution', 'benign-prefix', 'buries the payload after a long benign text (at least 1,500 characters, or three times its length)', (text, rng) =>
      `${buryingText(source, text, 1, rng)}\n\n${text}`,
    ),
    transformAttack('dilution', 'benign-sandwich', 'puts the payload in the middle of a long benign text', (text, rng) =>
      `${buryingText(source, text, 0.5, rng)}\n\n${text}\n\n${buryingText(source, text, 0.5, rng)}`,
    ),
    transformAttack('dilution', 'fragmented-payload', 'splits the payload into pieces at word boundaries, with benign sentences between them', (text, rng) =>
      fragment(source, text, rng),
    ),
  ];
}

export const DILUTION_ATTACKS: readonly TransformAttack[] = dilutionAttacks(LEXICON_PADDING);
