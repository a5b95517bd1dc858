import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NORMALIZATION, NORMALIZATION_STEPS, normalizePrefix, normalizeText, type NormalizationRecipe } from '../../src/ml/normalize.js';
import { createRng } from '../../src/ml/random.js';

const only = (step: keyof NormalizationRecipe): NormalizationRecipe => ({
  ...(Object.fromEntries(NORMALIZATION_STEPS.map((s) => [s, false])) as unknown as NormalizationRecipe),
  [step]: true,
});

describe('normalizeText', () => {
  it('applies NFKC to full-width letters and ligatures', () => {
    assert.equal(normalizeText('ＦＲＥＥ ﬁnance', only('nfkc')), 'FREE finance');
  });

  it('strips zero-width, bidi, soft hyphen, tag and variation-selector characters', () => {
    const hidden = 'fr\u200Bee\u00AD m\u200Con\u202Eey\u2066 \u{E0041}\u{E007F}win\uFE0F\u200D';
    assert.equal(normalizeText(hidden, only('stripInvisible')), 'free money win');
  });

  it('folds Cyrillic and Greek look-alikes to Latin', () => {
    // "РayРal" with Cyrillic Р, "Ϲlick" is not folded by NFKC-off recipe; Greek ο and Cyrillic е
    assert.equal(normalizeText('\u0420ay\u0420al \u0441lick h\u0435r\u03BF', only('foldConfusables')), 'PayPal click hero');
  });

  it('joins spaced-out single letters and keeps word boundaries marked by double spaces', () => {
    assert.equal(normalizeText('f r e e  m o n e y now', only('collapseSpacedLetters')), 'free  money now');
    assert.equal(normalizeText('V.I.A.G.R.A cheap', only('collapseSpacedLetters')), 'VIAGRA cheap');
  });

  it('leaves ordinary short words alone', () => {
    assert.equal(normalizeText('I am a big cat, a b', DEFAULT_NORMALIZATION), 'i am a big cat, a b');
  });

  it('runs the whole chain: obfuscated spam reads as plain text', () => {
    const obfuscated = 'Ｆ\u200B R E E   \u041C o n e y\n\n\tNOW';
    assert.equal(normalizeText(obfuscated), 'free money now');
  });

  it('collapses whitespace runs and trims', () => {
    assert.equal(normalizeText('  a\t\tb \n c  ', only('collapseWhitespace')), 'a b c');
  });

  it('is a no-op with every step off', () => {
    const off = only('lowercase');
    const text = 'Ａ\u200B Β';
    assert.equal(normalizeText(text, { ...off, lowercase: false }), text);
  });
});

describe('normalizePrefix', () => {
  // Pieces chosen to straddle every cut the function may take: spaced-out letters and
  // separators, whitespace runs, final sigma, combining marks (NFKC reordering and
  // composition), ligatures and full-width forms (NFKC expansion), invisible characters,
  // confusables, İ (lower-cases to two code units) and astral characters.
  const PIECES = [
    'a', 'b', 'Z', '7', ' ', ' ', ' ', '  ', '\n', '\t', '\r\n', '.', '-', '_', '*', 'free', 'money', 'ΟΔΟΣ', 'Σ', 'σ',
    'e\u0301', '\u0301', '\u0327\u0301', 'ﬁ', 'Ｆ', '㎏', '\u200B', '\u00AD', '\u{E0041}', 'а', 'Р', 'İ', '😀', '\uD800', 'f r e e',
  ];
  const randomText = (rng: ReturnType<typeof createRng>, length: number): string => {
    let s = '';
    while (s.length < length) s += PIECES[Math.floor(rng.next() * PIECES.length)]!;
    return s;
  };

  it('equals normalizeText(text).slice(0, maxChars) on random Unicode texts, for every single step and all of them', () => {
    const rng = createRng(7);
    const recipes: NormalizationRecipe[] = [
      DEFAULT_NORMALIZATION,
      ...NORMALIZATION_STEPS.map((step) => only(step)),
    ];
    for (let trial = 0; trial < 400; trial++) {
      const text = randomText(rng, 50 + Math.floor(rng.next() * 1500));
      const maxChars = 1 + Math.floor(rng.next() * 200);
      for (const recipe of recipes) {
        assert.equal(normalizePrefix(text, recipe, maxChars), normalizeText(text, recipe).slice(0, maxChars), JSON.stringify({ trial, maxChars, text }));
      }
    }
  });

  it('is normalizeText when maxChars is 0, and takes the whole text when no cut point exists', () => {
    const text = 'Ｆree m o n e y ' + 'x'.repeat(500);
    assert.equal(normalizePrefix(text, DEFAULT_NORMALIZATION, 0), normalizeText(text));
    assert.equal(normalizePrefix(text, DEFAULT_NORMALIZATION, 10), 'free money');
    const spaced = `${'a '.repeat(300)}b`;
    assert.equal(normalizePrefix(spaced, DEFAULT_NORMALIZATION, 20), normalizeText(spaced).slice(0, 20));
  });
});
