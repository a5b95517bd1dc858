/**
 * Text normalisation applied identically at training and at serving time. The
 * recipe is stored in the model manifest, so a model always serves with the
 * chain it was trained with.
 */
import { INVISIBLE_PATTERN, LETTER_OR_DIGIT } from './char-classes.js';
import { rot13 } from './codecs.js';

/**
 * Which normalisation steps are on. Steps run in the order of the fields below. The steps
 * after `collapseWhitespace` in this list came later: a manifest or stored recipe written
 * before them lacks them and reads them as off (`withLegacyDefaults`), so an old model
 * keeps the exact chain it was trained with. Those later steps are optional here: absent = off.
 */
export interface NormalizationRecipe {
  /**
   * Runs first, on the raw text: right-to-left override runs read as displayed, base64 and
   * hex spans that decode to printable text replaced by that text, and a sentence whose
   * ROT13 or reversal reads as English replaced by it (see `decodeEncodedSpans`), so an
   * encoded payload is judged as what it says.
   */
  readonly decodeEncodings?: boolean;
  /** Unicode NFKC: folds full-width, ligatures, superscripts and other compatibility forms. */
  readonly nfkc: boolean;
  /** Removes invisible/format characters: zero-width, bidi controls, Unicode tags, variation selectors, soft hyphen. */
  readonly stripInvisible: boolean;
  /** Maps Cyrillic and Greek look-alikes of Latin letters to the Latin letter (е→e, ο→o, Р→P…). */
  readonly foldConfusables: boolean;
  /**
   * Look-alikes NFKC leaves alone: small capitals, IPA and Armenian/Cherokee letters,
   * negative circled and squared letters, regional indicators (ᴄʟɪᴄᴋ, 🅵🆁🅴🅴 → click, FREE).
   */
  readonly foldLookalikes?: boolean;
  /** Drops combining marks after canonical decomposition (f̶r̶e̶e̶, ｃlíck → free, click); accents go too. */
  readonly stripCombiningMarks?: boolean;
  /** Lower-cases (locale independent). */
  readonly lowercase: boolean;
  /**
   * Joins a word split by an HTML comment, an inline tag or 1–3 punctuation characters
   * between two letters (cl<!-- -->ick, fr.ee, ver-ify → click, free, verify).
   */
  readonly joinSplitWords?: boolean;
  /** Joins runs of ≥3 single letters separated by one space or `.-_*` ("f r e e  m o n e y" → "free money"). */
  readonly collapseSpacedLetters: boolean;
  /**
   * Digits and symbols standing for letters inside a word that has letters (v1agr@, fr33,
   * pa$$w0rd → viagra, free, password); numbers alone (codes, prices) stay as they are.
   */
  readonly foldLeetspeak?: boolean;
  /** Replaces every run of whitespace with one space and trims. */
  readonly collapseWhitespace: boolean;
}

/** The step names, in the order they run. */
export const NORMALIZATION_STEPS = [
  'decodeEncodings',
  'nfkc',
  'stripInvisible',
  'foldConfusables',
  'foldLookalikes',
  'stripCombiningMarks',
  'lowercase',
  'joinSplitWords',
  'collapseSpacedLetters',
  'foldLeetspeak',
  'collapseWhitespace',
] as const satisfies readonly (keyof NormalizationRecipe)[];

/** The steps every recipe and manifest has had from the start; the others read as off when absent. */
export const ORIGINAL_NORMALIZATION_STEPS = ['nfkc', 'stripInvisible', 'foldConfusables', 'lowercase', 'collapseSpacedLetters', 'collapseWhitespace'] as const;

/**
 * The default when a recipe names no step: the original six on, the later obfuscation
 * folds off, so a stored recipe retrains to the same model it always did. Recipes that
 * want every fold say so (see `ROBUST_NORMALIZATION`).
 */
export const DEFAULT_NORMALIZATION: NormalizationRecipe = Object.freeze({
  decodeEncodings: false,
  nfkc: true,
  stripInvisible: true,
  foldConfusables: true,
  foldLookalikes: false,
  stripCombiningMarks: false,
  lowercase: true,
  joinSplitWords: false,
  collapseSpacedLetters: true,
  foldLeetspeak: false,
  collapseWhitespace: true,
});

