/**
 * Training entry point: recipe + labelled texts → a calibrated TextClassifier with a
 * validation-chosen threshold. Synchronous and deterministic for a given seed and
 * input order. Long loops report progress and honour cancellation.
 *
 * Two ways to drive it:
 * - `trainTextClassifier(recipe, data, { onProgress, shouldCancel })`: plain call;
 * - `trainTextClassifierSteps(recipe, data)`: a generator yielding progress; an async
 *   job can `await` between steps (to flush progress, read a cancel flag) and cancels by
 *   simply not resuming it (`gen.return()`).
 */
import { invalid } from '../domain/errors.js';
import { DEFAULT_NORMALIZATION, NORMALIZATION_STEPS, normalizeText, type NormalizationRecipe } from './normalize.js';
import { runToEnd } from './steps.js';
import { DEFAULT_FEATURIZER, FEATURIZER_FIELDS, countDocument, createFeaturizer, idfOf, sparseDot, validateFeaturizerConfig, weighRow, type FeaturizerConfig, type SparseVector } from './features.js';
import {
  DEFAULT_LOGISTIC_REGRESSION,
  fitLogisticRegression,
  validateLogisticRegressionParams,
  type LinearWeights,
  type LogisticRegressionParams,
  type SliceReport,
  SLICE_WORK,
} from './logistic-regression.js';
import { DEFAULT_NAIVE_BAYES, fitNaiveBayes, validateNaiveBayesParams, type NaiveBayesParams } from './naive-bayes.js';
import { DEFAULT_MLP, fitMlp, validateMlpParams, type MlpParams, type MlpWeights } from './mlp.js';
import { IDENTITY_CALIBRATION, TRIM_CUT, WINDOW_WEIGHTS_TRIM_CUT, calibrate, chooseThreshold, fitPlatt, fitWindowOffset, type PlattCalibration, type ThresholdObjective } from './calibration.js';
import { binaryMetrics, logLoss, metricsToRecord, rocAuc, type BinaryMetrics } from './metrics.js';
import { MODEL_FAMILIES, combineViewMargins, createPredictor, createScorer, trimmedView, viewsOf, type HyperParameters, type ModelFamily, type TextClassifier } from './classifier.js';
import { createRng } from './random.js';
import { TRANSFORM_ATTACKS } from './redteam/catalogue.js';

/** What to train. Omitted parts take the family's defaults (see `resolveRecipe`). */
export interface TrainingRecipe {
  readonly family: ModelFamily;
  readonly normalization?: Partial<NormalizationRecipe>;
  readonly featurizer?: Partial<FeaturizerConfig>;
  /** Family hyper-parameters: LogisticRegressionParams, NaiveBayesParams or MlpParams fields. */
  readonly hyperParameters?: HyperParameters;
  readonly seed?: number;
  readonly threshold?: ThresholdObjective;
  /** `platt` (default) fits a sigmoid on the validation margins; `none` uses sigmoid(margin). */
  readonly calibration?: 'platt' | 'none';
}

/** A recipe with every default filled in: what is stored with a model so it can be retrained. */
export interface ResolvedRecipe {
  readonly family: ModelFamily;
  readonly normalization: NormalizationRecipe;
  readonly featurizer: FeaturizerConfig;
  readonly hyperParameters: HyperParameters;
  readonly seed: number;
  readonly threshold: ThresholdObjective;
  readonly calibration: 'platt' | 'none';
}

export interface LabelledTexts {
  readonly texts: readonly string[];
  /** 0/1 per text; 1 = positive class. */
  readonly labels: ArrayLike<number>;
  /**
   * Optional precomputed rows (from `vectorizeTexts` with the SAME resolved recipe), to
   * train several families/hyper-parameters on one featurisation. Skips featurisation.
   */
  readonly vectors?: readonly SparseVector[];
}

export interface TrainingData {
  readonly train: LabelledTexts;
  /** Used for calibration, the threshold and per-epoch validation metrics; never trained on. */
  readonly validation: LabelledTexts;
}

export const TRAINING_PHASES = ['featurize', 'train', 'calibrate', 'done'] as const;
export type TrainingPhase = (typeof TRAINING_PHASES)[number];

