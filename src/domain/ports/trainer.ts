/**
 * A trainer turns a recipe and the job's splits into a model: the built-in families
 * (src/ml/builtin-trainer.ts) and external programs (src/jobs/external-command-trainer.ts)
 * both implement it; the training pipeline picks one by the recipe's family and never
 * knows which it got. A trainer reports how far through its own work it is, metrics
 * and log lines as it goes, and returns metrics and the artifacts to store.
 */
import type { DatasetRow } from '../datasets.js';
import type { ProgressReport } from '../jobs.js';
import type { Recipe, RecipeFamily } from '../recipes.js';

export interface TrainerSplits {
  readonly train: readonly DatasetRow[];
  readonly validation: readonly DatasetRow[];
  /** Held out: scored once, after training. */
  readonly test: readonly DatasetRow[];
}

/**
 * A progress report of the trainer's own work: the job's report (phase name shown, epoch,
 * steps, throughput, message) with how far through its part it is instead of a job fraction.
 */
export interface TrainerProgress extends Omit<ProgressReport, 'fraction' | 'etaSeconds'> {
  /** `training`: the trainer's work (featurising, training, calibrating…); `evaluating`: scoring the held-out rows. */
  readonly part: 'training' | 'evaluating';
  /** How far through that part, 0 → 1. */
  readonly within: number;
}

export interface MetricPoint {
  readonly key: string;
  readonly value: number;
  readonly step: number;
}

export interface TrainerRequest {
  readonly model: string;
  readonly recipe: Recipe;
  readonly splits: TrainerSplits;
  /** The first dataset's digest, recorded in a built-in model. */
  readonly datasetDigest: string | null;
  readonly jobId: string;
  readonly runId: string;
  /** Aborted on cancel, lost lease or shutdown: the trainer stops and rejects. */
  readonly signal: AbortSignal;
  onProgress(progress: TrainerProgress): void;
  /** Metric points for the run (per epoch, streamed); awaited, so a trainer may batch them. */
  onMetrics(points: readonly MetricPoint[]): Promise<void>;
  /** A line for the job's log. */
  log(line: string): void;
  /** A milestone: the job's log and the server's. */
  milestone(line: string): void;
}

/** One file to keep on the job's run. */
export interface TrainerArtifact {
  readonly name: string;
  readonly mediaType?: string;
  readonly size: number;
  /** The bytes (called at most once). */
  open(): AsyncIterable<Uint8Array>;
}

/** Stores an artifact on the run once (a later attempt finds it by name); resolves to its sha256. */
export type ArtifactSink = (artifact: TrainerArtifact) => Promise<string>;

export interface TrainedModel<Model> {
  readonly metrics: Readonly<Record<string, number>>;
  /** `warden` when Warden scored the held-out rows itself; `reported` when a program claims them. */
  readonly metricsSource: 'warden' | 'reported';
  /** A model Warden can score (against the Production version), or null when it cannot run it. */
  readonly model: Model | null;
  /** Stores the artifacts through `store`; resolves to the digest of the one the version points at. */
  storeArtifacts(store: ArtifactSink): Promise<string>;
  /** Frees what training left behind (temporary files); called once, after storing or on failure. */
  release(): Promise<void>;
}

export interface Trainer<Model> {
  /** The recipe families this trainer runs. */
  readonly families: readonly RecipeFamily[];
  train(request: TrainerRequest): Promise<TrainedModel<Model>>;
}