/** Every step on: for classifiers facing adversarial text (the bootstrap models use it). */
export const ROBUST_NORMALIZATION: NormalizationRecipe = Object.freeze(
  Object.fromEntries(NORMALIZATION_STEPS.map((step) => [step, true])) as unknown as NormalizationRecipe,
);

/**
 * A recipe as stored before the later steps existed, completed with those steps off;
 * unknown keys are kept for the caller's validation to refuse.
 */
export function withLegacyDefaults<T extends Readonly<Record<string, unknown>>>(recipe: T): T {
  const out: Record<string, unknown> = { ...recipe };
  for (const step of NORMALIZATION_STEPS) {
    if (!(step in out) && !(ORIGINAL_NORMALIZATION_STEPS as readonly string[]).includes(step)) out[step] = false;
  }
  return out as T;
}

/** Cyrillic and Greek letters that render like a Latin letter in common fonts. */
const CONFUSABLES: Readonly<Record<string, string>> = {
  // Cyrillic lower case
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  ѕ: 's', і: 'i', ї: 'i', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ь: 'b', ɡ: 'g',
  // Cyrillic upper case
  А: 'A', В: 'B', Е: 'E', Ё: 'E', З: '3', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y',
  Х: 'X', Ѕ: 'S', І: 'I', Ї: 'I', Ј: 'J', Ԛ: 'Q', Ԝ: 'W', Һ: 'H', Ӏ: 'I',
  // Greek lower case
  α: 'a', β: 'b', γ: 'y', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w',
  ϲ: 'c', ϳ: 'j',
  // Greek upper case
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y',
  Χ: 'X', Ϲ: 'C',
};
const CONFUSABLE_PATTERN = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'gu');
const foldOne = (ch: string): string => CONFUSABLES[ch] ?? ch;

const LETTER = LETTER_OR_DIGIT;
const isSeparator = (c: number): boolean => c === 32 || c === 46 || c === 45 || c === 95 || c === 42; // space . - _ *

/**
 * Finds runs of ≥3 single letters separated by one separator (space . - _ *), as in
 * "f r e e": calls `visit(first, last)` with the indices of each run's first and last
 * letter and returns how many runs there are. A hand scanner (a regex with lookbehind was
 * the slowest normalisation step); the normaliser joins the runs, monitoring counts them.
 */
export function scanSpacedLetterRuns(s: string, visit?: (first: number, last: number) => void): number {
  const n = s.length;
  const letterAt = (i: number): boolean => i < n && LETTER[s.charCodeAt(i)] === 1;
  let runs = 0;
  let i = 0;
  // At the top of the loop s[i - 1] is never a letter: each branch stops on a non-letter.
  while (i < n) {
    if (LETTER[s.charCodeAt(i)] !== 1) {
      i++;
    } else if (letterAt(i + 1)) {
      i += 2;
      while (letterAt(i)) i++;
    } else {
      let end = i;
      let count = 1;
      while (end + 2 < n && isSeparator(s.charCodeAt(end + 1)) && letterAt(end + 2) && !letterAt(end + 3)) {
        end += 2;
        count++;
      }
      if (count >= 3) {
        runs++;
        visit?.(i, end);
      }
      i = end + 1;
    }
  }
  return runs;
}

/** Joins runs of ≥3 single letters separated by one separator. */
function collapseSpacedLetters(s: string): string {
  let out = '';
  let copiedUpTo = 0;
  scanSpacedLetterRuns(s, (first, last) => {
    out += s.slice(copiedUpTo, first);
    for (let k = first; k <= last; k += 2) out += s[k];
    copiedUpTo = last + 1;
  });
  return copiedUpTo === 0 ? s : out + s.slice(copiedUpTo);
}


// ---- later steps (each off unless the recipe asks) ----

/**
 * Look-alikes NFKC keeps: small capitals and IPA letters, Armenian and Cherokee letters
 * that render like Latin ones, and letters drawn inside shapes without a compatibility
 * decomposition (negative circled/squared, regional indicators).
 */