export interface TrainingProgress {
  readonly phase: TrainingPhase;
  /** Current epoch (1-based) during `train`, 0 before. */
  readonly epoch: number;
  readonly epochs: number;
  /** Rows featurised so far during `featurize`, epochs done during `train`. */
  readonly step: number;
  readonly steps: number;
  /** Overall completion in [0, 1], monotone. */
  readonly fraction: number;
  /**
   * Rows of the current epoch done so far, on reports from inside an epoch (they carry no
   * loss); absent on the report that ends an epoch.
   */
  readonly row?: number;
  readonly rows?: number;
  /** Training loss of the epoch just finished. */
  readonly loss?: number;
  /** Validation log loss (uncalibrated sigmoid of the margin) after the epoch. */
  readonly validationLoss?: number;
  readonly validationRocAuc?: number;
  /** While `augment` writes its adversarial copies (before featurising): copies written, of how many. */
  readonly adversarialCopies?: { readonly done: number; readonly total: number };
}

/** One row of the per-epoch history (for logging metrics to a run). */
export interface EpochMetrics {
  readonly epoch: number;
  readonly loss: number;
  readonly validationLoss: number;
  readonly validationRocAuc: number;
}

export interface TrainingResult {
  readonly model: TextClassifier;
  readonly recipe: ResolvedRecipe;
  /** Metrics on the validation split at the chosen threshold (calibrated probabilities). */
  readonly validation: BinaryMetrics;
  readonly history: readonly EpochMetrics[];
}

export interface TrainingOptions {
  /** Recorded in the model (e.g. the dataset version's sha256). */
  readonly datasetDigest?: string | null;
  readonly onProgress?: (progress: TrainingProgress) => void;
  /** Polled after every report (each slice of featurising or training, each epoch); returning true throws TrainingCancelledError. */
  readonly shouldCancel?: () => boolean;
}

/** Thrown by `trainTextClassifier` when `shouldCancel` returned true. */
export class TrainingCancelledError extends Error {
  constructor() {
    super('training was cancelled');
    this.name = 'TrainingCancelledError';
  }
}

// Featuriser defaults per family, chosen by 3-fold CV on SpamAssassin's training side
// (bench/train.ts --tune): IDF helps every family; LR gains from 2^20 buckets; reading
// only the first 3,000 characters costs no CV average precision and is ~1.4× faster.
const FAMILY_DEFAULTS: Record<ModelFamily, { hyperParameters: HyperParameters; featurizer: Partial<FeaturizerConfig> }> = {
  'logistic-regression': { hyperParameters: { ...DEFAULT_LOGISTIC_REGRESSION }, featurizer: { dimsLog2: 20, idf: true, maxChars: 3000 } },
  // Naive Bayes counts must be non-negative.
  'naive-bayes': { hyperParameters: { ...DEFAULT_NAIVE_BAYES }, featurizer: { signedHash: false, idf: true } },
  mlp: { hyperParameters: { ...DEFAULT_MLP }, featurizer: { idf: true, maxChars: 3000 } },
};

/**
 * Hyper-parameters every family accepts that have no default (absent = off), so recipes
 * resolved before they existed resolve to the same thing:
 * - `refit` (boolean): after the calibration and threshold are chosen on the validation
 *   split, refit the model on train + validation (the stored val_* metrics are those of
 *   the model before the refit, which had not seen the validation rows).
 * - `augment` (boolean): adversarial training, see `augmentTraining`.
 */
const OPTIONAL_HYPER_PARAMETERS: Readonly<Record<string, 'boolean'>> = { refit: 'boolean', augment: 'boolean' };

/** Salt of the augmentation's rng, so it draws apart from the model's own seeded shuffles. */
const AUGMENT_SALT = 0x5eed_a7c;

/**
 * Adversarial training rows made from the training rows only (never validation or test),
 * seeded by the recipe: per positive row, one copy rewritten by a random blind attack of the
 * catalogue (not the dilution family, whose padding is the catalogue's own benign lexicon:
 * training on it would teach the lexicon, not the skill). Copies buried in negative training
 * text were tried too and dropped: ham words in positive rows blurred the ham evidence
 * (bench:robustness clean recall at FPR ≤ 0.5 % 0.978 → 0.961, dilution unchanged).
 */
export function augmentTraining(data: LabelledTexts, seed: number): { texts: string[]; labels: Uint8Array } {
  return runToEnd(augmentTrainingSteps(data, seed));
}

/** Adversarial copies written between two yields of {@link augmentTrainingSteps}. */
const PREPARE_SLICE_ROWS = 32;

