import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MAX_DATASET_NAME_LENGTH, parseSplitSpec, validateDatasetName } from '../../src/domain/datasets.js';
import { WardenError } from '../../src/domain/errors.js';
import { canonicalJson, checkExternalCommand, overrideRecipe, parseRecipe, recipeFingerprint, setsExternalRecipe, type Recipe } from '../../src/domain/recipes.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const fp = (recipe: Recipe) => recipeFingerprint(recipe, sha);

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof WardenError, `expected a WardenError, got ${String(error)}`);
    assert.equal(error.code, 'VALIDATION_FAILED');
    return error.field;
  }
  assert.fail('expected a validation error');
}

const base = { family: 'lr', dataset: { builtin: ['spam-assassin'] } };

describe('parseRecipe', () => {
  it('fills structural defaults and canonicalises family names', () => {
    const recipe = parseRecipe({ family: 'logistic-regression', dataset: { builtin: 'spam-assassin' } });
    assert.equal(recipe.family, 'lr');
    assert.equal(recipe.formatVersion, 1);
    assert.equal(recipe.seed, 42);
    assert.deepEqual(recipe.split, { seed: 42, validation: 0.1, test: 0.2 });
    assert.deepEqual(recipe.dataset, { builtin: ['spam-assassin'], datasets: [], includeFresh: false });
    assert.equal(parseRecipe({ family: 'naive-bayes', dataset: { includeFresh: true } }).family, 'nb');
  });

  it('accepts dataset names with optional pinned versions', () => {
    const recipe = parseRecipe({ family: 'mlp', dataset: { datasets: ['phish', { name: 'mail', version: 3 }] } });
    assert.deepEqual(recipe.dataset.datasets, [{ name: 'phish' }, { name: 'mail', version: 3 }]);
  });

  it('names datasets by the dataset-name rule: every name a dataset can have, such as a long model\'s -fresh data', () => {
    const longest = 'd'.repeat(MAX_DATASET_NAME_LENGTH);
    const fresh = `${'m'.repeat(64)}-fresh`;
    for (const name of [longest, fresh]) assert.equal(validateDatasetName(name), name);
    const recipe = parseRecipe({ family: 'lr', dataset: { builtin: [longest], datasets: [fresh, { name: longest, version: 2 }] } });
    assert.deepEqual(recipe.dataset.builtin, [longest]);
    assert.deepEqual(recipe.dataset.datasets, [{ name: fresh }, { name: longest, version: 2 }]);
  });

  it('takes its split spec from the one split rule (domain/datasets.ts)', () => {
    for (const split of [undefined, { seed: 9 }, { seed: 1, validation: 0, test: 0.9 }, { validation: 0.4, test: 0.5 }]) {
      assert.deepEqual(parseRecipe({ ...base, split }).split, parseSplitSpec(split, 'recipe.split'));
    }
  });

  it('names the offending field', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'recipe'],
      [{ ...base, family: 'svm' }, 'recipe.family'],
      [{ ...base, bogus: 1 }, 'recipe.bogus'],
      [{ ...base, hyperParameters: { epochs: Number.NaN } }, 'recipe.hyperParameters.epochs'],
      [{ ...base, hyperParameters: { 'bad key': 1 } }, 'recipe.hyperParameters.bad key'],
      [{ ...base, normalization: { nfkc: 'yes' } }, 'recipe.normalization.nfkc'],
      [{ ...base, seed: -1 }, 'recipe.seed'],
      [{ ...base, split: { test: 0 } }, 'recipe.split.test'],
      [{ ...base, split: { test: 0.5, validation: 0.45 } }, 'recipe.split'],
      [{ ...base, split: { test: 0.2, shuffle: true } }, 'recipe.split.shuffle'],
      [{ family: 'lr', dataset: { datasets: ['x'.repeat(MAX_DATASET_NAME_LENGTH + 1)] } }, 'recipe.dataset.datasets[0].name'],
      [{ ...base, split: { seed: 1.5 } }, 'recipe.split.seed'],
      [{ family: 'lr' }, 'recipe.dataset'],
      [{ family: 'lr', dataset: { builtin: ['Bad Name'] } }, 'recipe.dataset.builtin[0]'],
      [{ family: 'lr', dataset: { datasets: [{ name: 'x', version: 0 }] } }, 'recipe.dataset.datasets[0].version'],
      [{ family: 'lr', dataset: { includeFresh: 'yes' } }, 'recipe.dataset.includeFresh'],
      [{ ...base, family: 'external' }, 'recipe.command'],
      [{ ...base, family: 'external', command: ['python', ''] }, 'recipe.command[1]'],
      [{ ...base, command: ['python'] }, 'recipe.command'],
      [{ ...base, calibration: 'isotonic' }, 'recipe.calibration'],
      [{ ...base, formatVersion: 2 }, 'recipe.formatVersion'],
    ];
    for (const [input, field] of cases) assert.equal(fieldOf(() => parseRecipe(input)), field, JSON.stringify(input));
  });

  it('takes an external command as argv (no shell) and infers the family from it', () => {
    const recipe = parseRecipe({ command: ['python3', 'train.py', '--fp16'], dataset: { builtin: ['spam-assassin'] } });
    assert.equal(recipe.family, 'external');
    assert.deepEqual(recipe.command, ['python3', 'train.py', '--fp16']);
  });
});