const LOOKALIKES: Readonly<Record<string, string>> = (() => {
  const table: Record<string, string> = {
    // small capitals (U+1D00 block and IPA extensions)
    ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ꜰ: 'f', ɢ: 'g', ʜ: 'h', ɪ: 'i', ᴊ: 'j', ᴋ: 'k', ʟ: 'l', ᴍ: 'm', ɴ: 'n',
    ᴏ: 'o', ᴘ: 'p', ʀ: 'r', ꜱ: 's', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ʏ: 'y', ᴢ: 'z',
    // IPA and Latin extended letters that read as plain ones
    ɑ: 'a', ɓ: 'b', ƈ: 'c', ɗ: 'd', ɛ: 'e', ƒ: 'f', ɦ: 'h', ɩ: 'i', ı: 'i', ȷ: 'j', ɭ: 'l', ɱ: 'm', ɲ: 'n', ɵ: 'o',
    ø: 'o', ʠ: 'q', ɽ: 'r', ʂ: 's', ƚ: 'l', ʋ: 'v', ʍ: 'w', ʐ: 'z', ȥ: 'z', ß: 'ss',
    // Armenian
    օ: 'o', ո: 'n', ս: 'u', ց: 'g', հ: 'h', ա: 'w', զ: 'q', ճ: 'a', Տ: 'S', Օ: 'O', Ս: 'U',
    // Cherokee capitals (and their lower-case forms)
    Ꭺ: 'A', Ᏼ: 'B', Ꮯ: 'C', Ꭰ: 'D', Ꭼ: 'E', Ᏻ: 'G', Ꮋ: 'H', Ꭵ: 'i', Ꭻ: 'J', Ꮶ: 'K', Ꮮ: 'L', Ꮇ: 'M', Ꮲ: 'P',
    Ꭱ: 'R', Ꮪ: 'S', Ꭲ: 'T', Ꮩ: 'V', Ꮃ: 'W', Ꮓ: 'Z',
  };
  // 🅐–🅩 negative circled, 🅰–🆉 negative squared, 🇦–🇿 regional indicators: A–Z in order.
  for (const start of [0x1f150, 0x1f170, 0x1f1e6]) {
    for (let k = 0; k < 26; k++) table[String.fromCodePoint(start + k)] = String.fromCharCode(65 + k);
  }
  return table;
})();
const LOOKALIKE_PATTERN = new RegExp(`(?:${Object.keys(LOOKALIKES).join('|')})`, 'gu');
const foldLookalike = (ch: string): string => LOOKALIKES[ch] ?? ch;

// Nonspacing and enclosing marks; spacing marks (\p{Mc}) carry vowels in Indic scripts.
const COMBINING_MARK = /[\p{Mn}\p{Me}]/gu;

