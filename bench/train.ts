/**
 * Training benchmark on the SpamAssassin corpus (spam = positive class).
 *
 *   npm run bench:train                       # every family, chosen hyper-parameters
 *   npm run bench:train -- --tune             # re-run the validation grid search first
 *   npm run bench:train -- --headers all      # text = all non-leaking headers + body
 *   npm run bench:train -- --family naive-bayes
 *   npm run bench:train -- --html raw          # keep HTML markup (default: visible text of HTML parts)
 *
 * Protocol: the platform's split — duplicate texts collapsed by the one duplicate rule
 * (domain/datasets.ts `deduplicateRows`), then each message placed by a keyed hash of its
 * text with seed 42 (ml/split.ts): 20 % test, 10 % validation (for calibration, the
 * threshold and hyper-parameter choice), the rest train; the class balance per split is printed. The test split is touched once per family,
 * after everything is chosen. Each family runs in its own child process so its peak RSS
 * is its own. Throughput is end-to-end from the raw text (normalise → featurise → score →
 * calibrate → label), single process, one document at a time, after a 200-document warm-up;
 * CPU-time figures are given too because the machine is shared and wall time is noisy.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deduplicateRows } from '../src/domain/datasets.js';
import { loadSpamAssassin } from '../src/store/datasets/spam-assassin.js';
import {
  applyIdf,
  binaryMetrics,
  calibrate,
  createRng,
  createPredictor,
  evaluateClassifier,
  pick,
  splitIndices,
  trainTextClassifier,
  vectorizeTexts,
  type LabelledTexts,
  type ModelFamily,
  type ThresholdObjective,
  type TrainingRecipe,
} from '../src/ml/index.js';

const SEED = 42;

/** Chosen on the validation split by `--tune` (see TUNING below); the test split played no part. */
const CHOSEN: Record<ModelFamily, TrainingRecipe> = {
  // 3-fold CV AP 0.9983 (best of 9); then maxChars 3000 scored CV AP 0.9985 (vs 0.9983 unlimited) and is ~1.4× faster.
  // refit (train + validation after the threshold is chosen): outer 5-fold CV F1 on the 80 % side
  // 0.9862 vs 0.9843 without (bench/cv-procedures.ts); averaging with NB scored 0.9780.
  'logistic-regression': {
    family: 'logistic-regression',
    featurizer: { dimsLog2: 20, idf: true, maxChars: 3000 },
    hyperParameters: { epochs: 5, learningRate: 0.2, l2: 1e-5, classWeight: 'balanced', refit: true },
  },
  // 3-fold CV AP 0.9807 (best of 12)
  'naive-bayes': {
    family: 'naive-bayes',
    featurizer: { dimsLog2: 18, signedHash: false, idf: true },
    hyperParameters: { variant: 'multinomial', alpha: 0.001, fitPrior: true },
  },
  // Not tuned (no time on the shared machine): LR's featuriser, library defaults otherwise.
  mlp: {
    family: 'mlp',
    featurizer: { dimsLog2: 18, idf: true, maxChars: 3000 },
    hyperParameters: { hidden: 16, epochs: 3, learningRate: 0.05, l2: 1e-6, classWeight: 'balanced' },
  },
};

/**
 * The grid searched per family (featuriser variants × model variants). Each candidate is
 * scored by 3-fold cross-validation on the 80 % side (train + validation): mean
 * out-of-fold average precision, ties broken by mean out-of-fold F1. The validation
 * slice alone (604 messages) was too small: every LR candidate scored the same F1 on it.
 */
