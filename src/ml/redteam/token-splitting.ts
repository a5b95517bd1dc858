/**
 * Attacks that break trigger words into pieces a tokenizer no longer recognises, or misspell
 * them as a hurried (or careful) spammer would, while a person still reads the word.
 */
import type { TransformAttack } from './attack.js';
import { deleteChar, innerBoundary, insertChar, interleave, mapChars, pickOne, substituteNeighbour, swapAdjacent } from './char-edits.js';
import { transformAttack } from './define.js';
import { rewriteTargetWords } from './words.js';

/** Letter → digits and symbols that read as it. */
const LEET: Readonly<Record<string, readonly string[]>> = {
  a: ['4', '@'], b: ['8'], e: ['3'], g: ['9'], i: ['1', '!'], l: ['1', '|'], o: ['0'], s: ['5', '$'], t: ['7', '+'], z: ['2'],
};
/** One space or two: two defeats normalisers that only join letters separated by exactly one. */
const LETTER_SPACING = [' ', ' ', '  '];
const LETTER_DOTS = ['.', '.', '. ', '·'];
const WORD_PUNCTUATION = ['-', '.', '_', '*', "'", ',', '|', '~', '^'];
const HTML_COMMENTS = ['<!---->', '<!-- -->', '<!--x-->', '<!-- . -->'];

export const TOKEN_SPLITTING_ATTACKS: readonly TransformAttack[] = [
  transformAttack('token-splitting', 'spaced-letters', 'spaces out the letters of trigger words (f r e e   m o n e y)', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) => {
      const gap = pickOne(LETTER_SPACING, r);
      // The gap also around the word: neighbouring spaced-out words stay apart for a reader ("f r e e   p r i z e").
      return `${gap}${interleave(word, r, 1, () => gap)}${gap}`;
    }),
  ),
  transformAttack('token-splitting', 'dotted-letters', 'puts dots between the letters of trigger words (f.r.e.e)', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) => {
      const dot = pickOne(LETTER_DOTS, r);
      return interleave(word, r, 1, () => dot);
    }),
  ),
  transformAttack('token-splitting', 'word-split', 'splits trigger words in two with a space (fr ee, mon ey)', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) => {
      const at = innerBoundary(word, r);
      return at < 0 ? word : `${word.slice(0, at)} ${word.slice(at)}`;
    }),
  ),
  transformAttack('token-splitting', 'leetspeak', 'writes letters of trigger words as digits and symbols (fr33, m0n3y, $ecret)', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) =>
      mapChars(word, r, 0.7, (ch, rr) => {
        const options = LEET[ch.toLowerCase()];
        return options === undefined ? undefined : pickOne(options, rr);
      }),
    ),
  ),
  transformAttack('token-splitting', 'typo-swap', 'swaps two neighbouring letters of each trigger word (fere, mnoey)', (text, rng) =>
    rewriteTargetWords(text, rng, swapAdjacent),
  ),
  transformAttack('token-splitting', 'typo-insert', 'inserts a keyboard-neighbour letter into each trigger word (frree, moneuy)', (text, rng) =>
    rewriteTargetWords(text, rng, insertChar),
  ),
  transformAttack('token-splitting', 'typo-delete', 'deletes one letter of each trigger word (fre, mony)', (text, rng) =>
    rewriteTargetWords(text, rng, deleteChar),
  ),
  transformAttack('token-splitting', 'typo-substitute', 'replaces one letter of each trigger word with a keyboard neighbour (frwe, monry)', (text, rng) =>
    rewriteTargetWords(text, rng, substituteNeighbour),
  ),
  transformAttack('token-splitting', 'punctuation-split', 'puts punctuation inside trigger words (fr-ee, mo.ney, c_lick)', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) => interleave(word, r, 0.25, (rr) => pickOne(WORD_PUNCTUATION, rr))),
  ),
  transformAttack('token-splitting', 'html-comment-split', 'puts empty HTML comments inside trigger words (fr<!---->ee), invisible in an HTML mail', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) => interleave(word, r, 0.2, (rr) => pickOne(HTML_COMMENTS, rr))),
  ),
  transformAttack('token-splitting', 'random-case', 'randomises the case of the letters of trigger words (fReE, MoNEy)', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) =>
      mapChars(word, r, 0.5, (ch) => {
        const c = ch.charCodeAt(0);
        // ASCII letters flip case with one bit; the rest go through the Unicode case tables.
        if (ch.length === 1 && ((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return String.fromCharCode(c ^ 0x20);
        const flipped = ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
        return flipped === ch ? undefined : flipped;
      }),
    ),
  ),
];
