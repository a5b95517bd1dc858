/**
 * How many labelled predictions a metric drop needs before it is believed. A drop seen on
 * forty labels is mostly noise; acting on it retrains for nothing, and a flapping window
 * would retrain again and again. So a drop only counts once the window holds enough labels
 * that a drop of the configured size would be detected at level α with the chosen power.
 */
import { normalQuantile } from '../evaluation/paired.js';
import { invalid } from '../errors.js';

/**
 * Labelled predictions needed to tell a proportion `baseline` from `baseline − drop`
 * (two-sided test at level `alpha`, probability `power` of seeing a real drop of that size),
 * by the normal approximation for two proportions with equal samples (Fleiss, without the
 * continuity correction):
 *
 *     p1 = baseline, p2 = baseline − drop, p̄ = (p1 + p2) / 2
 *     n  = ( z₁₋α/₂ · √(2 p̄ (1 − p̄)) + z₁₋β · √(p1 (1 − p1) + p2 (1 − p2)) )² / drop²
 *
 * The baseline's own evaluation is a sample too, hence the two-sample form. Precision, recall
 * and F1 are treated as proportions of their denominators (an approximation for F1).
 * `drop` is in the metric's units (absolute); returns a whole number ≥ 1.
 */
export function minimumLabelledPredictions(baseline: number, drop: number, alpha: number, power: number): number {
  if (!(baseline > 0 && baseline <= 1)) throw invalid('baseline', 'baseline must be in (0, 1]');
  if (!(drop > 0 && drop <= baseline)) throw invalid('drop', 'drop must be in (0, baseline]');
  if (!(alpha > 0 && alpha < 1)) throw invalid('alpha', 'alpha must be in (0, 1)');
  if (!(power > 0 && power < 1)) throw invalid('power', 'power must be in (0, 1)');
  const p1 = baseline;
  const p2 = baseline - drop;
  const pooled = (p1 + p2) / 2;
  const zAlpha = normalQuantile(1 - alpha / 2);
  const zBeta = normalQuantile(power);
  const root = zAlpha * Math.sqrt(2 * pooled * (1 - pooled)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.max(1, Math.ceil((root * root) / (drop * drop)));
}