describe('recipeFingerprint', () => {
  it('is stable under key order and ignores pinned dataset versions (contents)', () => {
    const a = parseRecipe({ family: 'lr', hyperParameters: { epochs: 5, l2: 1e-6 }, dataset: { datasets: [{ name: 'mail', version: 1 }] } });
    const b = parseRecipe({ dataset: { datasets: [{ version: 7, name: 'mail' }] }, hyperParameters: { l2: 1e-6, epochs: 5 }, family: 'logistic-regression' });
    assert.equal(fp(a), fp(b));
    assert.match(fp(a), /^recipe-[0-9a-f]{64}$/);
  });

  it('changes with the family, a hyper-parameter, the features, the split or the dataset names', () => {
    const reference = fp(parseRecipe(base));
    const variants = [
      { ...base, family: 'nb' },
      { ...base, hyperParameters: { epochs: 9 } },
      { ...base, featurizer: { dimsLog2: 16 } },
      { ...base, normalization: { nfkc: false } },
      { ...base, split: { seed: 7 } },
      { ...base, seed: 1 },
      { family: 'lr', dataset: { builtin: ['spam-assassin'], datasets: ['phish'] } },
      { family: 'lr', dataset: { builtin: ['spam-assassin'], includeFresh: true } },
    ];
    const prints = variants.map((v) => fp(parseRecipe(v)));
    for (const p of prints) assert.notEqual(p, reference);
    assert.equal(new Set(prints).size, prints.length);
  });
});

describe('overrideRecipe', () => {
  const stored = parseRecipe({ family: 'lr', hyperParameters: { epochs: 5, l2: 1e-6 }, featurizer: { dimsLog2: 16, signedHash: true }, dataset: { builtin: ['spam-assassin'] } });

  it('merges hyper-parameters when the family stays', () => {
    const next = overrideRecipe(stored, { hyperParameters: { epochs: 8 } });
    assert.deepEqual(next.hyperParameters, { epochs: 8, l2: 1e-6 });
    assert.deepEqual(next.featurizer, { dimsLog2: 16, signedHash: true });
  });

  it('drops the old family’s hyper-parameters and features when the family changes', () => {
    const next = overrideRecipe(stored, { family: 'nb' });
    assert.equal(next.family, 'nb');
    assert.deepEqual(next.hyperParameters, {});
    assert.deepEqual(next.featurizer, {});
    assert.deepEqual(next.dataset, stored.dataset);
  });

  it('parses the override as a whole recipe when nothing is stored', () => {
    assert.equal(overrideRecipe(null, { family: 'mlp', dataset: { includeFresh: true } }).family, 'mlp');
    assert.equal(fieldOf(() => overrideRecipe(null, { family: 'mlp' })), 'recipe.dataset');
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: undefined } }), '{"a":{"d":[2,{"x":0,"y":1}]},"b":1}');
  });
});

describe('external recipes: the allowlist and what counts as a change', () => {
  const external = (command: string[], hp: Record<string, number> = {}) => parseRecipe({ family: 'external', command, hyperParameters: hp, dataset: { builtin: ['spam-assassin'] } });
  it('refuses every external program when the allowlist is empty, and any program not on it exactly', () => {
    assert.equal(fieldOf(() => checkExternalCommand(external(['/opt/t/train']), [])), 'recipe.command');
    assert.equal(fieldOf(() => checkExternalCommand(external(['/bin/sh', '-c', 'id']), ['/opt/t/train'])), 'recipe.command');
    assert.equal(fieldOf(() => checkExternalCommand(external(['train']), ['/opt/t/train'])), 'recipe.command');
    assert.equal(fieldOf(() => checkExternalCommand(external(['/opt/t/../t/train']), ['/opt/t/train'])), 'recipe.command');
    checkExternalCommand(external(['/opt/t/train', '--fast']), ['/usr/bin/x', '/opt/t/train']);
    checkExternalCommand(parseRecipe(base), []);
  });
  it('setting or changing an external recipe is a change; keeping it, or replacing it by a built-in one, is not', () => {
    const a = external(['/opt/t/train']);
    assert.equal(setsExternalRecipe(null, a), true);
    assert.equal(setsExternalRecipe(parseRecipe(base), a), true);
    assert.equal(setsExternalRecipe(a, external(['/opt/t/train'], { epochs: 3 })), true);
    assert.equal(setsExternalRecipe(a, external(['/opt/t/train'])), false);
    assert.equal(setsExternalRecipe(a, parseRecipe(base)), false);
    assert.equal(setsExternalRecipe(a, null), false);
  });
});
