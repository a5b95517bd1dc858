/**
 * Single-character edits of one word, the vocabulary of the typo attacks and of the
 * DeepWordBug search: swap two neighbours, substitute a keyboard neighbour, delete,
 * insert, or replace a letter with a Cyrillic/Greek look-alike. Positions never split a
 * surrogate pair, so an edited word is always well-formed UTF-16.
 */
import type { Rng } from '../random.js';

export const CHAR_EDITS = ['swap', 'substitute', 'delete', 'insert', 'homoglyph'] as const;
export type CharEdit = (typeof CHAR_EDITS)[number];

/** Cyrillic and Greek letters that render like the Latin letter in common fonts. */
export const HOMOGLYPHS: Readonly<Record<string, readonly string[]>> = {
  a: ['а', 'α'], b: ['ь'], c: ['с', 'ϲ'], d: ['ԁ'], e: ['е'], h: ['һ'], i: ['і', 'ι'], j: ['ј', 'ϳ'],
  k: ['κ'], l: ['ӏ'], o: ['о', 'ο'], p: ['р', 'ρ'], q: ['ԛ'], s: ['ѕ'], u: ['υ'], v: ['ν'],
  w: ['ԝ', 'ω'], x: ['х', 'χ'], y: ['у', 'γ'],
  A: ['А', 'Α'], B: ['В', 'Β'], C: ['С', 'Ϲ'], E: ['Е', 'Ε'], H: ['Н', 'Η'], I: ['І', 'Ι'], J: ['Ј'],
  K: ['К', 'Κ'], M: ['М', 'Μ'], N: ['Ν'], O: ['О', 'Ο'], P: ['Р', 'Ρ'], S: ['Ѕ'], T: ['Т', 'Τ'],
  X: ['Х', 'Χ'], Y: ['У', 'Υ'], Z: ['Ζ'],
};

/** QWERTY neighbours of each letter: the substitutions a hurried typist makes. */
const KEYBOARD_NEIGHBOURS: Readonly<Record<string, string>> = {
  a: 'qwsz', b: 'vghn', c: 'xdfv', d: 'serfcx', e: 'wsdr', f: 'drtgvc', g: 'ftyhbv', h: 'gyujnb', i: 'ujko',
  j: 'huikmn', k: 'jiolm', l: 'kop', m: 'njk', n: 'bhjm', o: 'iklp', p: 'ol', q: 'wa', r: 'edft', s: 'awedxz',
  t: 'rfgy', u: 'yhji', v: 'cfgb', w: 'qase', x: 'zsdc', y: 'tghu', z: 'asx',
};
const LOWER_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** A random element of a non-empty list. */
export const pickOne = <T>(items: readonly T[], rng: Rng): T => items[rng.nextInt(items.length)]!;

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** Length in code units of the character starting at `i`. */
const charLength = (word: string, i: number): number =>
  isHighSurrogate(word.charCodeAt(i)) && isLowSurrogate(word.charCodeAt(i + 1)) ? 2 : 1;

/** Moves `i` back to the start of the character it falls in. */
const charStart = (word: string, i: number): number => (i > 0 && isLowSurrogate(word.charCodeAt(i)) && isHighSurrogate(word.charCodeAt(i - 1)) ? i - 1 : i);

/** A random character start in [from, word.length), or -1 when there is none. */
function randomCharStart(word: string, from: number, rng: Rng): number {
  if (from >= word.length) return -1;
  let i = charStart(word, from + rng.nextInt(word.length - from));
  if (i < from) i += charLength(word, i);
  return i < word.length ? i : -1;
}

/** A random position strictly inside `word` that is a character boundary, or -1 (a one-character word). */
export function innerBoundary(word: string, rng: Rng): number {
  return randomCharStart(word, 1, rng);
}

/** Swaps two neighbouring characters (a pair that differs when the word has one). */
export function swapAdjacent(word: string, rng: Rng): string {
  for (let attempt = 0; attempt < 4; attempt++) {
    const b = innerBoundary(word, rng);
    if (b < 0) return word;
    const a = charStart(word, b - 1);
    const left = word.slice(a, b);
    const right = word.slice(b, b + charLength(word, b));
    if (left !== right || attempt === 3) return word.slice(0, a) + right + left + word.slice(b + right.length);
  }
  return word;
}