const TUNING: Record<ModelFamily, { featurizers: TrainingRecipe['featurizer'][]; hyperParameters: NonNullable<TrainingRecipe['hyperParameters']>[] }> = {
  'logistic-regression': {
    featurizers: [
      { dimsLog2: 18, idf: false },
      { dimsLog2: 18, idf: true },
      { dimsLog2: 20, idf: true },
    ],
    hyperParameters: [
      { epochs: 5, learningRate: 0.5, l2: 1e-6, classWeight: 'balanced' },
      { epochs: 5, learningRate: 0.2, l2: 1e-5, classWeight: 'balanced' },
      { epochs: 10, learningRate: 1, l2: 0, classWeight: 'balanced' },
    ],
  },
  'naive-bayes': {
    featurizers: [
      { dimsLog2: 18, signedHash: false, idf: false },
      { dimsLog2: 18, signedHash: false, idf: true },
    ],
    hyperParameters: (['multinomial', 'complement'] as const).flatMap((variant) =>
      [0.001, 0.01, 0.1].map((alpha) => ({ variant, alpha, fitPrior: true })),
    ),
  },
  mlp: {
    featurizers: [{ dimsLog2: 18, idf: true }],
    hyperParameters: [0.02, 0.05].map((learningRate) => ({ hidden: 16, epochs: 3, learningRate, l2: 1e-6, classWeight: 'balanced' })),
  },
};

const FOLDS = 3;
const THRESHOLD_RULES: ThresholdObjective[] = [{ objective: 'f1' }, { objective: 'probability', probability: 0.5 }];
const compareThresholds = process.argv.includes('--compare-thresholds');
const ruleF1: Record<string, number> = {};
/** Share of the whole corpus carved from the 80 % for calibration and the threshold (`--validation`). */
const VALIDATION = Number(arg('validation') ?? 0.1);

interface FamilyReport {
  family: ModelFamily;
  headers: string;
  recipe: TrainingRecipe;
  tuned?: { candidates: number; bestCvAp: number; bestCvF1: number };
  validation: { f1: number; rocAuc: number };
  test: { f1: number; accuracy: number; precision: number; recall: number; rocAuc: number; prAuc: number; fpr: number; threshold: number; confusion: unknown };
  trainWallSeconds: number;
  trainCpuSeconds: number;
  docsPerSecondWall: number;
  docsPerCpuSecond: number;
  peakRssMiB: number;
}

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * HTML parts as visible text (`--html raw` keeps the markup): outer 5-fold CV on the 80 % side
 * (bench/cv-procedures.ts --html text) moved LR F1 0.9843 → 0.9855 (refit 0.9862 → 0.9865) and
 * NB 0.9602 → 0.9787.
 */
const HTML = (arg('html') ?? 'text') as 'raw' | 'text';

/** The corpus as a training job sees it: deduplicated, then split by the hash of each text. */
function prepare(headers: 'subject' | 'all' | 'none') {
  const loaded = loadSpamAssassin({ headers, html: HTML });
  const deduplicated = deduplicateRows(loaded);
  const texts = deduplicated.rows.map((r) => r.text);
  const labels = Uint8Array.from(deduplicated.rows, (r) => r.label);
  const split = splitIndices(texts, { seed: SEED, test: 0.2, validation: VALIDATION });
  return { loaded: loaded.length, deduplicated, texts, labels, split };
}