// An HTML comment anywhere, or a short inline tag or 1–3 punctuation characters between two letters.
const HTML_COMMENT = /<!--[\s\S]*?-->/g;
const SPLIT_INSIDE_WORD = /(\p{L})(?:<\/?[a-z][a-z0-9]{0,9}\s*\/?>|[.\-_*'’`^~|·•,:;+=#]{1,3})(?=\p{L})/gu;

/** The letter each leetspeak character stands for. */
const LEET: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', $: 's', '!': 'i', '|': 'l' };
// A run of letters, digits and leet symbols with at least one letter and one leet character.
const LEET_TOKEN = /[\p{L}\p{N}@$!|]*\p{L}[\p{L}\p{N}@$!|]*/gu;
const HAS_LEET = /[013457890@$!|]/;
// A number then letters is a quantity or an ordinal (4pm, 10am, 3rd, 2fa), not leetspeak.
const NUMBER_THEN_LETTERS = /^\d+\p{L}+$/u;
/** `!` and `|` are letters only between two word characters ("now!" keeps its "!"); digits, `@` and `$` anywhere in a word with letters. */
function foldLeetToken(token: string): string {
  if (!HAS_LEET.test(token) || NUMBER_THEN_LETTERS.test(token)) return token;
  let out = '';
  for (let i = 0; i < token.length; i++) {
    const ch = token[i]!;
    const letter = LEET[ch];
    if (letter === undefined) out += ch;
    else if ((ch >= '0' && ch <= '9') || ch === '@' || ch === '$') out += letter;
    else out += i > 0 && i < token.length - 1 ? letter : ch;
  }
  return out;
}

// In ASCII text \p{L} is [A-Za-z] and \p{N} is [0-9]: LEET_TOKEN's tokens are the maximal runs
// of letters, digits and @$!| that hold a letter, found here without a callback per word.
const LEET_CLASS = new Uint8Array(128); // 1 = letter, 2 = leet character (digit or @$!|), 3 = digit not folded (2, 6)
for (let c = 65; c <= 90; c++) LEET_CLASS[c] = LEET_CLASS[c + 32] = 1;
for (const ch of '013457890@$!|') LEET_CLASS[ch.charCodeAt(0)] = 2;
for (const ch of '26') LEET_CLASS[ch.charCodeAt(0)] = 3;

/** The foldLeetspeak step: a hand scanner on ASCII text, else `foldLeetspeakByPattern`. */
export function foldLeetspeak(s: string): string {
  return NON_ASCII.test(s) ? foldLeetspeakByPattern(s) : foldLeetspeakAscii(s);
}

/** The foldLeetspeak step by its pattern, on any text (the equivalence tests' reference). */
export function foldLeetspeakByPattern(s: string): string {
  return s.replace(LEET_TOKEN, foldLeetToken);
}

/** `foldLeetspeakByPattern(s)` for an ASCII `s`: only tokens with a letter and a leet character are rebuilt. */
function foldLeetspeakAscii(s: string): string {
  const n = s.length;
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  while (i < n) {
    if (LEET_CLASS[s.charCodeAt(i)] === 0) {
      i++;
      continue;
    }
    const start = i;
    let letter = false;
    let leet = false;
    for (; i < n; i++) {
      const k = LEET_CLASS[s.charCodeAt(i)];
      if (k === 0) break;
      if (k === 1) letter = true;
      else if (k === 2) leet = true;
    }
    if (letter && leet) {
      const token = s.slice(start, i);
      const folded = foldLeetToken(token);
      if (folded !== token) {
        out += s.slice(copiedUpTo, start) + folded;
        copiedUpTo = i;
      }
    }
  }
  return copiedUpTo === 0 ? s : out + s.slice(copiedUpTo);
}

// ---- decoded views ----

/** Share of printable characters a decoded span needs to replace its encoding. */
const MIN_PRINTABLE = 0.9;
// Runs of ≥ 16 base64 characters (standard and URL-safe), hex runs of ≥ 8 bytes either
// contiguous or as space/colon-separated pairs, and \x escapes.
const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const HEX_RUN = /\b(?:[0-9A-Fa-f]{2}[ :]?){8,}|(?:\\x[0-9A-Fa-f]{2}){4,}/g;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text the bytes spell when they are valid UTF-8 and nearly all printable with some letters; otherwise undefined. */
function printableText(bytes: Uint8Array): string | undefined {
  if (bytes.length < 8) return undefined;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  let printable = 0;
  let letters = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c !== 127 && !(c >= 0x80 && c < 0xa0))) printable++;
    if (LETTER_OR_DIGIT[ch.charCodeAt(0)] === 1 && !(c >= 48 && c <= 57)) letters++;
  }
  const length = [...text].length;
  return printable >= MIN_PRINTABLE * length && letters >= 0.3 * length ? text : undefined;
}

