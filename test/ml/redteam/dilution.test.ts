import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DILUTION_ATTACKS, dilutionAttacks } from '../../../src/ml/redteam/dilution.js';
import { BENIGN_WORDS } from '../../../src/ml/redteam/lexicon.js';
import { createRng } from '../../../src/ml/random.js';

const PAYLOAD = 'URGENT: your account is suspended.  Verify your password at http://example.test/login now!';
const run = (id: string, seed: number, text = PAYLOAD) => {
  const attack = DILUTION_ATTACKS.find((a) => a.id === id);
  assert.ok(attack, id);
  return attack.apply(text, createRng(seed));
};

describe('dilution attacks', () => {
  for (let seed = 0; seed < 5; seed++) {
    it(`seed ${seed}: good-word padding keeps the payload verbatim, then appends many benign words`, () => {
      const out = run('good-word-padding', seed);
      assert.ok(out.startsWith(`${PAYLOAD}\n\n`));
      const padding = out.slice(PAYLOAD.length + 2).split(' ');
      assert.ok(padding.length >= 40, `${padding.length} words`);
      for (const word of padding) assert.ok(BENIGN_WORDS.includes(word), word);
    });

    it(`seed ${seed}: benign-prefix buries the verbatim payload after at least 1,500 benign characters; the sandwich puts it in the middle`, () => {
      const buried = run('benign-prefix', seed);
      assert.ok(buried.endsWith(`\n\n${PAYLOAD}`));
      assert.ok(buried.length - PAYLOAD.length >= 1500);
      const long = PAYLOAD.repeat(20);
      assert.ok(run('benign-prefix', seed, long).length >= 4 * long.length, 'three times a long payload');
      const sandwich = run('benign-sandwich', seed);
      const at = sandwich.indexOf(`\n\n${PAYLOAD}\n\n`);
      assert.ok(at >= 700 && sandwich.length - at - PAYLOAD.length >= 700, `${at} of ${sandwich.length}`);
    });

    it(`seed ${seed}: fragmented-payload keeps every payload word, in order, split by benign sentences`, () => {
      const out = run('fragmented-payload', seed);
      const payloadWords = PAYLOAD.split(/\s+/);
      const outWords = out.split(/\s+/);
      let next = 0;
      for (const word of outWords) if (word === payloadWords[next]) next++;
      assert.equal(next, payloadWords.length, 'all payload words, in order');
      assert.ok(!out.includes(PAYLOAD));
      assert.ok(outWords.length >= payloadWords.length + 10);
    });
  }

  it('pads from the source it is given: only its sentences and words, never the lexicon', () => {
    const sentences = ['The quarterly report is attached for your review.', 'Our team meets again next Tuesday at ten.'];
    const words = ['ledger', 'invoice', 'minutes'];
    for (const attack of dilutionAttacks({ sentences, words })) {
      let rest = attack.apply(PAYLOAD, createRng(3));
      for (const piece of [...sentences, ...PAYLOAD.split(/\s+/), ...words]) rest = rest.split(piece).join(' ');
      assert.equal(rest.trim(), '', `${attack.id} added only the payload and the source's text`);
    }
    assert.throws(() => dilutionAttacks({ sentences: [], words }), /needs sentences and words/);
  });

  it('fragmented-payload on a one-word payload keeps it whole', () => {
    assert.ok(run('fragmented-payload', 1, 'viagra').includes(' viagra '));
  });
});
