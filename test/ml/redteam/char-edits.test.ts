import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CHAR_EDITS,
  HOMOGLYPHS,
  applyCharEdit,
  deleteChar,
  homoglyphOne,
  innerBoundary,
  insertChar,
  interleave,
  mapChars,
  substituteNeighbour,
  swapAdjacent,
} from '../../../src/ml/redteam/char-edits.js';
import { createRng } from '../../../src/ml/random.js';
import { isWellFormed } from './unicode.js';

describe('character edits', () => {
  it('swap, substitute, delete, insert and homoglyph each make one edit', () => {
    for (let seed = 0; seed < 20; seed++) {
      const rng = createRng(seed);
      const swapped = swapAdjacent('password', rng);
      assert.notEqual(swapped, 'password');
      assert.equal([...swapped].sort().join(''), [...'password'].sort().join(''));
      const substituted = substituteNeighbour('Money', rng);
      assert.equal(substituted.length, 5);
      assert.equal(substituted[0], 'M', 'the first letter stays');
      assert.equal([...substituted].filter((ch, i) => ch !== 'Money'[i]).length, 1);
      const deleted = deleteChar('winner', rng);
      assert.equal(deleted.length, 5);
      assert.equal(deleted[0], 'w');
      const inserted = insertChar('cash', rng);
      assert.equal(inserted.length, 5);
      assert.match(inserted, /^c[a-z]+h$|^cash[a-z]$/);
      const glyphed = homoglyphOne('click', rng);
      const diff = [...glyphed].map((ch, i) => [ch, 'click'[i]!] as const).filter(([a, b]) => a !== b);
      assert.equal(diff.length, 1);
      assert.ok(HOMOGLYPHS[diff[0]![1]]!.includes(diff[0]![0]));
    }
    assert.equal(homoglyphOne('123', createRng(1)), '123');
    assert.equal(deleteChar('a', createRng(1)), 'a');
    assert.deepEqual([...CHAR_EDITS], ['swap', 'substitute', 'delete', 'insert', 'homoglyph']);
  });

  it('never splits a surrogate pair', () => {
    const word = '𝒳a𝒴b😀';
    for (let seed = 0; seed < 50; seed++) {
      for (const edit of CHAR_EDITS) assert.ok(isWellFormed(applyCharEdit(edit, word, createRng(seed))), `${edit} seed ${seed}`);
      assert.ok(isWellFormed(interleave(word, createRng(seed), 0.5, () => '\u200B', true)));
      const b = innerBoundary(word, createRng(seed));
      assert.ok(b > 0 && isWellFormed(word.slice(0, b)));
    }
    assert.equal(innerBoundary('😀', createRng(1)), -1);
  });

  it('interleave and mapChars act at least once when they can, and never when they cannot', () => {
    for (let seed = 0; seed < 20; seed++) {
      assert.match(interleave('free', createRng(seed), 0.01, () => '|'), /^f[^|]*\|/);
      assert.equal(interleave('abc', createRng(seed), 1, () => '.'), 'a.b.c');
      assert.equal(interleave('abc', createRng(seed), 1, () => '.', true), 'a.b.c.');
      assert.equal(interleave('a', createRng(seed), 1, () => '.'), 'a');
      const upper = mapChars('free', createRng(seed), 0.01, (ch) => ch.toUpperCase());
      assert.equal([...upper].filter((ch) => ch !== ch.toLowerCase()).length, 1);
      assert.equal(mapChars('123', createRng(seed), 1, () => undefined), '123');
    }
  });
});
