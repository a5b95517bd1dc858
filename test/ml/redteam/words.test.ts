import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isTriggerWord, matchCase, rewriteTargetWords, targetWords, wordBounds } from '../../../src/ml/redteam/words.js';
import { createRng } from '../../../src/ml/random.js';

const words = (text: string) => {
  const bounds = wordBounds(text);
  return Array.from({ length: bounds.length / 2 }, (_, k) => text.slice(bounds[2 * k], bounds[2 * k + 1]));
};
const targets = (text: string) => {
  const bounds = wordBounds(text);
  return targetWords(text, bounds).map((k) => text.slice(bounds[2 * k], bounds[2 * k + 1]));
};

describe('choosing the words to disguise', () => {
  it('splits text into runs of letters and digits', () => {
    const text = "It's 2pm — café, 𝒳y!";
    assert.deepEqual(words(text), ['It', 's', '2pm', 'café', '𝒳y']);
    assert.deepEqual(words(''), []);
  });

  it('targets every trigger word, then the longest words up to about 30 % of the words', () => {
    assert.deepEqual(targets('we have a wonderful FREE offer for the members'), ['wonderful', 'FREE', 'offer']);
    const prose = 'the quick brown fox jumps over the extraordinarily lazy dog again and again';
    assert.deepEqual(targets(prose), ['quick', 'brown', 'jumps', 'extraordinarily']);
    const triggers = 'free free free free free the a';
    assert.equal(targets(triggers).length, 5, 'all trigger words even beyond the share');
    assert.deepEqual(targets('hi yo'), ['hi'], 'short words only when nothing else');
    assert.deepEqual(targets('...'), []);
  });

  it('knows the trigger words in any ASCII case, and nothing else', () => {
    for (const word of ['free', 'FREE', 'Free', 'viagra', 'instructions', 'password']) assert.ok(isTriggerWord(word), word);
    for (const word of ['fre', 'freee', 'freedom', 'frее', 'free1', '', 'meeting', 'click here']) assert.ok(!isTriggerWord(word), word);
  });

  it('rewrites only the targets, keeping the text between them', () => {
    const out = rewriteTargetWords('Get your FREE prize, now!', createRng(1), (word) => `<${word}>`);
    assert.equal(out, 'Get your <FREE> <prize>, now!');
  });

  it('matches the case of the replaced word', () => {
    assert.equal(matchCase('FREE', 'no cost'), 'NO COST');
    assert.equal(matchCase('Free', 'no cost'), 'No cost');
    assert.equal(matchCase('free', 'no cost'), 'no cost');
    assert.equal(matchCase('I', 'me'), 'Me');
  });
});
