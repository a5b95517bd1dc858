/**
 * The progress vocabulary of training and evaluation jobs in one place: the phases a job
 * reports, in order, and which share of the job's fraction (0 → 1) each part covers, so a
 * trainer reports "how far through its own work" and never a job-wide number.
 */

/** Phases a training job reports, in order. */
export const TRAINING_JOB_PHASES = ['loading', 'featurising', 'training', 'calibrating', 'evaluating', 'registering'] as const;
export type TrainingJobPhase = (typeof TRAINING_JOB_PHASES)[number];

export interface FractionRange {
  readonly from: number;
  readonly to: number;
}

/**
 * The share of a training job's progress each part covers. A trainer's own phases
 * (featurising, training and calibrating for the built-in families, whatever an external
 * program reports) share `training`; `evaluating` is the held-out scoring; `registering`
 * stores the artifact, compares with Production and registers the version.
 */
export const TRAINING_PROGRESS = {
  loading: { from: 0, to: 0.05 },
  training: { from: 0.05, to: 0.85 },
  evaluating: { from: 0.86, to: 0.92 },
  registering: { from: 0.93, to: 1 },
} as const satisfies Record<string, FractionRange>;

/** The steps of `registering`, each at the fraction it starts from. */
export const REGISTERING_STEPS = {
  storingArtifact: 0.93,
  comparingWithProduction: 0.95,
  registeringVersion: 0.96,
  done: 1,
} as const;

/** The share of an `evaluate` job's progress each of its phases covers. */
export const EVALUATION_PROGRESS = {
  loading: { from: 0, to: 0.1 },
  evaluating: { from: 0.1, to: 1 },
} as const satisfies Record<string, FractionRange>;

/** The job fraction `within` (0 → 1, clamped) of the way through `range`. */
export function fractionIn(range: FractionRange, within: number): number {
  const clamped = Number.isFinite(within) ? Math.min(1, Math.max(0, within)) : 0;
  return range.from + (range.to - range.from) * clamped;
}
