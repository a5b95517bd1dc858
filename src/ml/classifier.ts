/**
 * A trained text classifier and the prediction API. A model carries its own
 * normalisation recipe and featuriser config, so `predict` always runs the exact
 * chain the model was trained with.
 */
import { NORMALIZATION_STEPS, normalizePrefix, normalizeText, type NormalizationRecipe } from './normalize.js';
import { createFeaturizer, sentencesOf, sparseDot, textViews, type BucketVisitor, type FeaturizerConfig, type Featurizer, type SparseVector } from './features.js';
import { calibrate, type PlattCalibration } from './calibration.js';

/** Model families with different inductive biases. */
export const MODEL_FAMILIES = ['logistic-regression', 'naive-bayes', 'mlp'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

/**
 * Tensor names a model stores, in serialisation order, with their shapes: `idf` first
 * when the featuriser uses it, then the family's parameters, then the windows' own
 * (`windowIdf`, `windowWeights`, `windowBias`) with `featurizer.windowWeights`.
 */
export function tensorLayout(
  family: ModelFamily,
  dims: number,
  hyperParameters: Readonly<Record<string, unknown>>,
  featurizer: Pick<FeaturizerConfig, 'idf' | 'windowWeights'>,
): [string, number[]][] {
  const idf: [string, number[]][] = featurizer.idf ? [['idf', [dims]]] : [];
  if (family === 'mlp') {
    const hidden = Number(hyperParameters.hidden);
    return [
      ...idf,
      ['w1', [dims, hidden]],
      ['b1', [hidden]],
      ['w2', [hidden]],
      ['b2', [1]],
    ];
  }
  const windows: [string, number[]][] =
    featurizer.windowWeights === true ? [...(featurizer.idf ? [['windowIdf', [dims]] as [string, number[]]] : []), ['windowWeights', [dims]], ['windowBias', [1]]] : [];
  return [...idf, ['weights', [dims]], ['bias', [1]], ...windows];
}

export type HyperParameters = Readonly<Record<string, number | string | boolean>>;

/** Everything needed to classify raw text; plain data (serialisable by model-format.ts). */
export interface TextClassifier {
  readonly family: ModelFamily;
  readonly normalization: NormalizationRecipe;
  readonly featurizer: FeaturizerConfig;
  readonly hyperParameters: HyperParameters;
  /** Family-specific parameters; names and shapes follow `tensorLayout`. */
  readonly tensors: Readonly<Record<string, Float32Array>>;
  /** Maps the raw margin to a probability. */
  readonly calibration: PlattCalibration;
  /** Decision threshold on the calibrated probability: label 1 when probability ≥ threshold. */
  readonly threshold: number;
  /** Metrics recorded with the model (validation metrics at training time; the pipeline may add eval_*). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Digest of the dataset version it was trained on, when known. */
  readonly datasetDigest: string | null;
  /** Seed the training used. */
  readonly seed: number;
}

export interface Prediction {
  /** 1 = positive class (spam, injection, malicious…). */
  readonly label: 0 | 1;
  /** Calibrated probability of the positive class. */
  readonly probability: number;
  /** Raw model margin before calibration. */
  readonly score: number;
}

/** A prediction with the normalised text it was computed from. */
export interface InspectedPrediction extends Prediction {
  /**
   * What the model read of the text (`Predictor.read`): its normalised first `maxChars`
   * characters, or with windows the whole normalised text its views and trimmed view come from.
   */
  readonly reading: string;
}

/** A text's view margins (`Predictor.viewMargins`). */
export interface ViewMargins {
  /** The text's first view (all of it, or its first `maxChars`), by the main weights. */
  readonly text: number;
  /** The best window's, by the window weights when the model has them. */
  readonly window: number;
  /** The trimmed view's (`trimmedView`), by the window weights when the model has them. */
  readonly trimmed: number;
}

/**
 * The served margin of a text's views: the whole text's, or the best window's lowered by
 * `windowOffset`, or the trimmed view's lowered by `trimOffset` (absent = no trimmed view),
 * whichever is largest. Offsets other than the fitted ones give what they would have served.
 */
export function combineViewMargins(views: ViewMargins, offsets: Pick<PlattCalibration, 'windowOffset' | 'trimOffset'>): number {
  const trimmed = offsets.trimOffset === undefined ? Number.NEGATIVE_INFINITY : views.trimmed - offsets.trimOffset;
  return Math.max(views.text, views.window - (offsets.windowOffset ?? 0), trimmed);
}

/** A classifier bound to its featuriser (scratch buffers allocated once). Not re-entrant; create one per worker. */
export interface Predictor {
  readonly model: TextClassifier;
  predict(text: string): Prediction;
  predictBatch(texts: readonly string[]): Prediction[];
  /** Raw margin of an already featurised row. */
  scoreVector(row: SparseVector): number;
  /** Normalises and featurises text with the model's chain: its first view (the whole text, or its first `maxChars`). */
  vectorize(text: string): SparseVector;
  /** The normalised pieces the model scores (`textViews`); the margin is the largest of theirs (or the trimmed view's, `trimmedView`). */
  views(text: string): string[];
  /** Raw margin of one normalised piece of text (a view, a sentence). */
  viewMargin(view: string): number;
  /**
   * Raw margin of a piece of text as the model reads a window, and a trimmed view and its
   * sentences: by the window weights when it has them (`featurizer.windowWeights`), else `viewMargin`.
   */
  windowMargin(view: string): number;
  /**
   * The raw margins of a reading's views (`read`), before the offsets the margin lowers them
   * by (`PlattCalibration.windowOffset`, `trimOffset`): what a calibration could at best make
   * of them (bench/robustness.ts `--view-ceiling`). −∞ for a view the text does not have.
   */
  viewMargins(reading: string): ViewMargins;
  /** The normalised text the model's margin depends on, whole: the prefix it reads, or with windows the whole normalised text. */
  read(text: string): string;
  /**
   * `predict`, also returning what it read and showing `visit` the first view's buckets
   * (exactly `vectorize(text).indices`), which linear families get from their scoring's own
   * hashing, without building a vector.
   */
  inspect(text: string, visit?: BucketVisitor): InspectedPrediction;
  /** The prediction of a reading as `read` returns it (of this model's chain or another's). */
  predictReading(reading: string): Prediction;
}

/**
 * The normalised text without its sentences scoring at or under `cut` (`viewMargin`), or
 * undefined when the text fits in one window or no sentence, or every sentence, is left out:
 * the reading of `trimBenignSentences`. Padding made of everyday sentences scores far under
 * the cut however it is placed, so the payload is judged whole, as if it came alone.
 */
export function trimmedView(normalized: string, windowChars: number, cut: number, viewMargin: (view: string) => number): string | undefined {
  if (windowChars <= 0 || normalized.length <= windowChars) return undefined;
  const sentences = sentencesOf(normalized, windowChars);
  const kept = sentences.filter((sentence) => viewMargin(sentence) > cut);
  return kept.length === 0 || kept.length === sentences.length ? undefined : kept.join(' ');
}

/**
 * The normalised views of a raw text under a model's chain. Without windows only the
 * first `maxChars` characters are read, so no more than those are normalised.
 */
export function viewsOf(text: string, normalization: NormalizationRecipe, featurizer: Pick<FeaturizerConfig, 'maxChars' | 'windowChars'>): string[] {
  if ((featurizer.windowChars ?? 0) <= 0) return [normalizePrefix(text, normalization, featurizer.maxChars)];
  return textViews(normalizeText(text, normalization), featurizer);
}

function tensor(model: TextClassifier, name: string): Float32Array {
  const t = model.tensors[name];
  if (t === undefined) throw new Error(`model has no tensor ${name}`);
  return t;
}

/** Builds the scoring function of a family: sparse row → raw margin. */
export function createScorer(model: TextClassifier): (row: SparseVector) => number {
  if (model.family === 'mlp') {
    const w1 = tensor(model, 'w1');
    const b1 = tensor(model, 'b1');
    const w2 = tensor(model, 'w2');
    const b2 = tensor(model, 'b2')[0]!;
    const hidden = b1.length;
    const h = new Float32Array(hidden);
    return (row) => {
      h.set(b1);
      const { indices, values } = row;
      for (let k = 0; k < indices.length; k++) {
        const base = indices[k]! * hidden;
        const v = values[k]!;
        for (let u = 0; u < hidden; u++) h[u]! += v * w1[base + u]!;
      }
      let z = b2;
      for (let u = 0; u < hidden; u++) if (h[u]! > 0) z += h[u]! * w2[u]!;
      return z;
    };
  }
  const weights = tensor(model, 'weights');
  const bias = tensor(model, 'bias')[0]!;
  return (row) => sparseDot(row, weights) + bias;
}

const featurizerOf = (model: TextClassifier): Featurizer => createFeaturizer(model.featurizer, model.featurizer.idf ? tensor(model, 'idf') : undefined);

// Keyed by the weights, not the model: the raw-reading predictor binds a copy of the model
// with the same tensors, and one featuriser (with its 2·dims idf·weights copy) serves both.
const windowFeaturizers = new WeakMap<Float32Array, Featurizer>();

/** The margin function of a model's own window weights (`featurizer.windowWeights`), or undefined without them. */
function windowScorerOf(model: TextClassifier): ((view: string) => number) | undefined {
  if (model.featurizer.windowWeights !== true) return undefined;
  const weights = tensor(model, 'windowWeights');
  const bias = tensor(model, 'windowBias')[0]!;
  let featurizer = windowFeaturizers.get(weights);
  if (featurizer === undefined) windowFeaturizers.set(weights, (featurizer = createFeaturizer(model.featurizer, model.featurizer.idf ? tensor(model, 'windowIdf') : undefined)));
  const windowFeaturizer = featurizer;
  return (view) => windowFeaturizer.linearScore(view, weights) + bias;
}

/** Binds a model to a featuriser and scorer. */
export function createPredictor(model: TextClassifier): Predictor {
  return bindPredictor(model, featurizerOf(model));
}

/** A predictor on a given featuriser (of the model's config and idf): two predictors of one thread may share one. */
function bindPredictor(model: TextClassifier, featurizer: Featurizer): Predictor {
  const score = createScorer(model);
  const views = (text: string): string[] => viewsOf(text, model.normalization, model.featurizer);
  const vectorize = (text: string): SparseVector => featurizer.featurize(views(text)[0]!);
  // Linear families score straight from the n-gram counts (no vector built); same result as score(featurize(view)).
  const linear = model.family === 'mlp' ? undefined : { weights: tensor(model, 'weights'), bias: tensor(model, 'bias')[0]! };
  const viewMargin = (view: string, visit?: BucketVisitor): number => {
    if (linear !== undefined) return featurizer.linearScore(view, linear.weights, visit) + linear.bias;
    const row = featurizer.featurize(view);
    visit?.(row.indices, row.indices.length);
    return score(row);
  };
  const windowMargin = windowScorerOf(model) ?? ((view: string): number => viewMargin(view));
  const { trimCut } = model.calibration;
  const windowChars = model.featurizer.windowChars ?? 0;
  const read = (text: string): string => (windowChars <= 0 ? normalizePrefix(text, model.normalization, model.featurizer.maxChars) : normalizeText(text, model.normalization));
  const viewMargins = (normalized: string, visit?: BucketVisitor): ViewMargins => {
    if (windowChars <= 0) return { text: viewMargin(normalized, visit), window: Number.NEGATIVE_INFINITY, trimmed: Number.NEGATIVE_INFINITY };
    const all = textViews(normalized, model.featurizer);
    const text = viewMargin(all[0]!, visit);
    let window = Number.NEGATIVE_INFINITY;
    for (let v = 1; v < all.length; v++) window = Math.max(window, windowMargin(all[v]!));
    const view = trimCut === undefined ? undefined : trimmedView(normalized, windowChars, trimCut, windowMargin);
    return { text, window, trimmed: view === undefined ? Number.NEGATIVE_INFINITY : windowMargin(view) };
  };
  const margin = (normalized: string, visit?: BucketVisitor): number => combineViewMargins(viewMargins(normalized, visit), model.calibration);
  const predictReading = (reading: string): Prediction => {
    const s = margin(reading);
    const probability = calibrate(s, model.calibration);
    return { label: probability >= model.threshold ? 1 : 0, probability, score: s };
  };
  const predict = (text: string): Prediction => predictReading(read(text));
  const inspect = (text: string, visit?: BucketVisitor): InspectedPrediction => {
    const reading = read(text);
    const s = margin(reading, visit);
    const probability = calibrate(s, model.calibration);
    return { label: probability >= model.threshold ? 1 : 0, probability, score: s, reading };
  };
  return {
    model,
    predict,
    predictBatch: (texts) => texts.map(predict),
    scoreVector: score,
    vectorize,
    views,
    viewMargin: (view) => viewMargin(view),
    windowMargin,
    viewMargins: (reading) => viewMargins(reading),
    read,
    inspect,
    predictReading,
  };
}

const featurizers = new WeakMap<TextClassifier, Featurizer>();
const sharedFeaturizerFor = (model: TextClassifier): Featurizer => {
  let f = featurizers.get(model);
  if (f === undefined) featurizers.set(model, (f = featurizerOf(model)));
  return f;
};
const predictors = new WeakMap<TextClassifier, Predictor>();
const predictorFor = (model: TextClassifier): Predictor => {
  let p = predictors.get(model);
  if (p === undefined) predictors.set(model, (p = bindPredictor(model, sharedFeaturizerFor(model))));
  return p;
};

/** Classifies one raw text with the model's own normalisation and featuriser (predictor cached per model). */
export function predict(model: TextClassifier, text: string): Prediction {
  return predictorFor(model).predict(text);
}

/** Classifies many raw texts; same results as mapping `predict`. */
export function predictBatch(model: TextClassifier, texts: readonly string[]): Prediction[] {
  return predictorFor(model).predictBatch(texts);
}

/**
 * The recipe of the model's "raw" reading, for the normalisation gap: every step that undoes
 * an evasion (decoding, NFKC, invisible characters, look-alikes, marks, split words, spaced
 * letters, leetspeak) off; lower-casing and whitespace collapsing kept as the model has them,
 * because casing and spacing are not evasions, and a model that learnt lower-cased n-grams
 * would otherwise flip on every capitalised word and drown the signal the gap is for.
 */
export function rawNormalization(recipe: NormalizationRecipe): NormalizationRecipe {
  const off = Object.fromEntries(NORMALIZATION_STEPS.map((step) => [step, false])) as unknown as NormalizationRecipe;
  return { ...off, lowercase: recipe.lowercase, collapseWhitespace: recipe.collapseWhitespace };
}

const rawPredictors = new WeakMap<TextClassifier, Predictor>();
const rawPredictorFor = (model: TextClassifier): Predictor => {
  let p = rawPredictors.get(model);
  // The model's own featuriser: the raw reading hashes the same way, and with IDF the featuriser's interleaved idf·weights copy (8 MiB at 2^20 buckets) then exists once and stays warm in cache.
  if (p === undefined) rawPredictors.set(model, (p = bindPredictor({ ...model, normalization: rawNormalization(model.normalization) }, sharedFeaturizerFor(model))));
  return p;
};

/**
 * Classifies a text as the model would without its evasion-undoing normalisation
 * (`rawNormalization`): the same weights, featuriser and calibration. Its verdict beside
 * `predict`'s is the normalisation gap of one input.
 */
export function predictRaw(model: TextClassifier, text: string): Prediction {
  return rawPredictorFor(model).predict(text);
}

/**
 * Whether `predictRaw(model, text)` gets another label than `served` (the model's `inspect`
 * of the same text): the normalisation gap of one input. Scores the raw reading only when it
 * differs from the served one: when the evasion-undoing steps changed nothing (most inputs)
 * the raw reading is the same string, scored with the same weights, so its verdict cannot
 * differ and the second scoring is skipped.
 */
export function normalizationFlipped(model: TextClassifier, text: string, served: Pick<InspectedPrediction, 'label' | 'reading'>): boolean {
  const raw = rawPredictorFor(model);
  const reading = raw.read(text);
  return reading !== served.reading && raw.predictReading(reading).label !== served.label;
}

/** `predictBatch` with what each answer read (`Predictor.inspect`); `visitFor(i)` may give a visitor for text i's first-view buckets. */
export function inspectBatch(model: TextClassifier, texts: readonly string[], visitFor?: (index: number) => BucketVisitor | undefined): InspectedPrediction[] {
  const p = predictorFor(model);
  return texts.map((text, i) => p.inspect(text, visitFor?.(i)));
}

/** The hashed features the model reads of a raw text (its first view, normalised); predictor cached per model. */
export function vectorizeText(model: TextClassifier, text: string): SparseVector {
  return predictorFor(model).vectorize(text);
}