function runFamily(family: ModelFamily, headers: 'subject' | 'all' | 'none', tune: boolean): FamilyReport {
  const { texts, labels, split } = prepare(headers);
  const part = (idx: Int32Array): LabelledTexts => ({ texts: pick(texts, idx), labels: Uint8Array.from(pick(labels, idx)) });
  const train = part(split.train);
  const validation = part(split.validation);
  const test = part(split.test);

  let recipe: TrainingRecipe = { ...CHOSEN[family], seed: SEED };
  let tuned: FamilyReport['tuned'];
  if (tune) {
    // Cross-validation over the 80 % side only; the test rows never enter.
    const side = Int32Array.from([...split.train, ...split.validation]).sort();
    const sideTexts = pick(texts, side);
    const sideLabels = Uint8Array.from(pick(labels, side));
    const fold = new Int32Array(side.length);
    for (const cls of [0, 1]) {
      const members = [...side.keys()].filter((i) => sideLabels[i] === cls);
      createRng(SEED + cls).shuffle(members);
      members.forEach((i, k) => (fold[i] = k % FOLDS));
    }
    let best = { ap: -1, f1: -1, recipe };
    let candidates = 0;
    // `--grid '{"featurizers":[…],"hyperParameters":[…]}'` replaces the built-in grid.
    const grid = arg('grid') === undefined ? TUNING[family] : (JSON.parse(arg('grid')!) as (typeof TUNING)[ModelFamily]);
    for (const featurizer of grid.featurizers) {
      const base: TrainingRecipe = { family, featurizer, seed: SEED };
      const vectors = vectorizeTexts(base, sideTexts);
      for (const gridPoint of grid.hyperParameters) {
        // A refit would train on the held-out fold the candidate is scored on: CV scores the model before any refit.
        const { refit: _refit, ...hyperParameters } = gridPoint;
        const candidate: TrainingRecipe = { ...base, hyperParameters };
        let ap = 0;
        let f1 = 0;
        for (let k = 0; k < FOLDS; k++) {
          const inFold = [...side.keys()].filter((i) => fold[i] === k);
          const outFold = [...side.keys()].filter((i) => fold[i] !== k);
          const sub = (idx: number[]): LabelledTexts => ({ texts: pick(sideTexts, idx), labels: Uint8Array.from(pick(sideLabels, idx)), vectors: pick(vectors, idx) });
          if (compareThresholds) {
            // Nested: calibrate + pick the threshold on one half of the held-out fold,
            // measure F1 on the other half (and swap), for each threshold rule.
            const halfA = inFold.filter((_, j) => j % 2 === 0);
            const halfB = inFold.filter((_, j) => j % 2 === 1);
            for (const rule of THRESHOLD_RULES) {
              for (const [calib, held] of [[halfA, halfB], [halfB, halfA]] as const) {
                const r = trainTextClassifier({ ...candidate, threshold: rule }, { train: sub(outFold), validation: sub(calib) });
                const heldPart = sub(held);
                const scorer = createPredictor(r.model);
                const probs = heldPart.vectors!.map((v) => calibrate(scorer.scoreVector(r.model.featurizer.idf ? applyIdf([v], r.model.tensors.idf!)[0]! : v), r.model.calibration));
                const m = binaryMetrics(heldPart.labels, probs, r.model.threshold);
                ruleF1[JSON.stringify(rule)] = (ruleF1[JSON.stringify(rule)] ?? 0) + m.f1 / (2 * FOLDS);
              }
            }
          }
          const result = trainTextClassifier(candidate, { train: sub(outFold), validation: sub(inFold) });
          ap += result.validation.prAuc / FOLDS;
          f1 += result.validation.f1 / FOLDS;
        }
        if (compareThresholds) console.error(`  [thresholds ${family}] nested-CV F1 by rule: ${JSON.stringify(ruleF1)}`);
        candidates++;
        console.error(`  [tune ${family}] ${JSON.stringify(featurizer)} ${JSON.stringify(hyperParameters)} → CV AP ${ap.toFixed(5)} F1 ${f1.toFixed(4)}`);
        if (ap > best.ap || (ap === best.ap && f1 > best.f1)) best = { ap, f1, recipe: candidate };
      }
    }
    // The refit choice comes from bench/cv-procedures.ts, not from this grid.
    const refit = CHOSEN[family].hyperParameters?.refit;
    recipe = refit === undefined ? best.recipe : { ...best.recipe, hyperParameters: { ...best.recipe.hyperParameters, refit } };
    tuned = { candidates, bestCvAp: best.ap, bestCvF1: best.f1 };
  }

  const wall0 = performance.now();
  const cpu0 = cpuSeconds();
  const result = trainTextClassifier(recipe, { train, validation });
  const trainWallSeconds = (performance.now() - wall0) / 1000;
  const trainCpuSeconds = cpuSeconds() - cpu0;

  const metrics = evaluateClassifier(result.model, test);

  const predictor = createPredictor(result.model);
  for (const text of test.texts.slice(0, 200)) predictor.predict(text);
  const t0 = performance.now();
  const c0 = cpuSeconds();
  let spam = 0;
  for (const text of test.texts) spam += predictor.predict(text).label;
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - c0;
  if (spam < 0) console.log(spam); // keeps the loop observable

  return {
    family,
    headers,
    recipe,
    ...(tuned ? { tuned } : {}),
    validation: { f1: result.validation.f1, rocAuc: result.validation.rocAuc },
    test: {
      f1: metrics.f1,
      accuracy: metrics.accuracy,
      precision: metrics.precision,
      recall: metrics.recall,
      rocAuc: metrics.rocAuc,
      prAuc: metrics.prAuc,
      fpr: metrics.fpr,
      threshold: metrics.threshold,
      confusion: metrics.confusion,
    },
    trainWallSeconds,
    trainCpuSeconds,
    docsPerSecondWall: test.texts.length / wall,
    docsPerCpuSecond: test.texts.length / cpu,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

const headers = (arg('headers') ?? 'subject') as 'subject' | 'all' | 'none';
const tune = process.argv.includes('--tune');
const child = arg('child') as ModelFamily | undefined;

if (child !== undefined) {
  process.stdout.write(JSON.stringify(runFamily(child, headers, tune)) + '\n');
} else {
  const families = (arg('family')?.split(',') ?? ['logistic-regression', 'naive-bayes', 'mlp']) as ModelFamily[];
  const self = fileURLToPath(import.meta.url);
  const data = prepare(headers);
  const d = data.deduplicated;
  console.log(`SpamAssassin (${data.loaded.toLocaleString('en')} messages; ${d.duplicatesDropped} duplicates and ${d.conflictRowsDropped} rows of ${d.conflictingTexts} texts labelled both ways dropped), text = ${headers === 'subject' ? 'Subject + body' : headers === 'all' ? 'non-leaking headers + body' : 'body'}, html ${HTML}; hash split, seed ${SEED}: test 20 %, validation ${(VALIDATION * 100).toFixed(0)} %${tune ? '; hyper-parameters re-tuned on validation' : ''}`);
  const balance = (idx: ArrayLike<number>) => {
    let spam = 0;
    for (let i = 0; i < idx.length; i++) spam += data.labels[idx[i]!]!;
    return `${idx.length} rows, ${((100 * spam) / Math.max(1, idx.length)).toFixed(2)} % spam`;
  };
  console.log(`split: all ${balance(Array.from(data.labels, (_, i) => i))}; train ${balance(data.split.train)}; validation ${balance(data.split.validation)}; test ${balance(data.split.test)}`);
  console.log('family               test F1  accuracy  ROC-AUC  PR-AUC   FPR     train s (cpu s)  docs/s (per cpu s)  peak RSS MiB');
  for (const family of families) {
    const out = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', family, '--headers', headers, '--validation', String(VALIDATION), '--html', HTML, ...(tune ? ['--tune'] : []), ...(compareThresholds ? ['--compare-thresholds'] : []), ...(arg('grid') === undefined ? [] : ['--grid', arg('grid')!])], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 24,
    });
    if (out.status !== 0) {
      console.log(`${family}: failed (exit ${out.status})`);
      continue;
    }
    const r = JSON.parse(out.stdout.trim().split('\n').pop()!) as FamilyReport;
    const t = r.test;
    console.log(
      `${family.padEnd(20)} ${t.f1.toFixed(4)}   ${t.accuracy.toFixed(4)}    ${t.rocAuc.toFixed(4)}   ${t.prAuc.toFixed(4)}   ${t.fpr.toFixed(4)}  ` +
        `${r.trainWallSeconds.toFixed(1).padStart(5)} (${r.trainCpuSeconds.toFixed(1)})      ${r.docsPerSecondWall.toFixed(0).padStart(5)} (${r.docsPerCpuSecond.toFixed(0)})       ${r.peakRssMiB.toFixed(0)}`,
    );
    console.log(`  recipe ${JSON.stringify({ featurizer: r.recipe.featurizer, hyperParameters: r.recipe.hyperParameters })}; validation F1 ${r.validation.f1.toFixed(4)}${r.tuned ? `; chosen from ${r.tuned.candidates} candidates by ${FOLDS}-fold CV (AP ${r.tuned.bestCvAp.toFixed(4)}, F1 ${r.tuned.bestCvF1.toFixed(4)})` : ''}; test confusion ${JSON.stringify(t.confusion)}`);
  }
}
