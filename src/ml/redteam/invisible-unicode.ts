/**
 * Attacks that keep a text looking the same to a person while changing its code points:
 * look-alike letters, characters that render as nothing, and styled alphabets. Each one
 * disguises the target words (trigger words, then the longest; see words.ts).
 */
import type { Rng } from '../random.js';
import type { TransformAttack } from './attack.js';
import { HOMOGLYPHS, interleave, mapChars, pickOne } from './char-edits.js';
import { reverseText } from '../codecs.js';
import { transformAttack } from './define.js';
import { rewriteTargetWords } from './words.js';

/** Look-alikes outside Cyrillic and Greek (Armenian, Latin extensions, small capitals), which confusable folding often misses. */
const EXTENDED_HOMOGLYPHS: Readonly<Record<string, readonly string[]>> = {
  a: ['ɑ'], c: ['ᴄ'], g: ['ɡ', 'ց'], h: ['հ'], i: ['ı', 'ꙇ'], n: ['ո'], o: ['օ', 'ᴏ'], q: ['զ'], u: ['ս', 'ᴜ'],
  v: ['ᴠ'], w: ['ᴡ'], z: ['ᴢ'], s: ['ꜱ'],
};

/** Render as nothing: zero-width space, non-joiner, joiner, word joiner, byte-order mark. */
const ZERO_WIDTH = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF'];

/**
 * Invisible direction marks and empty embeddings/isolates: LRM, RLM, ALM, LRI…PDI,
 * RLI…PDI, LRE…PDF, LRO…PDF. Each opener is closed at once, so rendering is unchanged.
 */
const BIDI_CONTROLS = ['\u200E', '\u200F', '\u061C', '\u2066\u2069', '\u2067\u2069', '\u202A\u202C', '\u202D\u202C'];

/** Combining marks that read as noise over a letter: acute, grave, dot above/below, macron below, tilde, ring. */
const COMBINING_MARKS = ['\u0301', '\u0300', '\u0307', '\u0323', '\u0331', '\u0303', '\u030A', '\u0324', '\u0330'];

/** Unicode tag characters U+E0061–E007A (tag letters a–z): invisible in every common renderer. */
const tagLetter = (rng: Rng): string => String.fromCodePoint(0xe0061 + rng.nextInt(26));

/**
 * First code points of the mathematical alphabets without holes (bold, bold italic, bold
 * script, bold fraktur, sans-serif, sans bold, sans italic, sans bold italic, monospace):
 * capital A at the base, small a at base + 26.
 */
const MATH_ALPHABETS = [0x1d400, 0x1d468, 0x1d4d0, 0x1d56c, 0x1d5a0, 0x1d5d4, 0x1d608, 0x1d63c, 0x1d670];

/** Enclosed letter styles: [capitals base, small letters base]; the last two have capitals only. */
const ENCLOSED_STYLES: ReadonlyArray<readonly [number, number]> = [
  [0x24b6, 0x24d0], // circled Ⓐ ⓐ
  [0x1f130, 0x1f130], // squared 🄰
  [0x1f150, 0x1f150], // negative circled 🅐
  [0x1f170, 0x1f170], // negative squared 🅰
];

/** Offset of an ASCII letter in its alphabet with case: [0, 26) capitals, [26, 52) small letters; -1 otherwise. */
function latinIndex(ch: string): number {
  const c = ch.charCodeAt(0);
  if (ch.length !== 1) return -1;
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return 26 + c - 97;
  return -1;
}

const lookAlike = (table: Readonly<Record<string, readonly string[]>>) => (ch: string, rng: Rng): string | undefined => {
  const options = table[ch];
  return options === undefined ? undefined : pickOne(options, rng);
};

export const INVISIBLE_UNICODE_ATTACKS: readonly TransformAttack[] = [
  transformAttack('invisible-unicode', 'homoglyph', 'swaps about half the letters of trigger words for Cyrillic/Greek look-alikes (free → frее)', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) => mapChars(word, r, 0.5, lookAlike(HOMOGLYPHS))),
  ),
  transformAttack(
    'invisible-unicode',
    'homoglyph-extended',
    'swaps letters of trigger words for Armenian, small-capital and Latin-extension look-alikes (ɑ, օ, ս, ᴠ)',
    (text, rng) => rewriteTargetWords(text, rng, (word, r) => mapChars(word, r, 0.6, lookAlike(EXTENDED_HOMOGLYPHS))),
  ),
  transformAttack('invisible-unicode', 'zero-width', 'hides zero-width spaces and joiners (U+200B–U+200D, U+2060, U+FEFF) inside trigger words', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) => interleave(word, r, 0.5, (rr) => pickOne(ZERO_WIDTH, rr))),
  ),
  transformAttack('invisible-unicode', 'unicode-tags', 'hides invisible Unicode tag characters (U+E0061–U+E007A) inside trigger words', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) => interleave(word, r, 0.4, tagLetter)),
  ),
  transformAttack('invisible-unicode', 'bidi-controls', 'hides direction marks and empty bidi embeddings/isolates (LRM, RLM, LRI…PDI) inside trigger words', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) => interleave(word, r, 0.4, (rr) => pickOne(BIDI_CONTROLS, rr))),
  ),
  transformAttack(
    'invisible-unicode',
    'bidi-reversal',
    'stores trigger words backwards inside a right-to-left override (U+202E … U+202C), so they still render forwards',
    (text, rng) =>
      rewriteTargetWords(text, rng, (word, r) => {
        const overridden = `\u202E${reverseText(word)}\u202C`;
        // Half the time also isolated (LRI … PDI), so the override cannot reorder the words around it.
        return r.next() < 0.5 ? `\u2066${overridden}\u2069` : overridden;
      }),
  ),
  transformAttack('invisible-unicode', 'combining-marks', 'stacks combining diacritics (U+0300–U+036F) on letters of trigger words (f́rẹe)', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) => interleave(word, r, 0.4, (rr) => pickOne(COMBINING_MARKS, rr), true)),
  ),
  transformAttack('invisible-unicode', 'fullwidth', 'writes trigger words in fullwidth forms (ｆｒｅｅ, U+FF01–U+FF5E)', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) =>
      mapChars(word, r, 0.8, (ch) => {
        const c = ch.charCodeAt(0);
        return ch.length === 1 && c >= 0x21 && c <= 0x7e ? String.fromCharCode(c + 0xfee0) : undefined;
      }),
    ),
  ),
  transformAttack('invisible-unicode', 'math-alphanumeric', 'writes trigger words in a mathematical alphabet (𝐟𝐫𝐞𝐞, 𝖿𝗋𝖾𝖾, 𝚏𝚛𝚎𝚎; U+1D400–U+1D6A3)', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) => {
      const base = pickOne(MATH_ALPHABETS, r);
      return mapChars(word, r, 1, (ch) => {
        const index = latinIndex(ch);
        return index < 0 ? undefined : String.fromCodePoint(base + index);
      });
    }),
  ),
  transformAttack('invisible-unicode', 'enclosed-letters', 'writes trigger words in circled or squared letters (ⓕⓡⓔⓔ, 🅵🆁🅴🅴)', (text, rng) =>
    rewriteTargetWords(text, rng, (word, r) => {
      const [capitals, small] = pickOne(ENCLOSED_STYLES, r);
      return mapChars(word, r, 1, (ch) => {
        const index = latinIndex(ch);
        if (index < 0) return undefined;
        return String.fromCodePoint(index < 26 ? capitals + index : capitals === small ? capitals + index - 26 : small + index - 26);
      });
    }),
  ),
];
