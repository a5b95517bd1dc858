/**
 * Character classes shared by the normaliser, the featuriser and the monitoring descriptors,
 * defined once. Tables by UTF-16 code unit are precomputed (a regex per character is too
 * slow on the hot path).
 */

/**
 * Letters and digits by UTF-16 code unit, for the normaliser and the featuriser alike.
 * Surrogate halves count as letters, so astral letters and emoji stay inside their token.
 * Precomputed once for all 65,536 code units.
 */
export const LETTER_OR_DIGIT: Uint8Array = (() => {
  const table = new Uint8Array(65536);
  const letterOrDigit = /[\p{L}\p{N}]/u;
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) table[c] = 1;
    else if (c < 128) table[c] = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? 1 : 0;
    else table[c] = letterOrDigit.test(String.fromCharCode(c)) ? 1 : 0;
  }
  return table;
})();

// \p{Cf} covers zero-width space/joiners, LRM/RLM, bidi embeddings/overrides/isolates,
// word joiner, BOM, soft hyphen and the tag block U+E0000–E007F. Variation selectors,
// the combining grapheme joiner and the Hangul/Mongolian fillers are not Cf but render
// as nothing, so they are listed by hand. Each is matched on its own, so the lint rule
// about combined characters inside a class does not apply.
const INVISIBLE_CLASS =
  '[\\p{Cf}\\u034F\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180F\\u3164\\uFFA0\\uFE00-\\uFE0F\\u{E0100}-\\u{E01EF}]';

/** Every invisible/format character (global: for `replace`). */
// eslint-disable-next-line no-misleading-character-class
export const INVISIBLE_PATTERN = new RegExp(INVISIBLE_CLASS, 'gu');
// eslint-disable-next-line no-misleading-character-class
const ONE_INVISIBLE = new RegExp(`^${INVISIBLE_CLASS}$`, 'u');

/** 1 for each BMP code unit that is invisible (surrogate halves: 0, see isInvisibleCodePoint). */
export const INVISIBLE_BMP: Uint8Array = (() => {
  const table = new Uint8Array(65536);
  for (let c = 128; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    table[c] = ONE_INVISIBLE.test(String.fromCharCode(c)) ? 1 : 0;
  }
  return table;
})();

/** Whether a code point (BMP or astral, e.g. a Unicode tag) is invisible. */
export function isInvisibleCodePoint(codePoint: number): boolean {
  if (codePoint < 0x10000) return INVISIBLE_BMP[codePoint] === 1;
  // Astral format characters are rare outside the tag and variation-selector blocks.
  if ((codePoint >= 0xe0000 && codePoint <= 0xe007f) || (codePoint >= 0xe0100 && codePoint <= 0xe01ef)) return true;
  return ONE_INVISIBLE.test(String.fromCodePoint(codePoint));
}

/** Script bits of a letter, for mixed-script detection: a token whose letters set two bits mixes scripts. */
export const SCRIPT_LATIN = 1;
export const SCRIPT_GREEK = 2;
export const SCRIPT_CYRILLIC = 4;
/** Any other script's letter, and astral letters (mathematical alphanumerics, …), by their high surrogate. */
export const SCRIPT_OTHER = 8;

let scriptTable: Uint8Array | undefined;

/**
 * Script bit by UTF-16 code unit (0 for digits, marks, punctuation and low surrogates).
 * Built on first use (about 50,000 letters tested), so the serving path that never asks
 * does not pay for it.
 */
export function scriptTableByCodeUnit(): Uint8Array {
  if (scriptTable !== undefined) return scriptTable;
  const table = new Uint8Array(65536);
  const latin = /\p{Script=Latin}/u;
  const greek = /\p{Script=Greek}/u;
  const cyrillic = /\p{Script=Cyrillic}/u;
  const letter = /\p{L}/u;
  for (let c = 65; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdbff) {
      table[c] = SCRIPT_OTHER;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) continue;
    const ch = String.fromCharCode(c);
    if (c < 128) table[c] = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? SCRIPT_LATIN : 0;
    else if (!letter.test(ch)) continue;
    else if (latin.test(ch)) table[c] = SCRIPT_LATIN;
    else if (greek.test(ch)) table[c] = SCRIPT_GREEK;
    else if (cyrillic.test(ch)) table[c] = SCRIPT_CYRILLIC;
    else table[c] = SCRIPT_OTHER;
  }
  scriptTable = table;
  return table;
}