/** {@link augmentTraining} yielding the copies written so far every few rewrites (an attack on a long mail takes a while). */
export function* augmentTrainingSteps(data: LabelledTexts, seed: number): Generator<number, { texts: string[]; labels: Uint8Array }> {
  const rng = createRng((seed ^ AUGMENT_SALT) >>> 0);
  const rewrites = TRANSFORM_ATTACKS.filter((attack) => attack.family !== 'dilution');
  const texts = [...data.texts];
  const labels: number[] = Array.from(data.labels);
  let copies = 0;
  for (let i = 0; i < data.texts.length; i++) {
    if (data.labels[i] !== 1) continue;
    const payload = data.texts[i]!;
    texts.push(rewrites[rng.nextInt(rewrites.length)]!.apply(payload, rng));
    labels.push(1);
    if (++copies % PREPARE_SLICE_ROWS === 0) yield copies;
  }
  return { texts, labels: Uint8Array.from(labels) };
}

/** Fills defaults and validates; throws VALIDATION_FAILED naming the field (`recipe.…`). */
export function resolveRecipe(recipe: TrainingRecipe): ResolvedRecipe {
  if (!MODEL_FAMILIES.includes(recipe.family)) throw invalid('recipe.family', `family must be one of ${MODEL_FAMILIES.join(', ')}`);
  const defaults = FAMILY_DEFAULTS[recipe.family];
  const normalization = { ...DEFAULT_NORMALIZATION, ...recipe.normalization };
  for (const step of NORMALIZATION_STEPS) {
    if (typeof normalization[step] !== 'boolean') throw invalid(`recipe.normalization.${step}`, `${step} must be a boolean`);
  }
  for (const key of Object.keys(normalization)) {
    if (!(NORMALIZATION_STEPS as readonly string[]).includes(key)) throw invalid(`recipe.normalization.${key}`, `unknown normalisation step ${key}`);
  }
  for (const key of Object.keys(recipe.featurizer ?? {})) {
    // A misspelt field would otherwise be stored with the recipe and never read.
    if (!(FEATURIZER_FIELDS as readonly string[]).includes(key)) throw invalid(`recipe.featurizer.${key}`, `unknown featuriser field ${key}; the fields are ${FEATURIZER_FIELDS.join(', ')}`);
  }
  const featurizer: FeaturizerConfig = { ...DEFAULT_FEATURIZER, ...defaults.featurizer, ...recipe.featurizer };
  validateFeaturizerConfig(featurizer, 'recipe.featurizer');
  const hyperParameters = { ...defaults.hyperParameters, ...recipe.hyperParameters };
  for (const key of Object.keys(hyperParameters)) {
    if (key in OPTIONAL_HYPER_PARAMETERS) {
      if (typeof hyperParameters[key] !== OPTIONAL_HYPER_PARAMETERS[key]) throw invalid(`recipe.hyperParameters.${key}`, `${key} must be a ${OPTIONAL_HYPER_PARAMETERS[key]}`);
    } else if (!(key in defaults.hyperParameters)) {
      throw invalid(`recipe.hyperParameters.${key}`, `unknown hyper-parameter ${key} for ${recipe.family}`);
    }
  }
  if (recipe.family === 'logistic-regression') validateLogisticRegressionParams(hyperParameters as unknown as LogisticRegressionParams, 'recipe.hyperParameters');
  if (recipe.family === 'naive-bayes') {
    validateNaiveBayesParams(hyperParameters as unknown as NaiveBayesParams, 'recipe.hyperParameters');
    if (featurizer.signedHash) throw invalid('recipe.featurizer.signedHash', 'naive Bayes needs signedHash: false');
  }
  if (recipe.family === 'mlp') validateMlpParams(hyperParameters as unknown as MlpParams, 'recipe.hyperParameters');
  if (featurizer.windowWeights === true) {
    if (recipe.family !== 'logistic-regression') throw invalid('recipe.featurizer.windowWeights', 'window weights are fitted for logistic regression only');
    // The refit would refit the text's weights on train + validation, not the windows', and the offset fitted between the two would no longer hold.
    if (hyperParameters.refit === true) throw invalid('recipe.hyperParameters.refit', 'refit cannot be combined with featurizer.windowWeights');
  }
  const seed = recipe.seed ?? 42;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw invalid('recipe.seed', 'seed must be an unsigned 32-bit integer');
  const threshold = recipe.threshold ?? { objective: 'f1' };
  const thresholdOk =
    threshold.objective === 'f1' ||
    (threshold.objective === 'fpr' && threshold.maxFpr >= 0 && threshold.maxFpr < 1) ||
    (threshold.objective === 'probability' && threshold.probability > 0 && threshold.probability < 1);
  if (!thresholdOk) {
    throw invalid('recipe.threshold', "threshold must be {objective: 'f1'}, {objective: 'fpr', maxFpr in [0, 1)} or {objective: 'probability', probability in (0, 1)}");
  }
  const calibration = recipe.calibration ?? 'platt';
  if (calibration !== 'platt' && calibration !== 'none') throw invalid('recipe.calibration', "calibration must be 'platt' or 'none'");
  return { family: recipe.family, normalization, featurizer, hyperParameters, seed, threshold, calibration };
}

