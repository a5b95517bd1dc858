/**
 * Binary classification metrics (positive class = 1). Scores may be probabilities or
 * raw margins; ranking metrics (ROC-AUC, PR-AUC) only use their order.
 */

export interface ConfusionMatrix {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

export interface BinaryMetrics {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** False-positive rate at the threshold: fp / (fp + tn). */
  readonly fpr: number;
  readonly rocAuc: number;
  /** Average precision (area under the precision–recall curve, step-wise as in scikit-learn). */
  readonly prAuc: number;
  readonly threshold: number;
  readonly confusion: ConfusionMatrix;
  readonly support: { readonly positive: number; readonly negative: number };
}

function checkLengths(labels: ArrayLike<number>, other: ArrayLike<number>, what: string): void {
  if (labels.length !== other.length) throw new RangeError(`labels (${labels.length}) and ${what} (${other.length}) differ in length`);
}

/** Counts of predicted vs true labels; `predicted` is 0/1. */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>): ConfusionMatrix {
  checkLengths(labels, predicted, 'predictions');
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] === 1;
    const p = predicted[i] === 1;
    if (y && p) tp++;
    else if (!y && p) fp++;
    else if (!y && !p) tn++;
    else fn++;
  }
  return { tp, fp, tn, fn };
}

const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

/** Precision, recall and F1 of a confusion matrix (0 when undefined, as scikit-learn's zero_division=0). */
export function precisionRecallF1(c: ConfusionMatrix): { precision: number; recall: number; f1: number } {
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, c.tp + c.fn);
  return { precision, recall, f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn) };
}

/** Indices sorted by descending score (stable). */
function byScoreDescending(scores: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order;
}

/** ROC-AUC with ties counted as half (Mann–Whitney U). NaN when a class is absent. */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkLengths(labels, scores, 'scores');
  const order = byScoreDescending(scores);
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) pos++;
    else neg++;
  }
  if (pos === 0 || neg === 0) return Number.NaN;
  // Walk from the highest score; for each group of tied scores, every negative in the
  // group is out-ranked by all positives seen before it and ties with those inside it.
  let positivesAbove = 0;
  let area = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    let groupPos = 0;
    let groupNeg = 0;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) {
      if (labels[order[j]!] === 1) groupPos++;
      else groupNeg++;
      j++;
    }
    area += groupNeg * (positivesAbove + groupPos / 2);
    positivesAbove += groupPos;
    i = j;
  }
  return area / (pos * neg);
}

/** Average precision: Σ (Rₙ − Rₙ₋₁)·Pₙ over distinct score thresholds. NaN without positives. */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkLengths(labels, scores, 'scores');
  const order = byScoreDescending(scores);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) pos++;
  if (pos === 0) return Number.NaN;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let lastRecall = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) {
      if (labels[order[j]!] === 1) tp++;
      seen++;
      j++;
    }
    const recall = tp / pos;
    ap += (recall - lastRecall) * (tp / seen);
    lastRecall = recall;
    i = j;
  }
  return ap;
}

/** All metrics at once; a score ≥ `threshold` predicts the positive class. */
export function binaryMetrics(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): BinaryMetrics {
  checkLengths(labels, scores, 'scores');
  const predicted = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) predicted[i] = scores[i]! >= threshold ? 1 : 0;
  const confusion = confusionMatrix(labels, predicted);
  const total = labels.length;
  return {
    accuracy: ratio(confusion.tp + confusion.tn, total),
    ...precisionRecallF1(confusion),
    fpr: ratio(confusion.fp, confusion.fp + confusion.tn),
    rocAuc: rocAuc(labels, scores),
    prAuc: averagePrecision(labels, scores),
    threshold,
    confusion,
    support: { positive: confusion.tp + confusion.fn, negative: confusion.fp + confusion.tn },
  };
}

/** Mean binary cross-entropy of probabilities (clipped to avoid infinities). */
export function logLoss(labels: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  checkLengths(labels, probabilities, 'probabilities');
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, probabilities[i]!));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return labels.length === 0 ? 0 : sum / labels.length;
}

/** Flattens metrics to the `name → number` map used by manifests and runs, with a key prefix (e.g. `eval_`). */
export function metricsToRecord(metrics: BinaryMetrics, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {
    [`${prefix}accuracy`]: metrics.accuracy,
    [`${prefix}precision`]: metrics.precision,
    [`${prefix}recall`]: metrics.recall,
    [`${prefix}f1`]: metrics.f1,
    [`${prefix}fpr`]: metrics.fpr,
    [`${prefix}roc_auc`]: metrics.rocAuc,
    [`${prefix}pr_auc`]: metrics.prAuc,
    [`${prefix}threshold`]: metrics.threshold,
    [`${prefix}tp`]: metrics.confusion.tp,
    [`${prefix}fp`]: metrics.confusion.fp,
    [`${prefix}tn`]: metrics.confusion.tn,
    [`${prefix}fn`]: metrics.confusion.fn,
  };
  for (const key of Object.keys(out)) if (!Number.isFinite(out[key])) delete out[key];
  return out;
}
