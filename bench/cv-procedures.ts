/**
 * Compares TRAINING PROCEDURES (not hyper-parameters) by an outer cross-validation on the
 * 80 % side of the seed-42 split only; the 20 % test split is never loaded into the loop.
 * For each outer fold, each procedure trains on the other folds and is scored on the fold
 * (F1 at the threshold it chose itself, ROC-AUC):
 *
 * - holdout: today's protocol: 12.5 % validation slice for Platt + threshold, train on the rest;
 * - holdout+refit: the same calibration/threshold, model refitted on train + validation;
 * - crossfit: Platt + threshold on out-of-fold margins (inner k-fold), refit on everything;
 * - crossfit ensemble: mean of LR and NB calibrated probabilities, each cross-fitted;
 * - the holdout procedures for naive Bayes too.
 *
 *   npx tsx bench/cv-procedures.ts [--outer 5] [--inner 5] [--html text]
 */
import { loadSpamAssassin } from '../src/store/datasets/spam-assassin.js';
import {
  applyIdf,
  binaryMetrics,
  calibrate,
  chooseThreshold,
  createRng,
  fitIdf,
  fitLogisticRegression,
  fitNaiveBayes,
  fitPlatt,
  pick,
  resolveRecipe,
  sparseDot,
  splitIndices,
  vectorizeTexts,
  type LinearWeights,
  type LogisticRegressionParams,
  type NaiveBayesParams,
  type SparseVector,
  type TrainingRecipe,
} from '../src/ml/index.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const OUTER = Number(arg('outer') ?? 5);
const INNER = Number(arg('inner') ?? 5);
const SEED = 42;

const rows = loadSpamAssassin({ html: (arg('html') ?? 'raw') as 'raw' | 'text' });
const allLabels = Uint8Array.from(rows, (r) => r.label);
const split = splitIndices(rows.map((r) => r.text), { seed: SEED, test: 0.2, validation: 0 });
const side = Int32Array.from([...split.train, ...split.validation]).sort();
const texts = pick(rows.map((r) => r.text), side);
const labels = Uint8Array.from(pick(allLabels, side));

const LR: TrainingRecipe = { family: 'logistic-regression', seed: SEED };
const NB: TrainingRecipe = { family: 'naive-bayes', seed: SEED };
const lrRecipe = resolveRecipe(LR);
const nbRecipe = resolveRecipe(NB);
const lrVectors = vectorizeTexts(LR, texts);
const nbVectors = vectorizeTexts(NB, texts);

/** Stratified fold ids for `idx` (positions into the side arrays). */
function folds(idx: number[], k: number, seed: number): number[][] {
  const out: number[][] = Array.from({ length: k }, () => []);
  for (const cls of [0, 1]) {
    const members = idx.filter((i) => labels[i] === cls);
    createRng(seed + cls).shuffle(members);
    members.forEach((i, j) => out[j % k]!.push(i));
  }
  return out.map((f) => f.sort((a, b) => a - b));
}

type Fit = (train: number[]) => (row: number) => number;
const fitter = (vectors: readonly SparseVector[], family: 'lr' | 'nb'): Fit => (train) => {
  const recipe = family === 'lr' ? lrRecipe : nbRecipe;
  const dims = 1 << recipe.featurizer.dimsLog2;
  let trainRows = pick(vectors, train);
  let idf: Float32Array | undefined;
  if (recipe.featurizer.idf) {
    idf = fitIdf(trainRows, dims);
    trainRows = applyIdf(trainRows, idf);
  }
  const y = Uint8Array.from(pick(labels, train));
  let w: LinearWeights;
  if (family === 'lr') {
    const gen = fitLogisticRegression(trainRows, y, dims, recipe.hyperParameters as unknown as LogisticRegressionParams, recipe.seed);
    let next = gen.next();
    while (next.done !== true) next = gen.next();
    w = next.value;
  } else {
    w = fitNaiveBayes(trainRows, y, dims, recipe.hyperParameters as unknown as NaiveBayesParams);
  }
  return (row) => sparseDot(idf === undefined ? vectors[row]! : applyIdf([vectors[row]!], idf)[0]!, w.weights) + w.bias;
};
const fitLr = fitter(lrVectors, 'lr');
const fitNb = fitter(nbVectors, 'nb');