function checkData(data: LabelledTexts, field: string): void {
  if (data.texts.length !== data.labels.length) throw invalid(`${field}.labels`, 'texts and labels differ in length');
  for (let i = 0; i < data.labels.length; i++) {
    if (data.labels[i] !== 0 && data.labels[i] !== 1) throw invalid(`${field}.labels`, `label at row ${i} must be 0 or 1`);
    if (typeof data.texts[i] !== 'string') throw invalid(`${field}.texts`, `text at row ${i} must be a string`);
  }
}

/** What a family's fit yields: a slice of work inside an epoch, or an epoch's end. */
type FitStep = { readonly kind: 'epoch'; readonly epoch: number; readonly loss: number } | SliceReport;

const FEATURIZE_SHARE = 0.4;
const TRAIN_SHARE = 0.55;

/**
 * `fitIdf` on `fitRows`, then `applyIdf` to each of `parts`, yielding `pending` every few
 * hundred rows: in one piece, both took ~0.4 s of a default LR training on SpamAssassin and
 * ~1.1 s of the bootstrap model's (2^20 buckets), held from the process's event loop.
 */
function* weighByIdf(
  fitRows: readonly SparseVector[],
  parts: readonly (readonly SparseVector[])[],
  dims: number,
  pending: TrainingProgress,
): Generator<TrainingProgress, { idf: Float32Array; parts: SparseVector[][] }> {
  const df = new Uint32Array(dims);
  for (let i = 0; i < fitRows.length; i++) {
    countDocument(df, fitRows[i]!);
    if (i % IDF_SLICE_ROWS === IDF_SLICE_ROWS - 1) yield pending;
  }
  const idf = idfOf(df, fitRows.length);
  const weighed: SparseVector[][] = [];
  for (const rows of parts) {
    const out = new Array<SparseVector>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      out[i] = weighRow(rows[i]!, idf);
      if (i % IDF_SLICE_ROWS === IDF_SLICE_ROWS - 1) yield pending;
    }
    weighed.push(out);
  }
  return { idf, parts: weighed };
}

/** Raw margin of a window's unweighed row (`featurize` without IDF) by a model's window weights. */
function windowRowScorer(tensors: Readonly<Record<string, Float32Array>>): (row: SparseVector) => number {
  const weights = tensors.windowWeights!;
  const bias = tensors.windowBias![0]!;
  const idf = tensors.windowIdf;
  return (row) => sparseDot(idf === undefined ? row : weighRow(row, idf), weights) + bias;
}

/** Rows counted or weighed between two yields of `weighByIdf`. */
const IDF_SLICE_ROWS = 256;

