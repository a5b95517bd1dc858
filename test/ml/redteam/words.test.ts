import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchCase, rewriteTargetWords, targetSpans, wordSpans } from '../../../src/ml/redteam/words.js';
import { createRng } from '../../../src/ml/random.js';

const targetWords = (text: string) => {
  const spans = wordSpans(text);
  return targetSpans(text, spans).map((k) => text.slice(spans[k]!.start, spans[k]!.end));
};

describe('choosing the words to disguise', () => {
  it('splits text into runs of letters and digits', () => {
    const text = "It's 2pm — café, 𝒳y!";
    assert.deepEqual(
      wordSpans(text).map(({ start, end }) => text.slice(start, end)),
      ['It', 's', '2pm', 'café', '𝒳y'],
    );
    assert.deepEqual(wordSpans(''), []);
  });

  it('targets every trigger word, then the longest words up to about 30 % of the words', () => {
    assert.deepEqual(targetWords('we have a wonderful FREE offer for the members'), ['wonderful', 'FREE', 'offer']);
    const prose = 'the quick brown fox jumps over the extraordinarily lazy dog again and again';
    assert.deepEqual(targetWords(prose), ['quick', 'brown', 'jumps', 'extraordinarily']);
    const triggers = 'free free free free free the a';
    assert.equal(targetWords(triggers).length, 5, 'all trigger words even beyond the share');
    assert.deepEqual(targetWords('hi yo'), ['hi'], 'short words only when nothing else');
    assert.deepEqual(targetWords('...'), []);
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
