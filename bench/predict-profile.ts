/**
 * Where prediction time goes: normalise / featurise / score, CPU seconds per stage over the
 * SpamAssassin test split (80/20, seed 42), each stage repeated `--repeat` times.
 *
 *   npx tsx bench/predict-profile.ts [--repeat 3] [--family logistic-regression]
 *   node --cpu-prof --import tsx bench/predict-profile.ts   # then open the .cpuprofile
 */
import { loadSpamAssassin } from '../src/store/datasets/spam-assassin.js';
import {
  createFeaturizer,
  createPredictor,
  normalizeText,
  pick,
  resolveRecipe,
  splitIndices,
  trainTextClassifier,
  type ModelFamily,
} from '../src/ml/index.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const repeat = Number(arg('repeat') ?? 3);
const family = (arg('family') ?? 'logistic-regression') as ModelFamily;
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const rows = loadSpamAssassin();
const texts = rows.map((r) => r.text);
const labels = Uint8Array.from(rows, (r) => r.label);
const split = splitIndices(texts, { seed: 42, test: 0.2, validation: 0.1 });
const part = (idx: Int32Array): { texts: string[]; labels: Uint8Array } => ({ texts: pick(texts, idx), labels: Uint8Array.from(pick(labels, idx)) });
const t0 = cpu();
const { model } = trainTextClassifier({ family, seed: 42 }, { train: part(split.train), validation: part(split.validation) });
console.log(`train cpu ${(cpu() - t0).toFixed(2)} s`);
const test = part(split.test).texts;
const recipe = resolveRecipe({ family });
const predictor = createPredictor(model);
const normalized = test.map((t) => normalizeText(t, recipe.normalization));
console.log(`test docs ${test.length}, mean raw chars ${(test.reduce((s, t) => s + t.length, 0) / test.length).toFixed(0)}`);

const time = (name: string, fn: () => number): void => {
  fn();
  const secs: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const c0 = cpu();
    fn();
    secs.push(cpu() - c0);
  }
  const best = Math.min(...secs);
  console.log(`${name.padEnd(28)} best ${(best * 1000).toFixed(0).padStart(6)} ms cpu  (${(test.length / best).toFixed(0)} docs/cpu-s)  runs ${secs.map((s) => (s * 1000).toFixed(0)).join(' ')}`);
};
time('normalize', () => normalized.reduce((s, _, i) => s + normalizeText(test[i]!, recipe.normalization).length, 0));
const featOnly = createFeaturizer(model.featurizer, model.featurizer.idf ? model.tensors.idf : undefined).featurize;
time('featurize (normalised)', () => {
  let s = 0;
  for (const t of normalized) s += featOnly(t).indices.length;
  return s;
});
const vectors = normalized.map((t) => featOnly(t));
time('score (featurised)', () => {
  let s = 0;
  for (const v of vectors) s += predictor.scoreVector(v);
  return s;
});
time('predict end-to-end', () => {
  let s = 0;
  for (const t of test) s += predictor.predict(t).label;
  return s;
});