/** The generator form: yields progress, returns the result. See the module comment. */
export function* trainTextClassifierSteps(
  recipe: TrainingRecipe,
  data: TrainingData,
  options: Pick<TrainingOptions, 'datasetDigest'> = {},
): Generator<TrainingProgress, TrainingResult> {
  const resolved = resolveRecipe(recipe);
  checkData(data.train, 'train');
  checkData(data.validation, 'validation');
  const epochs = resolved.family === 'naive-bayes' ? 1 : Number(resolved.hyperParameters.epochs);
  let positives = 0;
  for (let i = 0; i < data.train.labels.length; i++) if (data.train.labels[i] === 1) positives++;
  // Checked before augmenting: the copies are all positive, so they cannot supply a missing class.
  if (positives === 0 || positives === data.train.labels.length) throw invalid('train.labels', 'the training split needs both classes');
  if (resolved.hyperParameters.augment === true) {
    if (data.train.vectors !== undefined) throw invalid('train.vectors', 'precomputed vectors cannot be augmented: with hyperParameters.augment, train from the texts');
    const augmenting = augmentTrainingSteps(data.train, resolved.seed);
    for (let next = augmenting.next(); ; next = augmenting.next()) {
      if (next.done === true) {
        data = { ...data, train: next.value };
        break;
      }
      const steps = data.train.texts.length + positives + data.validation.texts.length;
      yield { phase: 'featurize', epoch: 0, epochs, step: 0, steps, fraction: 0, adversarialCopies: { done: next.value, total: positives } };
    }
  }
  // Rows are featurised without IDF; when the recipe wants IDF it is learnt on the
  // training rows and applied afterwards (one featurisation pass instead of two).
  const featurizer = createFeaturizer({ ...resolved.featurizer, idf: false });
  const total = data.train.texts.length + data.validation.texts.length;
  const windowed = (resolved.featurizer.windowChars ?? 0) > 0;
  /**
   * Featurises each text's views: `rows` holds each text's first view (what the model is
   * fitted on); with `allViews`, `scoring` holds every view, grouped by `groups` (text i owns
   * scoring[groups[i]..groups[i+1])), as the model is scored at serving time (the largest
   * margin), so the calibration and the threshold see the same scores serving will.
   */
  const vectorizeAll = function* (
    texts: readonly string[],
    offset: number,
    allViews: boolean,
    windowRows?: { readonly rows: SparseVector[]; readonly owners: number[] },
  ): Generator<TrainingProgress, { rows: SparseVector[]; scoring: SparseVector[]; groups: Int32Array }> {
    const rows = new Array<SparseVector>(texts.length);
    const scoring: SparseVector[] = [];
    const groups = new Int32Array(texts.length + 1);
    for (let i = 0; i < texts.length; i++) {
      const views = viewsOf(texts[i]!, resolved.normalization, resolved.featurizer);
      rows[i] = featurizer.featurize(views[0]!);
      if (allViews) {
        scoring.push(rows[i]!);
        for (let v = 1; v < views.length; v++) scoring.push(featurizer.featurize(views[v]!));
      }
      if (windowRows !== undefined) {
        // A text no longer than one window is its own window.
        if (views.length === 1) windowRows.rows.push(rows[i]!);
        for (let v = 1; v < views.length; v++) windowRows.rows.push(featurizer.featurize(views[v]!));
        while (windowRows.owners.length < windowRows.rows.length) windowRows.owners.push(i);
      }
      groups[i + 1] = scoring.length;
      if ((i & 7) === 7) {
        const step = offset + i + 1;
        yield { phase: 'featurize', epoch: 0, epochs, step, steps: total, fraction: (FEATURIZE_SHARE * step) / total };
      }
    }
    return { rows, scoring, groups };
  };
  const reuse = (part: LabelledTexts, field: string): { rows: SparseVector[]; scoring: SparseVector[]; groups: Int32Array } | undefined => {
    if (part.vectors === undefined) return undefined;
    if (part.vectors.length !== part.texts.length) throw invalid(`${field}.vectors`, 'vectors and texts differ in length');
    if (windowed) throw invalid(`${field}.vectors`, 'precomputed vectors hold one view per text: with featurizer.windowChars, train from the texts');
    return { rows: [...part.vectors], scoring: [...part.vectors], groups: Int32Array.from({ length: part.vectors.length + 1 }, (_, i) => i) };
  };
  const windowWeights = resolved.featurizer.windowWeights === true;
  const trainWindows = windowWeights ? { rows: [] as SparseVector[], owners: [] as number[] } : undefined;
  let trainRows: readonly SparseVector[] = (reuse(data.train, 'train') ?? (yield* vectorizeAll(data.train.texts, 0, false, trainWindows))).rows;
  const validationPart = reuse(data.validation, 'validation') ?? (yield* vectorizeAll(data.validation.texts, data.train.texts.length, true));
  let validationRows: readonly SparseVector[] = validationPart.scoring;
  const rawValidationScoring = validationPart.scoring;
  const validationGroups = validationPart.groups;
  const rawTrainRows = trainRows;
  const rawValidationRows = validationPart.rows;
  const refit = resolved.hyperParameters.refit === true && data.validation.texts.length > 0;
  // With a refit or window weights, the first fit takes half the training share of the progress and the second fit the rest.
  const trainShare = refit || windowWeights ? TRAIN_SHARE / 2 : TRAIN_SHARE;
  const tensors: Record<string, Float32Array> = {};
  if (resolved.featurizer.idf) {
    const weighing: TrainingProgress = { phase: 'featurize', epoch: 0, epochs, step: total, steps: total, fraction: FEATURIZE_SHARE };
    const weighed = yield* weighByIdf(trainRows, [trainRows, validationRows], featurizer.dims, weighing);
    tensors.idf = weighed.idf;
    [trainRows, validationRows] = weighed.parts as [SparseVector[], SparseVector[]];
  }
  const validationLabels = data.validation.labels;

  const history: EpochMetrics[] = [];
  const draft = (): TextClassifier => ({
    family: resolved.family,
    normalization: resolved.normalization,
    featurizer: resolved.featurizer,
    hyperParameters: resolved.hyperParameters,
    tensors,
    calibration: IDENTITY_CALIBRATION,
    threshold: 0.5,
    metrics: {},
    datasetDigest: options.datasetDigest ?? null,
    seed: resolved.seed,
  });
  /**
   * Scores the validation texts with the current weights, yielding `pending` after each
   * slice of work: per text, its first view's margin and its best window's (−∞ without).
   */
  const validationViewMargins = function* (pending: TrainingProgress): Generator<TrainingProgress, { text: Float64Array; window: Float64Array }> {
    const score = createScorer(draft());
    // Until the window weights are fitted (the epochs' validation metrics), windows are read with the text's.
    const windowScore = tensors.windowWeights === undefined ? undefined : windowRowScorer(tensors);
    const perFeature = resolved.family === 'mlp' ? Number(resolved.hyperParameters.hidden) : 1;
    const text = new Float64Array(validationGroups.length - 1);
    const window = new Float64Array(text.length).fill(Number.NEGATIVE_INFINITY);
    let work = 0;
    for (let t = 0; t < text.length; t++) {
      for (let i = validationGroups[t]!; i < validationGroups[t + 1]!; i++) {
        const first = i === validationGroups[t];
        const m = first || windowScore === undefined ? score(validationRows[i]!) : windowScore(rawValidationScoring[i]!);
        if (first) text[t] = m;
        else window[t] = Math.max(window[t]!, m);
        work += (validationRows[i]!.indices.length + 1) * perFeature;
      }
      if (work >= SLICE_WORK) {
        work = 0;
        yield pending;
      }
    }
    return { text, window };
  };
  /** Margins as served (`combineViewMargins`, the predictor's rule), the trimmed view's only once it is fitted. */
  const combine = (views: { text: Float64Array; window: Float64Array }, offsets: Pick<PlattCalibration, 'windowOffset' | 'trimOffset'>, trimmed?: Float64Array): Float64Array =>
    views.text.map((text, t) => combineViewMargins({ text, window: views.window[t]!, trimmed: trimmed?.[t] ?? Number.NEGATIVE_INFINITY }, offsets));
  const validationMargins = function* (pending: TrainingProgress): Generator<TrainingProgress, Float64Array> {
    return combine(yield* validationViewMargins(pending), { windowOffset: 0 });
  };
  const epochDone = function* (epoch: number, loss: number): Generator<TrainingProgress, TrainingProgress> {
    let validationLoss = Number.NaN;
    let validationRocAuc = Number.NaN;
    if (validationGroups.length > 1) {
      const done = FEATURIZE_SHARE + (trainShare * epoch) / epochs;
      const margins = yield* validationMargins({ phase: 'train', epoch, epochs, step: epoch - 1, steps: epochs, row: trainRows.length, rows: trainRows.length, fraction: done });
      validationLoss = logLoss(validationLabels, margins.map((m) => calibrate(m, IDENTITY_CALIBRATION)));
      validationRocAuc = rocAuc(validationLabels, margins);
    }
    history.push({ epoch, loss, validationLoss, validationRocAuc });
    return {
      phase: 'train',
      epoch,
      epochs,
      step: epoch,
      steps: epochs,
      fraction: FEATURIZE_SHARE + (trainShare * epoch) / epochs,
      loss,
      validationLoss,
      validationRocAuc,
    };
  };

  const setLinear = (w: LinearWeights): void => {
    tensors.weights = w.weights;
    tensors.bias = Float32Array.of(w.bias);
  };
  const setWindowLinear = (w: LinearWeights): void => {
    tensors.windowWeights = w.weights;
    tensors.windowBias = Float32Array.of(w.bias);
  };
  const setMlp = (w: MlpWeights): void => {
    Object.assign(tensors, w);
  };
  /**
   * Fits the family on `rows` into `tensors` (linear weights through `setLinearWeights`: the
   * text's, or the windows' own); yields each slice of work and each epoch's end (with its loss).
   */
  const fitFamily = function* (rows: readonly SparseVector[], labels: ArrayLike<number>, setLinearWeights = setLinear): Generator<FitStep, void> {
    if (resolved.family === 'logistic-regression') {
      const params = resolved.hyperParameters as unknown as LogisticRegressionParams;
      const fit = fitLogisticRegression(rows, labels, featurizer.dims, params, resolved.seed);
      for (;;) {
        const next = fit.next();
        if (next.done === true) return setLinearWeights(next.value);
        if (next.value.kind === 'epoch') setLinearWeights(next.value.model);
        yield next.value;
      }
    } else if (resolved.family === 'naive-bayes') {
      setLinearWeights(fitNaiveBayes(rows, labels, featurizer.dims, resolved.hyperParameters as unknown as NaiveBayesParams));
      yield { kind: 'epoch', epoch: 1, loss: Number.NaN };
    } else {
      const params = resolved.hyperParameters as unknown as MlpParams;
      const fit = fitMlp(rows, labels, featurizer.dims, params, resolved.seed);
      for (;;) {
        const next = fit.next();
        if (next.done === true) return setMlp(next.value);
        if (next.value.kind === 'epoch') setMlp(next.value.model);
        yield next.value;
      }
    }
  };
  /** The progress of a second fit (the window weights', or the refit): the rest of the training share, as `calibrate`. */
  const secondFitProgress = (step: FitStep): TrainingProgress => {
    const done = step.kind === 'epoch' ? step.epoch / epochs : (step.epoch - 1 + step.row / step.rows) / epochs;
    return { phase: 'calibrate', epoch: epochs, epochs, step: epochs, steps: epochs, fraction: FEATURIZE_SHARE + trainShare + (TRAIN_SHARE - trainShare) * done };
  };
  for (const step of fitFamily(trainRows, data.train.labels)) {
    if (step.kind === 'epoch') {
      yield yield* epochDone(step.epoch, step.loss);
    } else {
      const done = (step.epoch - 1 + step.row / step.rows) / epochs;
      yield { phase: 'train', epoch: step.epoch, epochs, step: step.epoch - 1, steps: epochs, row: step.row, rows: step.rows, fraction: FEATURIZE_SHARE + trainShare * done };
    }
  }

  let calibrating: TrainingProgress = { phase: 'calibrate', epoch: epochs, epochs, step: epochs, steps: epochs, fraction: FEATURIZE_SHARE + trainShare };
  yield calibrating;
  if (trainWindows !== undefined) {
    // The windows' own weights (featurizer.windowWeights): the same hyper-parameters and seed on
    // the training texts' windows, IDF learnt on the windows. Reported as `calibrate` progress
    // so the per-epoch history stays the text weights' one pass.
    let windowRows: readonly SparseVector[] = trainWindows.rows;
    if (resolved.featurizer.idf) {
      const weighed = yield* weighByIdf(windowRows, [windowRows], featurizer.dims, calibrating);
      tensors.windowIdf = weighed.idf;
      windowRows = weighed.parts[0]!;
    }
    const windowLabels = Uint8Array.from(trainWindows.owners, (owner) => data.train.labels[owner]!);
    for (const step of fitFamily(windowRows, windowLabels, setWindowLinear)) yield secondFitProgress(step);
    calibrating = { ...calibrating, fraction: FEATURIZE_SHARE + TRAIN_SHARE };
  }
  const viewMargins = yield* validationViewMargins(calibrating);
  const windowOffset = windowed ? fitWindowOffset(viewMargins.text, viewMargins.window, validationLabels) : 0;
  let margins = combine(viewMargins, { windowOffset });
  let trim: { trimCut: number; trimOffset: number } | undefined;
  if (windowed && resolved.featurizer.trimBenignSentences === true) {
    // The trimmed view's margins with the fitted weights, its offset fitted like the windows'.
    const predictor = createPredictor(draft());
    const trimCut = windowWeights ? WINDOW_WEIGHTS_TRIM_CUT : TRIM_CUT;
    const trimmed = new Float64Array(margins.length).fill(Number.NEGATIVE_INFINITY);
    for (let t = 0; t < trimmed.length; t++) {
      const view = trimmedView(normalizeText(data.validation.texts[t]!, resolved.normalization), resolved.featurizer.windowChars ?? 0, trimCut, predictor.windowMargin);
      if (view !== undefined) trimmed[t] = predictor.windowMargin(view);
      if ((t & 7) === 7) yield calibrating;
    }
    // Matched to the ham tail of the text and its windows together (the margin it competes
    // with), not the text's alone: the windows already lift that tail, so the trimmed view may
    // reach as high without putting more ham over the line. Most payloads the padding was
    // trimmed from were lost to the higher offset, not to the trimming (README, robustness).
    trim = { trimCut, trimOffset: fitWindowOffset(margins, trimmed, validationLabels) };
    margins = combine(viewMargins, { windowOffset, trimOffset: trim.trimOffset }, trimmed);
  }
  const platt: PlattCalibration = resolved.calibration === 'platt' ? fitPlatt(margins, validationLabels) : IDENTITY_CALIBRATION;
  const calibration: PlattCalibration = windowed ? { ...platt, windowOffset, ...trim } : platt;
  const probabilities = margins.map((m) => calibrate(m, calibration));
  const threshold = validationGroups.length > 1 ? chooseThreshold(validationLabels, probabilities, resolved.threshold) : 0.5;
  const validation = binaryMetrics(validationLabels, probabilities, threshold);
  if (refit) {
    // Refit on train + validation with the same hyper-parameters (IDF re-learnt on both),
    // keeping the calibration and threshold chosen above: outer CV on SpamAssassin's 80 %
    // side (bench/cv-procedures.ts) found the 12.5 % more data worth more than the small
    // mismatch between the held-out model's margins and the refitted one's. Reported as
    // `calibrate` progress so the per-epoch history stays one pass long.
    let allRows: readonly SparseVector[] = [...rawTrainRows, ...rawValidationRows];
    if (resolved.featurizer.idf) {
      const weighed = yield* weighByIdf(allRows, [allRows], featurizer.dims, calibrating);
      tensors.idf = weighed.idf;
      allRows = weighed.parts[0]!;
    }
    const allLabels = Uint8Array.from({ length: allRows.length }, (_, i) =>
      i < rawTrainRows.length ? data.train.labels[i]! : validationLabels[i - rawTrainRows.length]!,
    );
    for (const step of fitFamily(allRows, allLabels)) yield secondFitProgress(step);
  }
  const model: TextClassifier = {
    ...draft(),
    calibration,
    threshold,
    metrics: metricsToRecord(validation, 'val_'),
  };
  yield { phase: 'done', epoch: epochs, epochs, step: epochs, steps: epochs, fraction: 1 };
  return { model, recipe: resolved, validation, history };
}

