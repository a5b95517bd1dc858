import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NORMALIZATION, normalizeText, type NormalizationRecipe } from '../../src/ml/normalize.js';

const only = (step: keyof NormalizationRecipe): NormalizationRecipe => ({
  nfkc: false,
  stripInvisible: false,
  foldConfusables: false,
  lowercase: false,
  collapseSpacedLetters: false,
  collapseWhitespace: false,
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