/** Cross-fitted probability model on `train`: Platt on out-of-fold margins, refit on all of `train`. */
function crossfit(fit: Fit, train: number[], seed: number): { oof: Float64Array; predict: (row: number) => number } {
  const oofMargins = new Float64Array(train.length);
  const pos = new Map(train.map((r, i) => [r, i]));
  for (const fold of folds(train, INNER, seed)) {
    const inFold = new Set(fold);
    const score = fit(train.filter((r) => !inFold.has(r)));
    for (const r of fold) oofMargins[pos.get(r)!] = score(r);
  }
  const platt = fitPlatt(oofMargins, pick(labels, train));
  const score = fit(train);
  return { oof: oofMargins.map((m) => calibrate(m, platt)), predict: (row) => calibrate(score(row), platt) };
}

const results: Record<string, { f1: number[]; auc: number[] }> = {};
const record = (name: string, test: number[], probs: ArrayLike<number>, threshold: number): void => {
  const m = binaryMetrics(pick(labels, test), probs, threshold);
  (results[name] ??= { f1: [], auc: [] }).f1.push(m.f1);
  results[name].auc.push(m.rocAuc);
};

const all = [...labels.keys()];
for (const [k, test] of folds(all, OUTER, SEED + 100).entries()) {
  const testSet = new Set(test);
  const inner = all.filter((r) => !testSet.has(r));
  // holdout: a stratified 12.5 % validation slice of the inner side.
  const [val] = folds(inner, 8, SEED + k);
  const valSet = new Set(val);
  const tr = inner.filter((r) => !valSet.has(r));
  const score = fitLr(tr);
  const valMargins = val!.map(score);
  const platt = fitPlatt(valMargins, pick(labels, val!));
  const valProbs = valMargins.map((m) => calibrate(m, platt));
  const threshold = chooseThreshold(pick(labels, val!), valProbs);
  record('holdout', test, test.map((r) => calibrate(score(r), platt)), threshold);
  const refit = fitLr(inner);
  record('holdout+refit', test, test.map((r) => calibrate(refit(r), platt)), threshold);

  const nbScore = fitNb(tr);
  const nbValMargins = val!.map(nbScore);
  const nbPlatt = fitPlatt(nbValMargins, pick(labels, val!));
  const nbThreshold = chooseThreshold(pick(labels, val!), nbValMargins.map((m) => calibrate(m, nbPlatt)));
  record('nb holdout', test, test.map((r) => calibrate(nbScore(r), nbPlatt)), nbThreshold);
  const nbRefit = fitNb(inner);
  record('nb holdout+refit', test, test.map((r) => calibrate(nbRefit(r), nbPlatt)), nbThreshold);

  const lr = crossfit(fitLr, inner, SEED + k);
  const innerLabels = pick(labels, inner);
  const lrProbs = test.map(lr.predict);
  record('crossfit lr', test, lrProbs, chooseThreshold(innerLabels, lr.oof));
  record('crossfit lr @0.5', test, lrProbs, 0.5);
  const nb = crossfit(fitNb, inner, SEED + k);
  const nbProbs = test.map(nb.predict);
  record('crossfit nb', test, nbProbs, chooseThreshold(innerLabels, nb.oof));
  const ensOof = lr.oof.map((p, i) => (p + nb.oof[i]!) / 2);
  const ensProbs = lrProbs.map((p, i) => (p + nbProbs[i]!) / 2);
  record('crossfit lr+nb mean', test, ensProbs, chooseThreshold(innerLabels, ensOof));
  console.error(`outer fold ${k + 1}/${OUTER} done`);
}
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
console.log(`outer ${OUTER}-fold CV on the 80 % side (${labels.length} messages), inner ${INNER}-fold, html ${arg('html') ?? 'raw'}`);
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(22)} F1 ${mean(r.f1).toFixed(4)} (${r.f1.map((x) => x.toFixed(3)).join(' ')})  ROC-AUC ${mean(r.auc).toFixed(4)}`);
}
