/**
 * Text normalisation applied identically at training and at serving time. The
 * recipe is stored in the model manifest, so a model always serves with the
 * chain it was trained with.
 */
import { INVISIBLE_PATTERN, LETTER_OR_DIGIT } from './char-classes.js';

/** Which normalisation steps are on. Steps run in the order of the fields below. */
export interface NormalizationRecipe {
  /** Unicode NFKC: folds full-width, ligatures, superscripts and other compatibility forms. */
  readonly nfkc: boolean;
  /** Removes invisible/format characters: zero-width, bidi controls, Unicode tags, variation selectors, soft hyphen. */
  readonly stripInvisible: boolean;
  /** Maps Cyrillic and Greek look-alikes of Latin letters to the Latin letter (е→e, ο→o, Р→P…). */
  readonly foldConfusables: boolean;
  /** Lower-cases (locale independent). */
  readonly lowercase: boolean;
  /** Joins runs of ≥3 single letters separated by one space or `.-_*` ("f r e e  m o n e y" → "free money"). */
  readonly collapseSpacedLetters: boolean;
  /** Replaces every run of whitespace with one space and trims. */
  readonly collapseWhitespace: boolean;
}

/** The step names, in the order they run. */
export const NORMALIZATION_STEPS = [
  'nfkc',
  'stripInvisible',
  'foldConfusables',
  'lowercase',
  'collapseSpacedLetters',
  'collapseWhitespace',
] as const satisfies readonly (keyof NormalizationRecipe)[];

/** Every step on: the default for security classifiers facing adversarial text. */
export const DEFAULT_NORMALIZATION: NormalizationRecipe = Object.freeze({
  nfkc: true,
  stripInvisible: true,
  foldConfusables: true,
  lowercase: true,
  collapseSpacedLetters: true,
  collapseWhitespace: true,
});

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
  // The three Unicode steps are no-ops on ASCII; skipping them is the common fast path.
  if (NON_ASCII.test(out)) {
    if (recipe.nfkc) out = out.normalize('NFKC');
    if (recipe.stripInvisible) out = out.replace(INVISIBLE_PATTERN, '');
    if (recipe.foldConfusables) out = out.replace(CONFUSABLE_PATTERN, foldOne);
  }
  if (recipe.lowercase) out = out.toLowerCase();
  if (recipe.collapseSpacedLetters) out = collapseSpacedLetters(out);
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
  if (maxChars <= 0) return normalizeText(text, recipe);
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
