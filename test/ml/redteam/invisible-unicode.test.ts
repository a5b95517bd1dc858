import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INVISIBLE_UNICODE_ATTACKS } from '../../../src/ml/redteam/invisible-unicode.js';
import { normalizeText } from '../../../src/ml/normalize.js';
import { createRng } from '../../../src/ml/random.js';
import { isWellFormed } from './unicode.js';
import { HOMOGLYPHS } from '../../../src/ml/redteam/char-edits.js';

const attack = (id: string) => {
  const found = INVISIBLE_UNICODE_ATTACKS.find((a) => a.id === id);
  assert.ok(found, id);
  return found;
};
const TEXT = 'Claim your free prize money now, click the link and verify your account password today';
const run = (id: string, seed = 3, text = TEXT) => attack(id).apply(text, createRng(seed));
/** The word of `text` after `n` spaces, for checking that a trigger word was disguised. */
const wordAt = (text: string, n: number) => text.split(' ')[n]!;

describe('invisible-unicode attacks', () => {
  it('homoglyph: Cyrillic/Greek look-alikes in place of Latin letters, one for one', () => {
    const out = [...run('homoglyph')];
    const input = [...TEXT];
    assert.equal(out.length, input.length);
    let changed = 0;
    out.forEach((ch, i) => {
      if (ch === input[i]) return;
      changed++;
      assert.match(ch, /[\p{Script=Cyrillic}\p{Script=Greek}]/u);
      assert.ok(HOMOGLYPHS[input[i]!]!.includes(ch), `${ch} looks like ${input[i]}`);
    });
    assert.ok(changed > 0);
    assert.notEqual(wordAt(out.join(''), 2), 'free');
  });

  it('homoglyph-extended: look-alikes outside Cyrillic and Greek, one for one', () => {
    const out = run('homoglyph-extended');
    assert.equal([...out].length, [...TEXT].length);
    const changed = [...out].filter((ch, i) => ch !== [...TEXT][i]);
    assert.ok(changed.length > 0);
    for (const ch of changed) {
      assert.doesNotMatch(ch, /[\p{Script=Greek}\p{ASCII}]/u);
      assert.equal(ch.normalize('NFKC'), ch, 'NFKC does not fold it back');
    }
  });

  it('zero-width: zero-width characters inside words; stripping them gives the input back', () => {
    const out = run('zero-width');
    assert.match(out, /\p{L}[\u200B-\u200D\u2060\uFEFF]+\p{L}/u);
    assert.equal(out.replace(/[\u200B-\u200D\u2060\uFEFF]/g, ''), TEXT);
    assert.notEqual(wordAt(out, 2), 'free');
  });

  it('unicode-tags: tag characters inside words; stripping them gives the input back', () => {
    const out = run('unicode-tags');
    assert.match(out, /\p{L}[\u{E0061}-\u{E007A}]+\p{L}/u);
    assert.equal(out.replace(/[\u{E0000}-\u{E007F}]/gu, ''), TEXT);
  });

  it('bidi-controls: invisible direction controls inside words; stripping them gives the input back', () => {
    const out = run('bidi-controls');
    const controls = /[\u200E\u200F\u061C\u2066-\u2069\u202A-\u202E]/g;
    assert.match(out, /\p{L}[\u200E\u200F\u061C\u2066-\u2069\u202A-\u202E]+\p{L}/u);
    assert.equal(out.replace(controls, ''), TEXT);
  });

  it('bidi-reversal: words stored backwards inside right-to-left overrides, which reading them back undoes', () => {
    const out = run('bidi-reversal');
    assert.match(out, /\u202E[a-z]+\u202C/);
    assert.ok(!out.includes('free'));
    const rendered = out.replace(/\u2066?\u202E([^\u202C]*)\u202C\u2069?/g, (_, word: string) => [...word].reverse().join(''));
    assert.equal(rendered, TEXT);
  });

  it('combining-marks: diacritics on letters; removing the marks gives the input back', () => {
    const out = run('combining-marks');
    assert.match(out, /\p{L}\p{Mn}/u);
    assert.equal(out.replace(/\p{Mn}/gu, ''), TEXT);
    assert.notEqual(normalizeText(out), normalizeText(TEXT), 'NFKC composes, it does not remove');
  });

  it('fullwidth and math-alphanumeric: styled letters that NFKC folds back to the input', () => {
    const full = run('fullwidth');
    assert.match(full, /[\uFF01-\uFF5E]{2}/);
    assert.equal(full.normalize('NFKC'), TEXT);
    const math = run('math-alphanumeric');
    assert.match(math, /[\u{1D400}-\u{1D6A3}]{3}/u);
    assert.equal(math.normalize('NFKC'), TEXT);
    assert.notEqual(wordAt(math, 2), 'free');
  });

  it('enclosed-letters: circled or squared letters that spell the words', () => {
    const out = run('enclosed-letters');
    const letters = [...out].map((ch) => {
      const c = ch.codePointAt(0)!;
      if (c >= 0x24b6 && c <= 0x24cf) return String.fromCharCode(97 + c - 0x24b6);
      if (c >= 0x24d0 && c <= 0x24e9) return String.fromCharCode(97 + c - 0x24d0);
      for (const base of [0x1f130, 0x1f150, 0x1f170]) if (c >= base && c < base + 26) return String.fromCharCode(97 + c - base);
      return ch.toLowerCase();
    });
    assert.notEqual(out, TEXT);
    assert.equal(letters.join(''), TEXT.toLowerCase());
  });

  it('leaves texts without words alone and keeps astral letters whole', () => {
    for (const a of INVISIBLE_UNICODE_ATTACKS) {
      assert.equal(a.apply('!!! ??? ...', createRng(1)), '!!! ??? ...', a.id);
      assert.ok(isWellFormed(a.apply('𝒳𝒴𝒵 emoji 😀😀 free', createRng(2))), a.id);
    }
  });
});