/** Trains synchronously; see TrainingOptions for progress and cancellation. */
export function trainTextClassifier(recipe: TrainingRecipe, data: TrainingData, options: TrainingOptions = {}): TrainingResult {
  const steps = trainTextClassifierSteps(recipe, data, { datasetDigest: options.datasetDigest ?? null });
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
    options.onProgress?.(next.value);
    if (options.shouldCancel?.() === true) {
      steps.return(undefined as never);
      throw new TrainingCancelledError();
    }
  }
}

/**
 * Normalises and featurises texts with a recipe's chain, WITHOUT IDF (training learns and
 * applies it), for `LabelledTexts.vectors`.
 */
export function vectorizeTexts(recipe: TrainingRecipe, texts: readonly string[]): SparseVector[] {
  const resolved = resolveRecipe(recipe);
  const featurizer = createFeaturizer({ ...resolved.featurizer, idf: false });
  return texts.map((text) => featurizer.featurize(viewsOf(text, resolved.normalization, resolved.featurizer)[0]!));
}

/** Metrics of a model on labelled texts, at the model's own threshold on calibrated probabilities. */
export function evaluateClassifier(model: TextClassifier, data: LabelledTexts): BinaryMetrics {
  return runToEnd(evaluateClassifierSteps(model, data));
}

/** Texts scored between two reports of {@link evaluateClassifierSteps}. */
const EVALUATE_SLICE = 32;

/**
 * The generator form of {@link evaluateClassifier}: yields the number of texts scored every
 * few texts, so an async job can await between slices (scoring long mails is slow).
 */
export function* evaluateClassifierSteps(model: TextClassifier, data: LabelledTexts): Generator<number, BinaryMetrics> {
  checkData(data, 'data');
  const predictor = createPredictor(model);
  const probabilities = new Float64Array(data.texts.length);
  for (let i = 0; i < data.texts.length; i++) {
    probabilities[i] = predictor.predict(data.texts[i]!).probability;
    if (i % EVALUATE_SLICE === EVALUATE_SLICE - 1) yield i + 1;
  }
  return binaryMetrics(data.labels, probabilities, model.threshold);
}