function decodeBase64(run: string): string | undefined {
  const body = run.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  // 4n+1 characters cannot be base64; a trailing partial group is dropped, not guessed.
  const usable = body.length % 4 === 1 ? body.slice(0, -1) : body;
  let binary: string;
  try {
    binary = atob(usable + '='.repeat((4 - (usable.length % 4)) % 4));
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return printableText(bytes);
}

function decodeHex(run: string): string | undefined {
  const digits = run.replace(/\\x|[ :]/g, '');
  if (digits.length % 2 === 1) return undefined;
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return printableText(bytes);
}

/**
 * Frequent English words whose ROT13 is not itself a frequent word ("be" ↔ "or" and
 * "an" ↔ "na" are left out), so counting them tells plain English from ROT13.
 */
const ENGLISH_WORDS = new Set(
  ('the and to of in is it you that for on with this are was your have at not from by will can all ' +
    'we they there what about more when which their if do has here now our out up get free click claim ' +
    'money account please send call just how new now only also been were who would my me so no').split(' '),
);
const englishHits = (segment: string): number => {
  let hits = 0;
  for (const word of segment.toLowerCase().match(/[a-z]+/g) ?? []) if (ENGLISH_WORDS.has(word)) hits++;
  return hits;
};
// The words whose ROT13, or whose reversal, is a frequent English word: on ASCII text both
// readings keep every run of letters in place (ROT13) or reverse it whole (reversal), so a
// piece's hits under each reading are counted from its own words, without building either.
const ROT13_OF_ENGLISH = new Set([...ENGLISH_WORDS].map(rot13));
const REVERSED_ENGLISH = new Set([...ENGLISH_WORDS].map((w) => [...w].reverse().join('')));
const LONGEST_ENGLISH_WORD = Math.max(...[...ENGLISH_WORDS].map((w) => w.length));

/**
 * The reading of one sentence or clause: ROT13 or reversed when that reading has at least
 * two frequent English words and more than twice as many as the piece itself, else the piece.
 * ASCII pieces (nearly all) are judged in one pass over their words; elsewhere lower-casing
 * may turn a non-ASCII letter into an ASCII one (K, the Kelvin sign), so each reading is built.
 */
export function readEncodedSegment(segment: string): string {
  const n = segment.length;
  let plain = 0;
  let rotated = 0;
  let reversed = 0;
  let start = -1;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? segment.charCodeAt(i) : 32;
    if (c > 0x7f) return readEncodedSegmentByBuilding(segment);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start <= LONGEST_ENGLISH_WORD) {
        const word = segment.slice(start, i).toLowerCase();
        if (ENGLISH_WORDS.has(word)) plain++;
        if (ROT13_OF_ENGLISH.has(word)) rotated++;
        if (REVERSED_ENGLISH.has(word)) reversed++;
      }
      start = -1;
    }
  }
  const bar = Math.max(1, 2 * plain);
  // The choice readEncodedSegmentByBuilding makes: a reading must beat the bar and every reading tried before it (ROT13 first).
  if (reversed > bar && reversed > rotated) return reversedKeepingEdges(segment);
  if (rotated > bar) return rot13(segment);
  return segment;
}

/** `readEncodedSegment` by building each reading and counting its words: any text (the equivalence tests' reference). */
export function readEncodedSegmentByBuilding(segment: string): string {
  const plain = englishHits(segment);
  let best = segment;
  let bestHits = Math.max(1, 2 * plain);
  for (const candidate of [rot13(segment), reversedKeepingEdges(segment)]) {
    const hits = englishHits(candidate);
    if (hits > bestHits) {
      best = candidate;
      bestHits = hits;
    }
  }
  return best;
}
/** The characters in reverse order, the whitespace at either end left where it is. */
function reversedKeepingEdges(segment: string): string {
  const start = segment.length - segment.trimStart().length;
  const end = segment.trimEnd().length;
  return segment.slice(0, start) + Array.from(segment.slice(start, end)).reverse().join('') + segment.slice(end);
}
// U+202E RIGHT-TO-LEFT OVERRIDE up to its POP DIRECTIONAL FORMATTING (or an isolate's end, or the line's).
const BIDI_OVERRIDE_RUN = /\u202E([^\u202C\u2069\n]*)(?:\u202C|(?=\u2069|\n|$))/g;
// Sentences and clauses: ROT13 is judged per piece, so a plain "decode this:" keeps its words.
const SEGMENT = /[^.!?:;\n]+[.!?:;\n]*/g;

/**
 * Reads right-to-left override runs as they are displayed, replaces base64 and hex spans
 * that decode to printable text by the text (between spaces), then each sentence or clause
 * whose ROT13 or reversal has at least two frequent English words and more than twice as
 * many as the piece itself by that reading. Spans that decode to binary or gibberish, and
 * ordinary English, are left as they are.
 */
export function decodeEncodedSpans(text: string): string {
  // A right-to-left override displays its run backwards: read it as displayed.
  let out = text.includes('\u202E') ? text.replace(BIDI_OVERRIDE_RUN, (_, run: string) => Array.from(run).reverse().join('')) : text;
  if (out.length >= 16) {
    out = out.replace(HEX_RUN, (run) => {
      const decoded = decodeHex(run.trim());
      return decoded === undefined ? run : ` ${decoded} `;
    });
    out = out.replace(BASE64_RUN, (run) => {
      // Pure hex digits were hex's to take; a lone long word is not base64 either.
      if (/^[0-9A-Fa-f]+$/.test(run) || /^[A-Za-z]+$/.test(run)) return run;
      const decoded = decodeBase64(run);
      return decoded === undefined ? run : ` ${decoded} `;
    });
  }
  return out.replace(SEGMENT, readEncodedSegment);
}