/** Replaces one character (the first only in one-letter words) by a keyboard neighbour, keeping its case. */
export function substituteNeighbour(word: string, rng: Rng): string {
  const inner = randomCharStart(word, 1, rng);
  const i = inner < 0 ? 0 : inner;
  const ch = word.slice(i, i + charLength(word, i));
  const lower = ch.toLowerCase();
  const neighbours = KEYBOARD_NEIGHBOURS[lower] ?? LOWER_LETTERS;
  let replacement = neighbours[rng.nextInt(neighbours.length)]!;
  if (ch !== lower) replacement = replacement.toUpperCase();
  return word.slice(0, i) + replacement + word.slice(i + ch.length);
}

/** Deletes one character after the first (the word stays recognisable); a one-character word is kept. */
export function deleteChar(word: string, rng: Rng): string {
  const i = randomCharStart(word, 1, rng);
  if (i < 0) return word;
  return word.slice(0, i) + word.slice(i + charLength(word, i));
}

/** Inserts a keyboard neighbour of the previous letter inside the word (after it when it has one character). */
export function insertChar(word: string, rng: Rng): string {
  const b = word.length > 1 ? innerBoundary(word, rng) : word.length;
  const at = b < 0 ? word.length : b;
  const previous = word[at - 1]?.toLowerCase() ?? '';
  const pool = KEYBOARD_NEIGHBOURS[previous] ?? LOWER_LETTERS;
  return word.slice(0, at) + pool[rng.nextInt(pool.length)]! + word.slice(at);
}

/** Replaces one letter that has a look-alike; the word is unchanged when none has. */
export function homoglyphOne(word: string, rng: Rng): string {
  const candidates: number[] = [];
  for (let i = 0; i < word.length; i++) if (HOMOGLYPHS[word[i]!] !== undefined) candidates.push(i);
  if (candidates.length === 0) return word;
  const i = candidates[rng.nextInt(candidates.length)]!;
  const options = HOMOGLYPHS[word[i]!]!;
  return word.slice(0, i) + options[rng.nextInt(options.length)]! + word.slice(i + 1);
}

const EDITS: Readonly<Record<CharEdit, (word: string, rng: Rng) => string>> = {
  swap: swapAdjacent,
  substitute: substituteNeighbour,
  delete: deleteChar,
  insert: insertChar,
  homoglyph: homoglyphOne,
};

/** Applies one edit of the given kind; the result may equal `word` when the edit does not apply. */
export function applyCharEdit(edit: CharEdit, word: string, rng: Rng): string {
  return EDITS[edit](word, rng);
}

/**
 * Inserts `insertion()` between the characters of `word` (and after the last one when
 * `afterLast`), each place with `probability`, at least one place when there is one.
 */
export function interleave(word: string, rng: Rng, probability: number, insertion: (rng: Rng) => string, afterLast = false): string {
  let out = '';
  let inserted = 0;
  let i = 0;
  while (i < word.length) {
    const next = i + charLength(word, i);
    out += next === i + 1 ? word[i]! : word.slice(i, next);
    const isLast = next >= word.length;
    if ((!isLast || afterLast) && rng.next() < probability) {
      out += insertion(rng);
      inserted++;
    }
    i = next;
  }
  if (inserted > 0) return out;
  // Nothing drawn: one insertion after the first character (or after the only one).
  const at = word.length === 0 ? 0 : charLength(word, 0);
  if (at >= word.length && !afterLast) return word;
  return word.slice(0, at) + insertion(rng) + word.slice(at);
}

/** Maps each character with `map` (undefined = keep) with `probability`, at least one mapped when any can be. */
export function mapChars(word: string, rng: Rng, probability: number, map: (ch: string, rng: Rng) => string | undefined): string {
  let out = '';
  let mapped = 0;
  for (let i = 0; i < word.length; ) {
    const next = i + charLength(word, i);
    const ch = next === i + 1 ? word[i]! : word.slice(i, next);
    const replacement = rng.next() < probability ? map(ch, rng) : undefined;
    if (replacement === undefined) {
      out += ch;
    } else {
      out += replacement;
      mapped++;
    }
    i = next;
  }
  if (mapped > 0) return out;
  // Nothing drawn (out equals word): map the first character that can be mapped.
  for (let i = 0; i < word.length; ) {
    const next = i + charLength(word, i);
    const replacement = map(word.slice(i, next), rng);
    if (replacement !== undefined) return word.slice(0, i) + replacement + word.slice(next);
    i = next;
  }
  return word;
}
