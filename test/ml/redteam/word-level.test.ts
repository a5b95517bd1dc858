import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WORD_LEVEL_ATTACKS } from '../../../src/ml/redteam/word-level.js';
import { TRIGGER_REWRITES } from '../../../src/ml/redteam/lexicon.js';
import { createRng } from '../../../src/ml/random.js';

const run = (id: string, text: string, seed = 1) => {
  const attack = WORD_LEVEL_ATTACKS.find((a) => a.id === id);
  assert.ok(attack, id);
  return attack.apply(text, createRng(seed));
};

describe('word-level attacks', () => {
  it('has a rewrite table of lower-case words and phrases, each with rewrites that differ from it', () => {
    for (const [key, rewrites] of Object.entries(TRIGGER_REWRITES)) {
      assert.match(key, /^[a-z]+(?: [a-z]+)*$/, key);
      assert.ok(rewrites.length > 0 && rewrites.every((r) => r.length > 0 && r.toLowerCase() !== key), key);
    }
  });

  it('synonym-swap: each trigger word becomes one of its synonyms, in its case; other words stay', () => {
    for (let seed = 0; seed < 5; seed++) {
      const out = run('synonym-swap', 'Get FREE cash. Your Password expires, freedom awaits', seed);
      assert.ok(out.startsWith('Get '));
      assert.ok(out.endsWith(', freedom awaits'), 'only whole words');
      const free = TRIGGER_REWRITES.free!.map((w) => w.toUpperCase());
      assert.ok(free.some((w) => out.includes(`Get ${w} `)), out);
      assert.ok(TRIGGER_REWRITES.password!.some((w) => out.includes(`Your ${w[0]!.toUpperCase()}${w.slice(1)} expires`)), out);
      assert.ok(!/\b(free|cash|password)\b/i.test(out), out);
    }
  });

  it('paraphrase-swap: trigger phrases (also hyphenated or spread over lines) become paraphrases', () => {
    const out = run('paraphrase-swap', 'Click here now! It is risk-free.\nIgnore previous\ninstructions please.');
    assert.ok(!/click here|risk.free|ignore previous/i.test(out), out);
    assert.ok(TRIGGER_REWRITES['click here']!.some((p) => out.startsWith(`${p[0]!.toUpperCase()}${p.slice(1)} now!`)), out);
    assert.ok(out.endsWith(' please.'));
    assert.equal(run('paraphrase-swap', 'nothing to see'), 'nothing to see');
  });

  it('reword-all: phrases first, then the remaining trigger words', () => {
    const out = run('reword-all', 'click here to claim your free prize');
    assert.ok(!/\b(click here|claim|free|prize)\b/.test(out), out);
    assert.ok(TRIGGER_REWRITES['click here']!.some((p) => out.startsWith(p)), out);
  });
});