// eslint-disable-next-line no-control-regex -- the class is "anything outside ASCII"
const NON_ASCII = /[^\x00-\x7F]/;
// Only runs that are not already a single space: most matches of /\s+/ would be no-ops.
const WHITESPACE_RUN = / \s+|[^\S ]\s*/g;

/**
 * Applies the recipe's steps to `text`. Pure and deterministic; safe for any string
 * (lone surrogates pass through).
 */
export function normalizeText(text: string, recipe: NormalizationRecipe = DEFAULT_NORMALIZATION): string {
  let out = text;
  if (recipe.decodeEncodings) out = decodeEncodedSpans(out);
  // The Unicode steps are no-ops on ASCII; skipping them is the common fast path.
  if (NON_ASCII.test(out)) {
    if (recipe.nfkc) out = out.normalize('NFKC');
    if (recipe.stripInvisible) out = out.replace(INVISIBLE_PATTERN, '');
    if (recipe.foldConfusables) out = out.replace(CONFUSABLE_PATTERN, foldOne);
    if (recipe.foldLookalikes) out = out.replace(LOOKALIKE_PATTERN, foldLookalike);
    if (recipe.stripCombiningMarks) out = out.normalize('NFD').replace(COMBINING_MARK, '').normalize('NFC');
  }
  if (recipe.lowercase) out = out.toLowerCase();
  if (recipe.joinSplitWords) out = out.replace(HTML_COMMENT, '').replace(SPLIT_INSIDE_WORD, '$1');
  if (recipe.collapseSpacedLetters) out = collapseSpacedLetters(out);
  if (recipe.foldLeetspeak) out = foldLeetspeak(out);
  if (recipe.collapseWhitespace) out = out.replace(WHITESPACE_RUN, ' ').trim();
  return out;
}

// ASCII space, tab, line feed, carriage return: a cut before one of these is a boundary
// for every step that looks at context (see normalizePrefix).
const isCutPoint = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
/** Characters at the end of a normalised prefix that may still differ from the full text's. */
const PREFIX_MARGIN = 64;

/**
 * Exactly `normalizeText(text, recipe).slice(0, maxChars)` (all of it when `maxChars` is 0),
 * without normalising the whole of a long text: featurisers read only the first
 * `maxChars` characters, and a long mail costs its full length in NFKC, lower-casing and
 * the whitespace pass otherwise.
 *
 * Why it is exact: the raw text is cut just before an ASCII whitespace character. NFKC
 * has a segment boundary there (a starter that composes with nothing), the per-character
 * steps do not look across it, and lower-casing's only context rule (final sigma) treats
 * whitespace like the end of the text. The two collapsing steps only look a few
 * characters ahead, so the normalised prefix can differ from the full text's only in its
 * last few characters; the cut is accepted when the normalised prefix is at least
 * `maxChars + 64` long, otherwise a longer cut is tried and finally the whole text.
 */
export function normalizePrefix(text: string, recipe: NormalizationRecipe, maxChars: number): string {
  // Decoding and word joining look across whitespace (hex pairs, sentences, comments): no exact cut exists.
  if (maxChars <= 0 || recipe.decodeEncodings === true || recipe.joinSplitWords === true) {
    const all = normalizeText(text, recipe);
    return maxChars > 0 && all.length > maxChars ? all.slice(0, maxChars) : all;
  }
  let cut = 2 * maxChars + PREFIX_MARGIN;
  while (cut < text.length) {
    let c = cut;
    while (c < text.length && !isCutPoint(text.charCodeAt(c))) c++;
    if (c >= text.length) break;
    const head = normalizeText(text.slice(0, c), recipe);
    if (head.length >= maxChars + PREFIX_MARGIN) return head.slice(0, maxChars);
    cut = 2 * c;
  }
  const all = normalizeText(text, recipe);
  return all.length > maxChars ? all.slice(0, maxChars) : all;
}
