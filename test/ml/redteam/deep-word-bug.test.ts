import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEEP_WORD_BUG } from '../../../src/ml/redteam/deep-word-bug.js';
import { predictBatch } from '../../../src/ml/classifier.js';
import { createRng } from '../../../src/ml/random.js';
import { trainTextClassifier } from '../../../src/ml/train.js';
import { WardenError } from '../../../src/domain/errors.js';
import { SMALL_FEATURES, syntheticRows } from '../../support/training.js';

const toData = (rows: ReturnType<typeof syntheticRows>) => ({ texts: rows.map((r) => r.text), labels: Uint8Array.from(rows.map((r) => r.label)) });
const { model } = trainTextClassifier(
  { family: 'logistic-regression', featurizer: SMALL_FEATURES },
  { train: toData(syntheticRows(600, 11)), validation: toData(syntheticRows(200, 12)) },
);

/** The trained model behind a counting oracle: every text scored is counted. */
function countingOracle() {
  const oracle = Object.assign((texts: readonly string[]) => {
    oracle.scored += texts.length;
    oracle.calls++;
    return predictBatch(model, texts).map((p) => p.probability);
  }, { scored: 0, calls: 0 });
  return oracle;
}
const spam = syntheticRows(300, 99)
  .filter((row) => row.label === 1)
  .map((row) => row.text)
  .filter((text) => predictBatch(model, [text])[0]!.label === 1)
  .slice(0, 20);

describe('deep-word-bug', () => {
  it('flips real spam verdicts of a trained model within the budget, with the chain of edits that did it', async () => {
    assert.ok(spam.length >= 10, 'the model catches the synthetic spam');
    let evasions = 0;
    for (const [i, text] of spam.entries()) {
      const oracle = countingOracle();
      const result = await DEEP_WORD_BUG.run(text, oracle, { queryBudget: 150, threshold: model.threshold, rng: createRng(i) });
      assert.equal(result.queries, oracle.scored, 'every scored text is counted');
      assert.ok(result.queries <= 150);
      assert.ok(oracle.calls < result.queries, 'queries are batched');
      const rescored = predictBatch(model, [result.adversarial])[0]!;
      assert.ok(Math.abs(rescored.probability - result.score) < 1e-9);
      assert.equal(result.evaded, result.score < model.threshold);
      for (const link of result.chain) {
        const [edit, word] = link.split('@');
        assert.ok(['swap', 'substitute', 'delete', 'insert', 'homoglyph'].includes(edit!), link);
        assert.ok(text.split(/\W+/).includes(word!), link);
        assert.match(word!, /\p{L}/u, 'numbers are not worth a query');
      }
      if (!result.evaded) continue;
      evasions++;
      assert.equal(rescored.label, 0, 'the model now calls it benign');
      assert.ok(result.chain.length > 0);
      assert.notEqual(result.adversarial, text);
    }
    assert.ok(evasions >= 1, `${evasions} of ${spam.length} evaded`);
  });

  it('is deterministic for a seed', async () => {
    const text = spam[0]!;
    const run = (seed: number) => DEEP_WORD_BUG.run(text, countingOracle(), { queryBudget: 80, threshold: model.threshold, rng: createRng(seed) });
    assert.deepEqual(await run(4), await run(4));
  });

  it('spends exactly the budget it is given and reports no evasion when that is too little', async () => {
    for (const budget of [1, 2, 3, 7]) {
      const oracle = countingOracle();
      const result = await DEEP_WORD_BUG.run(spam[1]!, oracle, { queryBudget: budget, threshold: model.threshold, rng: createRng(1) });
      assert.equal(result.evaded, false, `budget ${budget}`);
      assert.ok(result.score >= model.threshold);
      assert.equal(oracle.scored, result.queries);
      assert.ok(result.queries <= budget, `${result.queries} queries for a budget of ${budget}`);
    }
    const unbounded = await DEEP_WORD_BUG.run(spam[1]!, countingOracle(), { queryBudget: 10_000, threshold: -1, rng: createRng(1) });
    assert.equal(unbounded.evaded, false, 'nothing scores below a threshold of -1');
    assert.ok(unbounded.queries > 7 && unbounded.queries < 10_000, 'stops when no edit helps any more');
  });

  it('answers at once for a text the model already lets through, and refuses a budget it cannot keep', async () => {
    const oracle = countingOracle();
    const result = await DEEP_WORD_BUG.run('meeting notes for the project review', oracle, { queryBudget: 50, threshold: model.threshold, rng: createRng(1) });
    assert.deepEqual({ queries: result.queries, evaded: result.evaded, chain: result.chain, adversarial: result.adversarial }, { queries: 1, evaded: true, chain: [], adversarial: 'meeting notes for the project review' });
    await assert.rejects(
      DEEP_WORD_BUG.run(spam[0]!, oracle, { queryBudget: 0, threshold: 0.5, rng: createRng(1) }),
      (e: unknown) => e instanceof WardenError && e.field === 'queryBudget',
    );
  });

  it('works with an asynchronous oracle', async () => {
    const oracle = async (texts: readonly string[]) => predictBatch(model, texts).map((p) => p.probability);
    const result = await DEEP_WORD_BUG.run(spam[2]!, oracle, { queryBudget: 60, threshold: model.threshold, rng: createRng(2) });
    assert.ok(result.queries <= 60 && result.queries > 1);
  });
});
