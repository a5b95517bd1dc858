import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  INVISIBLE_BMP,
  LETTER_OR_DIGIT,
  SCRIPT_CYRILLIC,
  SCRIPT_GREEK,
  SCRIPT_LATIN,
  SCRIPT_OTHER,
  isInvisibleCodePoint,
  scriptTableByCodeUnit,
} from '../../src/ml/char-classes.js';

describe('character classes', () => {
  it('letters and digits of any script, surrogate halves included', () => {
    for (const ch of ['a', 'Z', '7', 'é', 'Ж', '字', '\uD835']) assert.equal(LETTER_OR_DIGIT[ch.charCodeAt(0)], 1, ch);
    for (const ch of [' ', '.', '-', '\u200B']) assert.equal(LETTER_OR_DIGIT[ch.charCodeAt(0)], 0, ch);
  });

  it('invisible: zero-width, bidi controls, soft hyphen, variation selectors, fillers and Unicode tags; not spaces or letters', () => {
    for (const c of [0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad, 0x202e, 0x2066, 0xfe0f, 0x034f, 0x3164]) {
      assert.equal(INVISIBLE_BMP[c], 1, c.toString(16));
      assert.ok(isInvisibleCodePoint(c));
    }
    for (const c of [0x20, 0xa0, 0x41, 0x416]) assert.equal(INVISIBLE_BMP[c], 0, c.toString(16));
    for (const c of [0xe0001, 0xe0041, 0xe007f, 0xe0100, 0x1d173]) assert.ok(isInvisibleCodePoint(c), c.toString(16));
    assert.ok(!isInvisibleCodePoint(0x1d41e), 'mathematical bold e is visible');
  });

  it('script bits by code unit', () => {
    const scripts = scriptTableByCodeUnit();
    assert.equal(scripts['a'.charCodeAt(0)], SCRIPT_LATIN);
    assert.equal(scripts['é'.charCodeAt(0)], SCRIPT_LATIN);
    assert.equal(scripts['α'.charCodeAt(0)], SCRIPT_GREEK);
    assert.equal(scripts['о'.charCodeAt(0)], SCRIPT_CYRILLIC);
    assert.equal(scripts['字'.charCodeAt(0)], SCRIPT_OTHER);
    assert.equal(scripts['7'.charCodeAt(0)], 0);
    assert.equal(scripts[0xd835], SCRIPT_OTHER, 'high surrogate: an astral letter');
    assert.equal(scriptTableByCodeUnit(), scripts, 'built once');
  });
});
