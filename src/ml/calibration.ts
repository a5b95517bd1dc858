/**
 * Probability calibration (Platt scaling) and decision-threshold selection, both fitted
 * on a validation split the model never trained on.
 */
import { confusionMatrix, precisionRecallF1 } from './metrics.js';

/** p = sigmoid(a·score + b). The identity calibration of a logistic model is {a: 1, b: 0}. */
export interface PlattCalibration {
  readonly a: number;
  readonly b: number;
  /**
   * With windows on (featurizer.windowChars): subtracted from a window's margin before it
   * competes with the whole text's, so a short window (noisier than the text) puts as few
   * held-out ham rows over the line as the text itself does (`fitWindowOffset`). Absent = 0.
   */
  readonly windowOffset?: number;
  /**
   * With featurizer.trimBenignSentences: sentences whose own margin is at or under `trimCut`
   * are left out of the trimmed view, whose margin is lowered by `trimOffset` (fitted like
   * `windowOffset`) before it competes. Both absent = no trimmed view.
   */
  readonly trimCut?: number;
  readonly trimOffset?: number;
}

/**
 * The sentence margin at or under which `trimBenignSentences` leaves a sentence out, on the
 * bootstrap `spam-detector`'s margins (2026-12-02, cuts −0.5…−3 tried; see README's
 * robustness section): at −3 too little padding goes and buried payloads stay missed; −0.5 to
 * −1.5 cost clean recall at FPR ≤ 0.5 % (0.956–0.964 against 0.969 at −2).
 */
export const TRIM_CUT = -2;

/**
 * The cut of a model with window weights, whose sentences and trimmed view the window weights
 * judge (`Predictor.windowMargin`): those weights learnt what ham's short pieces read like, so
 * a cut nearer 0 sets more padding aside without taking the payload with it. On the bootstrap
 * `spam-detector` (2026-12-02, cuts −3…0 on the first start's split and on split seed 1): the
 * worst dilution attack at clean FPR ≤ 0.5 % 0.838 → 0.869 and 0.785 → 0.880 against the
 * main weights' trimming at −2; at 0 clean recall fell 3 points.
 */
export const WINDOW_WEIGHTS_TRIM_CUT = -1;

/** Share of validation ham rows whose margin sets the tail that `fitWindowOffset` matches. */
const WINDOW_OFFSET_TAIL = 0.01;

/**
 * How far the best window's margin must be lowered so that, on the negative rows, its upper
 * tail (the top 1 %) is no higher than the whole text's: windows then add detections where
 * one window is far more malicious than benign text's windows ever are (a payload diluted
 * by benign text) and few false alarms. 0 when windows are not more extreme than the text.
 */
export function fitWindowOffset(textMargins: ArrayLike<number>, windowMargins: ArrayLike<number>, labels: ArrayLike<number>): number {
  const text: number[] = [];
  const window: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 || !Number.isFinite(windowMargins[i]!)) continue;
    text.push(textMargins[i]!);
    window.push(windowMargins[i]!);
  }
  if (window.length === 0) return 0;
  const tail = (values: number[]): number => values.sort((x, y) => y - x)[Math.floor(WINDOW_OFFSET_TAIL * values.length)]!;
  return Math.max(0, tail(window) - tail(text));
}

export const IDENTITY_CALIBRATION: PlattCalibration = Object.freeze({ a: 1, b: 0 });

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function calibrate(score: number, c: PlattCalibration): number {
  return sigmoid(c.a * score + c.b);
}

/**
 * Fits Platt's sigmoid to raw scores by Newton's method on the log loss, with Platt's
 * smoothed targets (N₊+1)/(N₊+2) and 1/(N₋+2) so a separable validation set does not
 * push the slope to infinity. Returns the identity when a class is missing.
 */
export function fitPlatt(scores: ArrayLike<number>, labels: ArrayLike<number>): PlattCalibration {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) pos++;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return IDENTITY_CALIBRATION;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  let a = 1;
  let b = 0;
  const lossAt = (aa: number, bb: number): number => {
    let loss = 0;
    for (let i = 0; i < scores.length; i++) {
      const t = labels[i] === 1 ? hi : lo;
      const z = aa * scores[i]! + bb;
      // log(1 + e^z) − t·z, computed stably
      loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t * z;
    }
    return loss;
  };
  let loss = lossAt(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      const t = labels[i] === 1 ? hi : lo;
      const p = sigmoid(a * s + b);
      const d = p - t;
      const w = p * (1 - p);
      ga += d * s;
      gb += d;
      haa += w * s * s;
      hab += w * s;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(ga) + Math.abs(gb) < 1e-9 || det <= 0) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    // Backtracking line search keeps Newton stable on badly scaled scores.
    let step = 1;
    let next = lossAt(a - step * da, b - step * db);
    while (next > loss && step > 1e-8) {
      step /= 2;
      next = lossAt(a - step * da, b - step * db);
    }
    if (next > loss) break;
    a -= step * da;
    b -= step * db;
    const improved = loss - next;
    loss = next;
    if (improved < 1e-10) break;
  }
  return { a, b };
}

/** How the decision threshold is chosen on the validation split. */
export type ThresholdObjective =
  | { readonly objective: 'f1' }
  /** A fixed cut on the calibrated probability (0.5 = the Bayes decision for accuracy); stabler than an argmax on a small validation split. */
  | { readonly objective: 'probability'; readonly probability: number }
  /** The lowest threshold whose validation false-positive rate is ≤ maxFpr (maximises recall under the FPR budget). */
  | { readonly objective: 'fpr'; readonly maxFpr: number };

/**
 * Chooses a threshold on `scores` (predict positive when score ≥ threshold). Candidate
 * cuts lie halfway between consecutive distinct scores, so a validation score never sits
 * exactly on the boundary. Ties in F1 go to the higher threshold (fewer false positives).
 * Returns 0.5 when a class is missing.
 */
export function chooseThreshold(labels: ArrayLike<number>, scores: ArrayLike<number>, how: ThresholdObjective = { objective: 'f1' }): number {
  if (how.objective === 'probability') return how.probability;
  const n = scores.length;
  let pos = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) pos++;
  if (pos === 0 || pos === n) return 0.5;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((x, y) => scores[y]! - scores[x]!);
  let tp = 0;
  let fp = 0;
  let best = Number.POSITIVE_INFINITY;
  let bestValue = -1;
  for (let i = 0; i < n; ) {
    const s = scores[order[i]!]!;
    while (i < n && scores[order[i]!] === s) {
      if (labels[order[i]!] === 1) tp++;
      else fp++;
      i++;
    }
    const below = i < n ? scores[order[i]!]! : s - 1;
    const cut = (s + below) / 2;
    if (how.objective === 'f1') {
      const f1 = (2 * tp) / (2 * tp + fp + (pos - tp));
      if (f1 > bestValue) {
        bestValue = f1;
        best = cut;
      }
    } else {
      if (fp / (n - pos) <= how.maxFpr) best = cut;
      else break;
    }
  }
  if (!Number.isFinite(best)) {
    // No cut satisfies the FPR budget: predict positive only above the top score.
    best = scores[order[0]!]! + 1e-6;
  }
  return best;
}

/** F1 at a threshold (convenience for tuning loops). */
export function f1At(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): number {
  const predicted = Uint8Array.from({ length: scores.length }, (_, i) => (scores[i]! >= threshold ? 1 : 0));
  return precisionRecallF1(confusionMatrix(labels, predicted)).f1;
}
