/**
 * A trained text classifier and the prediction API. A model carries its own
 * normalisation recipe and featuriser config, so `predict` always runs the exact
 * chain the model was trained with.
 */
import { normalizePrefix, normalizeText, type NormalizationRecipe } from './normalize.js';
import { createFeaturizer, sparseDot, textViews, type FeaturizerConfig, type Featurizer, type SparseVector } from './features.js';
import { calibrate, type PlattCalibration } from './calibration.js';

/** Model families with different inductive biases. */
export const MODEL_FAMILIES = ['logistic-regression', 'naive-bayes', 'mlp'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

/**
 * Tensor names a model stores, in serialisation order, with their shapes: `idf` first
 * when the featuriser uses it, then the family's parameters.
 */
export function tensorLayout(
  family: ModelFamily,
  dims: number,
  hyperParameters: Readonly<Record<string, unknown>>,
  featurizer: Pick<FeaturizerConfig, 'idf'>,
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
  return [
    ...idf,
    ['weights', [dims]],
    ['bias', [1]],
  ];
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

/** A classifier bound to its featuriser (scratch buffers allocated once). Not re-entrant; create one per worker. */
export interface Predictor {
  readonly model: TextClassifier;
  predict(text: string): Prediction;
  predictBatch(texts: readonly string[]): Prediction[];
  /** Raw margin of an already featurised row. */
  scoreVector(row: SparseVector): number;
  /** Normalises and featurises text with the model's chain: its first view (the whole text, or its first `maxChars`). */
  vectorize(text: string): SparseVector;
  /** The normalised pieces the model scores (`textViews`); the margin is the largest of theirs. */
  views(text: string): string[];
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

/** Binds a model to a featuriser and scorer. */
export function createPredictor(model: TextClassifier): Predictor {
  const featurizer: Featurizer = createFeaturizer(model.featurizer, model.featurizer.idf ? tensor(model, 'idf') : undefined);
  const score = createScorer(model);
  const views = (text: string): string[] => viewsOf(text, model.normalization, model.featurizer);
  const vectorize = (text: string): SparseVector => featurizer.featurize(views(text)[0]!);
  // Linear families score straight from the n-gram counts (no vector built); same result as score(featurize(view)).
  const linear = model.family === 'mlp' ? undefined : { weights: tensor(model, 'weights'), bias: tensor(model, 'bias')[0]! };
  const viewMargin = (view: string): number =>
    linear === undefined ? score(featurizer.featurize(view)) : featurizer.linearScore(view, linear.weights) + linear.bias;
  const windowOffset = model.calibration.windowOffset ?? 0;
  // The whole text's margin, or a window's lowered by the offset fitted on validation rows.
  const margin = (text: string): number => {
    const all = views(text);
    let best = viewMargin(all[0]!);
    for (let v = 1; v < all.length; v++) best = Math.max(best, viewMargin(all[v]!) - windowOffset);
    return best;
  };
  const predict = (text: string): Prediction => {
    const s = margin(text);
    const probability = calibrate(s, model.calibration);
    return { label: probability >= model.threshold ? 1 : 0, probability, score: s };
  };
  return {
    model,
    predict,
    predictBatch: (texts) => texts.map(predict),
    scoreVector: score,
    vectorize,
    views,
  };
}

const predictors = new WeakMap<TextClassifier, Predictor>();
const predictorFor = (model: TextClassifier): Predictor => {
  let p = predictors.get(model);
  if (p === undefined) predictors.set(model, (p = createPredictor(model)));
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
