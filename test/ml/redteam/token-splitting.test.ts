import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TOKEN_SPLITTING_ATTACKS } from '../../../src/ml/redteam/token-splitting.js';
import { createRng } from '../../../src/ml/random.js';

const TEXT = 'Claim your free prize money now and verify your account password today';
const run = (id: string, seed = 5, text = TEXT) => {
  const attack = TOKEN_SPLITTING_ATTACKS.find((a) => a.id === id);
  assert.ok(attack, id);
  return attack.apply(text, createRng(seed));
};
const words = (text: string) => text.split(' ');

describe('token-splitting attacks', () => {
  it('spaced-letters: the letters of trigger words one or two spaces apart, nothing else changed but the gaps around them', () => {
    const out = run('spaced-letters');
    assert.match(out, /f {1,2}r {1,2}e {1,2}e {3,}p {1,2}r/, 'neighbouring spaced words set apart by a wider gap');
    assert.equal(out.replace(/ /g, ''), TEXT.replace(/ /g, ''));
  });

  it('dotted-letters: dots between the letters of trigger words', () => {
    const out = run('dotted-letters');
    assert.match(out, /f(?:[.·] ?)r(?:[.·] ?)e(?:[.·] ?)e/);
    assert.equal(out.replace(/[.·] ?/g, ''), TEXT);
  });

  it('word-split: one space inside each disguised word', () => {
    const out = run('word-split');
    assert.equal(out.replace(/ /g, ''), TEXT.replace(/ /g, ''));
    assert.ok(!words(out).includes('free') && !words(out).includes('password'));
    assert.ok(words(out).length > words(TEXT).length);
  });

  it('leetspeak: letters replaced by digits and symbols that read as them, position for position', () => {
    const leet: Record<string, string> = { a: '4@', b: '8', e: '3', g: '9', i: '1!', l: '1|', o: '0', s: '5$', t: '7+', z: '2' };
    const out = run('leetspeak');
    assert.equal(out.length, TEXT.length);
    let changed = 0;
    for (let i = 0; i < out.length; i++) {
      if (out[i] === TEXT[i]) continue;
      changed++;
      assert.ok(leet[TEXT[i]!.toLowerCase()]!.includes(out[i]!), `${out[i]} for ${TEXT[i]}`);
    }
    assert.ok(changed > 0 && !words(out).includes('free'));
  });

  it('typo-swap, typo-insert, typo-delete, typo-substitute: one typo in each disguised word', () => {
    const sorted = (w: string) => [...w].sort().join('');
    const pairs = (out: string) => words(out).map((w, i) => [w, words(TEXT)[i]!] as const);
    const swapped = pairs(run('typo-swap'));
    assert.ok(swapped.every(([w, o]) => sorted(w) === sorted(o)));
    assert.ok(swapped.some(([w, o]) => w !== o) && swapped[2]![0] !== 'free');
    const inserted = pairs(run('typo-insert')).filter(([w, o]) => w !== o);
    assert.ok(inserted.length > 0 && inserted.every(([w, o]) => w.length === o.length + 1));
    const deleted = pairs(run('typo-delete')).filter(([w, o]) => w !== o);
    assert.ok(deleted.length > 0 && deleted.every(([w, o]) => w.length === o.length - 1 && w[0] === o[0]));
    const substituted = pairs(run('typo-substitute')).filter(([w, o]) => w !== o);
    assert.ok(substituted.length > 0);
    for (const [w, o] of substituted) {
      assert.equal(w.length, o.length);
      assert.equal([...w].filter((ch, i) => ch !== o[i]).length, 1);
    }
  });

  it('punctuation-split and html-comment-split: removing the inserted marks gives the input back', () => {
    const punctuated = run('punctuation-split');
    assert.match(punctuated, /\w[-._*',|~^]+\w/);
    assert.equal(punctuated.replace(/[-._*',|~^]/g, ''), TEXT);
    const commented = run('html-comment-split');
    assert.match(commented, /\w<!--[^>]*-->\w/);
    assert.equal(commented.replace(/<!--.*?-->/g, ''), TEXT);
  });

  it('random-case: only the case changes', () => {
    const out = run('random-case');
    assert.notEqual(out, TEXT);
    assert.equal(out.toLowerCase(), TEXT.toLowerCase());
  });

  it('disguises trigger words and long words, never the short words around them', () => {
    for (const attack of TOKEN_SPLITTING_ATTACKS) {
      const out = attack.apply('go to the free shop', createRng(1));
      assert.ok(out.startsWith('go to the '), `${attack.id}: ${out}`);
      assert.ok(!out.includes('free'), `${attack.id}: ${out}`);
    }
  });
});
